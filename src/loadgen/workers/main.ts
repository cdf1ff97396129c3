/**
 * The multi-core load mode (-workers N, siptest's extension): N worker threads each run the client
 * scenario with its own UDP socket (local port -p + i, or any), 1/N of the rate, -m, -l and -users,
 * and interleaved call numbers so Call-IDs never collide. The main thread adds up their
 * cumulative statistics and writes the statistics files, screens and summary as one run.
 */
import { Worker } from 'node:worker_threads';
import { SippError, SippExit, type SippExitCode } from '../errors.js';
import { nowUs } from '../engine/clock.js';
import { statsShape } from '../engine/runtime-options.js';
import type { RunOptions } from '../options/run-options.js';
import { Reporting, type ReportSource } from '../reporting.js';
import type { RunIo, RunResult } from '../runner.js';
import { reportError } from '../runner.js';
import type { Scenario } from '../scenario/model.js';
import { C } from '../stats/counters.js';
import { Stats, type StatsData } from '../stats/stats.js';
import { buildSummary } from '../stats/summary.js';

export interface WorkerData {
  argv: readonly string[];
  index: number;
  count: number;
}

export type WorkerMessage =
  | { type: 'stats'; data: StatsData }
  | { type: 'done'; data: StatsData; code: number; error?: string; errorCode?: number; localPort: number }
  | { type: 'ready'; localPort: number };

const TRACES: Array<[keyof RunOptions, string]> = [
  ['messages', '-trace_msg'],
  ['shortMessages', '-trace_shortmsg'],
  ['errors', '-trace_err'],
  ['callDebug', '-trace_calldebug'],
  ['logs', '-trace_logs'],
];

export async function runWorkers(
  o: RunOptions,
  argv: readonly string[],
  io: RunIo,
  main: Scenario,
): Promise<RunResult> {
  if (main.mode !== 'client')
    throw new SippError('-workers is for client scenarios (a server scenario answers on one socket)', SippExit.FAILED);
  for (const [key, name] of TRACES)
    if ((o[key] as { enabled: boolean }).enabled)
      throw new SippError(
        `${name} cannot be combined with -workers (use one thread to trace messages)`,
        SippExit.FAILED,
      );
  const n = o.workers;
  const stats = new Stats(statsShape(main));
  const latest: StatsData[] = [];
  let fatal: { code: number; message: string } | undefined;
  let stopNow = false;
  let localPort = o.localPort;
  const startUs = nowUs();
  const source: ReportSource = {
    stats,
    scenario: main,
    opts: o,
    now: () => Math.round((nowUs() - startUs) / 1000) + 1,
    ids: { pid: process.pid },
    startUs,
    generator: { rate: o.rate, openCallsAllowed: o.limit },
    quitting: 0,
    transportName: o.transport === 'udp' ? 'UDP' : o.transport === 'tcp' ? 'TCP' : 'TLS',
    setRate: () => {},
    local: { port: localPort },
    remote: o.remoteHost
      ? { ip: o.remoteHost.split(':')[0]!, port: Number(o.remoteHost.split(':')[1] ?? 5060) }
      : undefined,
    calls: { size: 0 },
    logs: { lastError: '' },
    scheduler: { lastWoken: 0, runningCount: 0 },
  };
  const reporting = new Reporting({ tty: io.isTTY && !o.json, write: io.stdout, openSockets: () => n });
  reporting.attach(source);
  const refresh = () => {
    stats.assignSum(latest.filter(Boolean), false);
    source.calls.size = stats.current;
  };
  const workers: Worker[] = [];
  const finished = Array.from(
    { length: n },
    (_, index) =>
      new Promise<number>((resolve) => {
        const w = new Worker(new URL('./worker.js', import.meta.url), {
          workerData: { argv, index, count: n } satisfies WorkerData,
        });
        workers.push(w);
        w.on('message', (m: WorkerMessage) => {
          if (m.type === 'ready') {
            if (index === 0) source.local.port = localPort = m.localPort;
            return;
          }
          latest[index] = m.data;
          stats.errorCodes.push(...m.data.errorCodes);
          if (m.type === 'done') {
            if (m.error && !fatal) fatal = { code: m.errorCode ?? SippExit.FATAL, message: m.error };
            if (m.code === SippExit.INTERNAL_COMMAND) stopNow = true;
            resolve(m.code);
          }
        });
        w.on('error', (err) => {
          fatal ??= { code: SippExit.FATAL, message: err.message };
          resolve(SippExit.FATAL);
        });
        w.on('exit', () => resolve(SippExit.FATAL));
      }),
  );
  const tick = setInterval(() => {
    refresh();
    reporting.onCycle(source.now());
  }, 200);
  const broadcast = (type: string) => workers.forEach((w) => w.postMessage({ type }));
  const timeout = o.globalTimeoutMs > 0 ? setTimeout(() => broadcast('timeout'), o.globalTimeoutMs) : undefined;
  const onSignal = () => broadcast('stop');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGUSR1', onSignal);
  const codes = await Promise.all(finished);
  clearInterval(tick);
  if (timeout) clearTimeout(timeout);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGUSR1', onSignal);
  refresh();
  let code: SippExitCode;
  if (fatal) code = fatal.code as SippExitCode;
  else if (stopNow) code = SippExit.INTERNAL_COMMAND;
  else if (stats.counters[C.FailedCall]! > 0) code = SippExit.FAILED;
  else if (codes.every((c) => c === SippExit.INTERNAL_COMMAND)) code = SippExit.INTERNAL_COMMAND;
  else code = SippExit.OK;
  reporting.finish();
  const summary = { ...buildSummary(main, stats, code, source.now(), fatal?.message), workers: n };
  if (!o.json) io.stdout(reporting.closingScreens());
  if (fatal) reportError(io, new SippError(fatal.message, fatal.code as SippExitCode));
  return { exitCode: code, summary, json: o.json, error: fatal?.message };
}
