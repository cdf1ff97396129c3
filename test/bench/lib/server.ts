/** What the bench needs from a server under test (Kamailio or sipd), whatever runs it. */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Subscriber } from './subscribers.js';
import { groupAlive, groupCpuMs, groupSysMs, groupSize, stopGroup, type GroupChild } from './procs.js';

export interface StartOptions {
  /** Directory the server may fill (config, database copy, pid file, sockets, log). */
  dir: string;
  /** SIP domain served (To/From/R-URI host of the loads, and the digest realm). */
  domain: string;
  /** Kamailio-schema SQLite database with the load subscribers (copied, never modified). */
  baseDb: string;
  /** The subscribers in baseDb (for a server that must seed another database itself). */
  loadSubscribers: Subscriber[];
  /** The callee of the call test; each server adds it its own way (sipctl for sipd). */
  callee: Subscriber;
}

export interface RunningServer {
  readonly name: string;
  readonly port: number;
  /** Process group: the server and everything it forked. */
  readonly group: GroupChild;
  /** User + system CPU ms of the whole group so far. */
  cpuMs(): number;
  /** The system (kernel) part of cpuMs(). */
  sysMs(): number;
  processes(): number;
  alive(): boolean;
  /** The last lines the server logged (for error messages). */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface BenchServer {
  readonly name: string;
  /** Why this server cannot run here (message shown to the user), or null. */
  unavailable(): Promise<string | null>;
  start(opts: StartOptions): Promise<RunningServer>;
}

/** The last `lines` lines of a log file (reads at most its last 16 KiB). */
export function tailFile(path: string, lines = 15): string {
  try {
    const size = statSync(path).size;
    const len = Math.min(size, 16384);
    const buf = Buffer.alloc(len);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A RunningServer over a started process group whose stderr goes to `logFile`. */
export function runningServer(
  name: string,
  port: number,
  group: GroupChild,
  logFile: string,
  onStop: () => Promise<void> = async () => {},
): RunningServer {
  return {
    name,
    port,
    group,
    cpuMs: () => groupCpuMs(group.pgid),
    sysMs: () => groupSysMs(group.pgid),
    processes: () => groupSize(group.pgid),
    alive: () => groupAlive(group.pgid),
    logTail: (lines?: number) => tailFile(logFile, lines),
    stop: async () => {
      await stopGroup(group, 8000);
      await onStop();
    },
  };
}
