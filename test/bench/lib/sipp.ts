/**
 * Running the real sipp (Debian sip-tester 3.6.1) and reading its `-trace_stat` CSV.
 *
 * The CSV has a header row, then one row per `-fd` period and a last row at exit; every row ends
 * with the delimiter, and timestamps are "date<TAB>time<TAB>epoch" inside one field. Columns are
 * found by their header names (SuccessfulCall(C) is column 16, FailedCall(C) 18, ... in 3.6.1),
 * and a missing column is an error, not a zero.
 */
import { existsSync, readFileSync } from 'node:fs';
import { groupCpuMs, runCommand, spawnGroup, stopGroup, type GroupChild } from './procs.js';

export const SIPP_BIN = process.env.SIPP_BIN ?? 'sipp';

export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  retransmissions: number;
  outOfCall: number;
  deadCall: number;
  /** Seconds between sipp's start and its last row (epoch columns, µs resolution). */
  elapsedS: number;
}

const COLUMNS = {
  created: 'TotalCallCreated',
  successful: 'SuccessfulCall(C)',
  failed: 'FailedCall(C)',
  retransmissions: 'Retransmissions(C)',
  outOfCall: 'OutOfCallMsgs(C)',
  deadCall: 'DeadCallMsgs(C)',
} as const;

function epochOf(field: string): number {
  const parts = field.split('\t');
  const n = Number(parts[parts.length - 1]);
  if (!Number.isFinite(n)) throw new Error(`sipp stat: bad timestamp field ${JSON.stringify(field)}`);
  return n;
}

/** The cumulative figures of the last row of a `-trace_stat` file's text. */
export function parseStatCsv(text: string, delimiter = ';'): SippStats {
  const rows = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (rows.length < 2) throw new Error('sipp stat file has no data row');
  const header = rows[0]!.split(delimiter);
  const last = rows[rows.length - 1]!.split(delimiter);
  const col = (name: string): string => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`sipp stat file has no ${name} column`);
    const v = last[i];
    if (v === undefined) throw new Error(`sipp stat row too short for ${name}`);
    return v;
  };
  const num = (name: string) => {
    const n = Number(col(name));
    if (!Number.isFinite(n)) throw new Error(`sipp stat: ${name} is not a number`);
    return n;
  };
  const out = {} as SippStats;
  for (const [k, name] of Object.entries(COLUMNS)) out[k as keyof typeof COLUMNS] = num(name);
  out.elapsedS = epochOf(col('CurrentTime')) - epochOf(col('StartTime'));
  return out;
}

export interface SippPorts {
  /** SIP port; base + 1 is the control port, base + 4 and base + 6 the media ports. */
  base: number;
}
/** Ports one sipp instance binds (see SippPorts). */
export const SIPP_PORT_BLOCK = 8;

/**
 * sipp's socket buffers (-buff_size; the kernel caps it at net.core.rmem_max). sipp's default,
 * 64 KiB (128 KiB as the kernel counts), holds ~150 answers: when sipp shares two cores with a
 * server that uses them both, a few milliseconds without the CPU overflow it, and the step fails
 * on retransmissions the server never caused. The bench measures the server, so its client gets
 * the room a server gets (sipd asks for 1 MiB); each step reports where datagrams were dropped.
 */
export const SIPP_BUFFER_BYTES = 4 * 1024 * 1024;

/** Options every bench sipp gets: loopback only, explicit ports, no keyboard, large socket buffers. */
export function commonArgs(ports: SippPorts): string[] {
  const b = ports.base;
  return [
    '-buff_size',
    String(SIPP_BUFFER_BYTES),
    '-i',
    '127.0.0.1',
    '-bind_local',
    '-p',
    `${b}`,
    '-ci',
    '127.0.0.1',
    '-cp',
    `${b + 1}`,
    '-mp',
    `${b + 4}`,
    '-nostdin',
  ];
}

export interface SippRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** null when sipp wrote no stat file (it failed before the scenario started). */
  stats: SippStats | null;
  wallMs: number;
  /**
   * sipp's own CPU ms (user + system), sampled from /proc every 100 ms while it ran: a slight
   * underestimate (the last interval is missed), enough to tell when the load generator and not
   * the server was the limit.
   */
  cpuMs: number;
  stderr: string;
  /** sipp's process id (names its -trace_rtt file). */
  pid: number;
  /** Datagrams the kernel dropped on sipp's SIP socket for want of buffer room (when asked: dropsPort). */
  drops: number;
}

export interface SippRunOptions {
  args: string[];
  /** The load generator's command before `args` (default [SIPP_BIN]; siptest: [node, siptest.js]). */
  command?: readonly string[];
  /** -stf file to read afterwards (the caller adds -trace_stat -stf itself through `args`). */
  statFile?: string;
  cwd: string;
  /** Hard limit: the process group is killed after this. */
  killAfterMs: number;
  /** sipp's local SIP port on 127.0.0.1: its socket's drop count is sampled while it runs. */
  dropsPort?: number;
}

/** Runs sipp to completion and reads its stat file. */
export async function runSipp(opts: SippRunOptions): Promise<SippRunResult> {
  const t0 = performance.now();
  const [cmd, ...pre] = opts.command ?? [SIPP_BIN];
  const g = spawnGroup(cmd!, [...pre, ...opts.args], { cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  g.child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString('utf8');
  });
  const timer = setTimeout(() => void stopGroup(g, 1000), opts.killAfterMs);
  let cpuMs = 0;
  let drops = 0;
  // Sampled: the socket (and its count) is gone once sipp exits.
  const sample = setInterval(() => {
    cpuMs = Math.max(cpuMs, groupCpuMs(g.pgid));
    if (opts.dropsPort !== undefined) drops = Math.max(drops, udpDrops(opts.dropsPort));
  }, 100);
  const { code, signal } = await g.exited;
  clearInterval(sample);
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  let stats: SippStats | null = null;
  if (opts.statFile && existsSync(opts.statFile)) {
    try {
      stats = parseStatCsv(readFileSync(opts.statFile, 'latin1'));
    } catch {
      stats = null;
    }
  }
  return { code, signal, stats, wallMs, cpuMs, stderr: stderr.trim(), pid: g.pgid, drops };
}

/**
 * Datagrams the kernel dropped on the UDP sockets bound to 127.0.0.1:`port` (the `drops` column of
 * /proc/net/udp: a full receive buffer), summed over them; 0 when none is bound.
 */
export function udpDrops(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let sum = 0;
  let text = '';
  try {
    text = readFileSync('/proc/net/udp', 'latin1');
  } catch {
    return 0;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local) sum += Number(f[f.length - 1]) || 0;
  }
  return sum;
}

/** A sipp left running (the UAS of the call test). */
export interface RunningSipp {
  group: GroupChild;
  stop(): Promise<void>;
}

export function startSipp(args: string[], cwd: string): RunningSipp {
  const group = spawnGroup(SIPP_BIN, args, { cwd, stdio: ['ignore', 'ignore', 'ignore'] });
  return { group, stop: () => stopGroup(group, 2000) };
}

/** Why sipp cannot be used here, or null. */
export async function sippMissing(): Promise<string | null> {
  const r = await runCommand(SIPP_BIN, ['-v'], { timeoutMs: 5000 }).catch(() => null);
  // sipp -v exits 99 ("normal exit without calls processed") and prints the version.
  if (!r || r.code === null || !/SIPp v/.test(r.stdout + r.stderr)) {
    return `sipp not found (${SIPP_BIN}); install the Debian package sip-tester`;
  }
  return null;
}
