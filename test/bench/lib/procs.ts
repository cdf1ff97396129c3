/**
 * Child processes for the bench and its smoke test: each server or load generator is started in
 * its own process group (detached), so that its CPU time can be summed over every process it
 * forks (Kamailio forks its workers) and so that it can be killed as a whole. Every group started
 * here is recorded; on exit, SIGINT or SIGTERM the survivors are killed, so a bench interrupted
 * with Ctrl-C leaves no server behind.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const live = new Set<number>();
let handlersInstalled = false;

function killAllNow(): void {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping ${live.size} child process group(s)\n`);
      killAllNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export interface GroupChild {
  child: ChildProcess;
  /** Process group id (= pid of the leader, as it was spawned detached). */
  pgid: number;
  /** Resolves with the exit code (or null when killed by a signal) once the leader has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `cmd` as the leader of a new process group. */
export function spawnGroup(cmd: string, args: string[], opts: SpawnOptions = {}): GroupChild {
  installHandlers();
  const child = spawn(cmd, args, { ...opts, detached: true });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  if (child.pid === undefined) {
    return { child, pgid: -1, exited };
  }
  const pgid = child.pid;
  live.add(pgid);
  void exited.then(() => {
    // The leader is gone; a stray member (a Kamailio worker) would still be killed by stopGroup.
    if (!groupAlive(pgid)) live.delete(pgid);
  });
  return { child, pgid, exited };
}

/** Pids of the processes whose process group is `pgid` (from /proc). */
export function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st && st.pgrp === pgid) out.push(Number(name));
  }
  return out;
}

export function groupAlive(pgid: number): boolean {
  return groupPids(pgid).some((pid) => readStat(pid)?.state !== 'Z');
}

interface ProcStat {
  state: string;
  pgrp: number;
  utime: number;
  stime: number;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name is in parentheses and may contain spaces: fields restart after the last ")".
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] = field 3 (state), rest[2] = field 5 (pgrp), rest[11] = 14 (utime), rest[12] = 15 (stime)
  return { state: rest[0]!, pgrp: Number(rest[2]), utime: Number(rest[11]), stime: Number(rest[12]) };
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(r.stdout?.trim());
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** User + system (or only system) CPU ms so far of the live processes of a group. */
function groupMs(pgid: number, systemOnly: boolean): number {
  let ticks = 0;
  for (const pid of groupPids(pgid)) {
    const st = readStat(pid);
    if (st) ticks += systemOnly ? st.stime : st.utime + st.stime;
  }
  return (ticks * 1000) / ticksPerSecond();
}

/**
 * CPU time (user + system, ms) used so far by the live processes of a group, all threads
 * included (/proc/<pid>/stat of a thread-group leader sums its threads). Resolution: one clock
 * tick (10 ms).
 */
export function groupCpuMs(pgid: number): number {
  return groupMs(pgid, false);
}

/**
 * System CPU time (ms) used so far by the live processes of a group: the part of groupCpuMs()
 * spent in the kernel (system calls, the loopback network's delivery, wake-ups). The rest is the
 * processes' own code: where two servers differ in their kernel time or in their own.
 */
export function groupSysMs(pgid: number): number {
  return groupMs(pgid, true);
}

/** CPU time (user + system, ms) used so far by one process, all its threads (0 when gone). */
export function pidCpuMs(pid: number): number {
  const st = readStat(pid);
  return st ? ((st.utime + st.stime) * 1000) / ticksPerSecond() : 0;
}

/** Number of live processes in the group (Kamailio: main + workers + timers). */
export function groupSize(pgid: number): number {
  return groupPids(pgid).length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM to the whole group, then SIGKILL after `graceMs` if any member is still alive. Returns
 * once no member is left (or after a bounded wait).
 */
export async function stopGroup(g: GroupChild, graceMs = 5000): Promise<void> {
  if (g.pgid <= 0) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-g.pgid, sig);
    } catch {
      // no such group: already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(g.pgid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(g.pgid)) {
    signal('SIGKILL');
    const hard = Date.now() + 2000;
    while (groupAlive(g.pgid) && Date.now() < hard) await sleep(20);
  }
  live.delete(g.pgid);
}

/** Runs a command to completion (bounded), with optional stdin text; output captured. */
export async function runCommand(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const g = spawnGroup(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  g.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  g.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  g.child.stdin?.on('error', () => {});
  g.child.stdin?.end(opts.input ?? '');
  const closed = new Promise<void>((resolve) => {
    g.child.once('close', () => resolve());
    g.child.once('error', () => resolve());
  });
  const timer = setTimeout(() => void stopGroup(g, 500), opts.timeoutMs ?? 30000);
  const { code } = await g.exited;
  await closed;
  clearTimeout(timer);
  live.delete(g.pgid);
  return { code, stdout, stderr };
}
