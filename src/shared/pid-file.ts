/**
 * The pid file (<run dir>/sipd.pid): the decimal pid and a newline, created exclusively by the
 * running sipd and removed when it exits. A pid file is stale when its process is gone (or a
 * zombie), when the pid now belongs to another program, or when that process started after the
 * file was written (the pid was reused by a later process). Stale files are replaced on start.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';

export type PidFileState =
  { kind: 'none' } | { kind: 'running'; pid: number } | { kind: 'stale'; pid: number | null; reason: string };

export type ProcessState = 'alive' | 'zombie' | 'gone';

/** Whether a pid exists: zombies (exited, not yet reaped) count as gone for our purposes. */
export function processState(pid: number): ProcessState {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after "pid (comm)": comm may contain spaces and parentheses, so split at the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return 'zombie';
  } catch {
    // No /proc (not Linux) or it just exited: trust kill(0).
  }
  return 'alive';
}

/** The command line of a process, or undefined when it cannot be read (not Linux, gone). */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** True if the process looks like a sipd (its command line runs bin/sipd.js or a `sipd` executable). */
export function looksLikeSipd(cmdline: string[]): boolean {
  return cmdline.some((a) => /(^|\/)sipd(\.js)?$/.test(a));
}

/** Process start time in epoch ms (Linux; CLK_TCK is 100 on every mainstream Linux). */
export function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22 overall
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime || !Number.isFinite(startTicks)) return undefined;
    return Number(btime[1]) * 1000 + startTicks * 10;
  } catch {
    return undefined;
  }
}

export function inspectPidFile(path: string): PidFileState {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw e;
  }
  const pid = /^\s*(\d+)\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) return { kind: 'stale', pid: null, reason: `${path} holds no pid` };
  const state = processState(pid);
  if (state !== 'alive') return { kind: 'stale', pid, reason: `process ${pid} is gone` };
  const cmd = commandLine(pid);
  if (cmd && !looksLikeSipd(cmd)) {
    return { kind: 'stale', pid, reason: `pid ${pid} now belongs to another program (${cmd.join(' ').slice(0, 80)})` };
  }
  const started = processStartMs(pid);
  // The genuine owner wrote the file after it started; 2 s of slack for clock granularity.
  if (started !== undefined && started > mtimeMs + 2000) {
    return { kind: 'stale', pid, reason: `pid ${pid} was reused by a process started after ${path} was written` };
  }
  return { kind: 'running', pid };
}

export function alreadyRunning(pid: number, pidFile: string): CliError {
  return new CliError(`sipd is already running (pid ${pid}, pid file ${pidFile})`, ExitCode.STATE, 'ALREADY_RUNNING', [
    'stop it first with: sipd stop (or sipd restart)',
    'to run a second sipd, give it its own --run-dir and --listen addresses',
  ]);
}

/**
 * Creates the pid file exclusively with our pid; replaces a stale one; refuses (STATE) when a
 * live sipd owns it. Returns the stale state it replaced, if any.
 */
export function acquirePidFile(path: string, pid = process.pid): PidFileState | undefined {
  let replaced: PidFileState | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, `${pid}\n`);
      } finally {
        closeSync(fd);
      }
      return replaced;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const st = inspectPidFile(path);
    if (st.kind === 'running') throw alreadyRunning(st.pid, path);
    if (st.kind === 'stale') {
      replaced = st;
      try {
        unlinkSync(path);
      } catch {
        // Someone else removed it first: retry the exclusive create.
      }
    }
  }
  throw new CliError(`cannot create ${path}: another process keeps recreating it`, ExitCode.STATE, 'PID_FILE_RACE');
}

/** Removes the pid file if it still holds `pid` (never another sipd's). */
export function releasePidFile(path: string, pid = process.pid): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === pid) unlinkSync(path);
  } catch {
    // Already gone.
  }
}
