/**
 * Daemon control from the outside: start (spawn a detached `sipd run` and wait until it reports
 * ready), stop (SIGTERM, wait for the process to be gone), restart, status (pid file + management
 * socket). Used by the sipd commands and by sipctl's start/stop/restart/status.
 *
 * Which sipd is meant comes from the caller as a SipdTarget: reading sipd's configuration is the
 * daemon's business (the CLI builds the target with its loader, src/cli/sipd-target.ts), and the
 * process protocol (pid file, start handshake, management socket) lives in shared/ and mgmt/.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MgmtClient } from '../mgmt/client.js';
import type { CoreInfoResult } from '../mgmt/results.js';
import type { ChildMessage } from '../mgmt/start-handshake.js';
import { CliError } from '../shared/errors.js';
import { ExitCode, type ExitCodeValue } from '../shared/exit-codes.js';
import { packageRoot } from '../shared/package.js';
import type { RuntimePaths } from '../shared/paths.js';
import { alreadyRunning, inspectPidFile, processState } from '../shared/pid-file.js';

/** bin/sipd.js of this package, found from the package root (not by counting directories). */
export const SIPD_BIN = join(packageRoot, 'bin', 'sipd.js');

/** The sipd to control, as the caller's configuration names it. */
export interface SipdTarget {
  /** Its paths for stop and status: must tolerate a config file that became invalid since start. */
  locate(): RuntimePaths;
  /**
   * For start: validates the configuration (throwing its error, so an invalid config fails before
   * anything is spawned) and returns its paths and the `sipd run` arguments that select it.
   */
  prepareStart(): Promise<StartPlan>;
}

export interface StartPlan {
  paths: RuntimePaths;
  /** `sipd run` flags (--config, --listen, ...); --log-file is added from paths.logFile. */
  runArgs: string[];
}

export interface StartOptions {
  /** How long to wait for the daemon to report ready (default 30 s). */
  timeoutMs?: number;
}

export interface StartResult {
  pid: number;
  listen: string[];
  socket: string;
  pidFile: string;
  logFile: string;
  configFile: string | null;
  /** Why an old pid file was found stale (the new sipd replaced it). */
  stalePidFile?: string;
}

export async function startDaemon(target: SipdTarget, opts: StartOptions = {}): Promise<StartResult> {
  const { paths, runArgs } = await target.prepareStart(); // an invalid config fails here, with exit 2
  const st = inspectPidFile(paths.pidFile);
  if (st.kind === 'running') throw alreadyRunning(st.pid, paths.pidFile);

  const args = [SIPD_BIN, 'run', ...runArgs, '--log-file', paths.logFile];
  mkdirSync(paths.runDir, { recursive: true, mode: process.getuid?.() === 0 ? 0o750 : 0o700 });
  mkdirSync(dirname(paths.logFile), { recursive: true });
  // The child's stdout/stderr go to the log file too: a crash before its logger is up is not lost.
  const out = openSync(paths.logFile, 'a', 0o640);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out, 'ipc'], cwd: '/' });
  closeSync(out);
  const timeoutMs = opts.timeoutMs ?? 30000;
  const msg = await new Promise<ChildMessage>((resolveMsg, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new CliError(
          `sipd did not report ready within ${timeoutMs / 1000} s; stopped it`,
          ExitCode.FAILED,
          'START_TIMEOUT',
          [`see the log: ${paths.logFile}`],
        ),
      );
    }, timeoutMs);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolveMsg(m as ChildMessage);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = lastLines(paths.logFile, 5);
      reject(
        new CliError(
          `sipd ${how} during start-up${tail ? `; last log lines:\n${tail}` : ''}`,
          (code && code > 0 && code < 11 ? code : ExitCode.FAILED) as ExitCodeValue,
          'START_FAILED',
          [`see the log: ${paths.logFile}`],
        ),
      );
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new CliError(`cannot spawn sipd: ${e.message}`, ExitCode.FAILED, 'SPAWN_FAILED'));
    });
  });
  child.removeAllListeners('exit');
  if (child.connected) child.disconnect();
  child.unref();
  if (msg.type === 'error') {
    throw new CliError(msg.message, msg.exitCode as ExitCodeValue, msg.code, [
      ...msg.actions,
      `see the log: ${paths.logFile}`,
    ]);
  }
  return {
    pid: msg.pid,
    listen: msg.listen,
    socket: msg.socket,
    pidFile: msg.pidFile,
    logFile: paths.logFile,
    configFile: paths.configFile,
    ...(st.kind === 'stale' ? { stalePidFile: st.reason } : {}),
  };
}

export interface StopOptions {
  /** How long to wait for the process to exit after SIGTERM (default 30 s). */
  timeoutMs?: number;
  /** After the timeout, SIGKILL it instead of failing. */
  force?: boolean;
}

export interface StopResult {
  wasRunning: boolean;
  pid: number | null;
  pidFile: string;
  /** Milliseconds from SIGTERM until the process was gone. */
  waitedMs?: number;
  /** It did not exit in time and was killed (--force). */
  killed?: boolean;
  /** A stale pid file was found (and removed): why it was stale. */
  stalePidFile?: string;
}

export async function stopDaemon(target: SipdTarget, opts: StopOptions = {}): Promise<StopResult> {
  const rt = target.locate();
  const st = inspectPidFile(rt.pidFile);
  if (st.kind === 'none') return { wasRunning: false, pid: null, pidFile: rt.pidFile };
  if (st.kind === 'stale') {
    removeQuietly(rt.pidFile);
    return { wasRunning: false, pid: st.pid, pidFile: rt.pidFile, stalePidFile: st.reason };
  }
  const t0 = Date.now();
  signal(st.pid, 'SIGTERM');
  const timeoutMs = opts.timeoutMs ?? 30000;
  if (await waitGone(st.pid, timeoutMs)) {
    return { wasRunning: true, pid: st.pid, pidFile: rt.pidFile, waitedMs: Date.now() - t0 };
  }
  if (!opts.force) {
    throw new CliError(
      `sipd (pid ${st.pid}) is still running ${timeoutMs / 1000} s after SIGTERM (still draining?)`,
      ExitCode.FAILED,
      'STOP_TIMEOUT',
      ['wait longer with --timeout SECONDS, or kill it with --force', `see the log: ${rt.logFile}`],
    );
  }
  signal(st.pid, 'SIGKILL');
  await waitGone(st.pid, 5000);
  // A killed sipd cleans nothing up.
  removeQuietly(rt.pidFile);
  removeQuietly(rt.socket);
  return { wasRunning: true, pid: st.pid, pidFile: rt.pidFile, waitedMs: Date.now() - t0, killed: true };
}

export interface StatusResult {
  running: boolean;
  pid: number | null;
  pidFile: string;
  socket: string;
  logFile: string;
  stalePidFile?: string;
  version?: string;
  /** Seconds. */
  uptime?: number;
  startedAt?: string;
  listen?: string[];
  domains?: string[];
  /** Active bindings (usrloc.registered_contacts). */
  registrations?: number;
  /** AoRs with bindings (usrloc.registered_users). */
  registeredUsers?: number;
  /** Why the details are missing although the process runs (socket unreachable, still starting). */
  mgmtError?: string;
}

export async function daemonStatus(target: SipdTarget, opts: { timeoutMs?: number } = {}): Promise<StatusResult> {
  const rt = target.locate();
  const base = { pidFile: rt.pidFile, socket: rt.socket, logFile: rt.logFile };
  const st = inspectPidFile(rt.pidFile);
  if (st.kind === 'none') return { running: false, pid: null, ...base };
  if (st.kind === 'stale') return { running: false, pid: st.pid, ...base, stalePidFile: st.reason };
  let client: MgmtClient | undefined;
  try {
    client = await MgmtClient.connect({ socketPath: rt.socket, timeoutMs: opts.timeoutMs ?? 5000 });
    const info = await client.call<CoreInfoResult>('core.info');
    const stats = await client.call<Record<string, number>>('stats.fetch', [
      'usrloc.registered_contacts',
      'usrloc.registered_users',
    ]);
    return {
      running: true,
      pid: st.pid,
      ...base,
      version: info.version,
      uptime: info.uptime,
      startedAt: new Date(info.started_ms).toISOString(),
      listen: info.listen,
      domains: [...info.domains],
      registrations: stats['usrloc.registered_contacts'],
      registeredUsers: stats['usrloc.registered_users'],
    };
  } catch (e) {
    return { running: true, pid: st.pid, ...base, mgmtError: (e as Error).message };
  } finally {
    client?.close();
  }
}

export interface RestartResult {
  stopped: StopResult;
  started: StartResult;
}

export async function restartDaemon(
  target: SipdTarget,
  opts: StartOptions & StopOptions & { stopTimeoutMs?: number } = {},
): Promise<RestartResult> {
  const stopped = await stopDaemon(target, { ...opts, timeoutMs: opts.stopTimeoutMs ?? opts.timeoutMs });
  const started = await startDaemon(target, opts);
  return { stopped, started };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ESRCH') return;
    if (err.code === 'EPERM') {
      throw new CliError(
        `not allowed to signal sipd (pid ${pid}): it runs as another user`,
        ExitCode.UNREACHABLE,
        'EPERM',
        ['run the command as the user sipd runs as, or as root'],
      );
    }
    throw e;
  }
}

/** Polls until the process is gone (or a zombie); false on timeout. */
async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (processState(pid) !== 'alive') return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there.
  }
}

/** The last `n` lines of a file, reading at most its last 16 KiB (log files grow). */
function lastLines(file: string, n: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 16384));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
