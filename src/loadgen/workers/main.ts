/**
 * The multi-core load mode (-workers N, siptest's extension): N worker threads each run the client
 * scenario with its own UDP socket (local port -p + i, or any), 1/N of the rate, -m, -l and -users,
 * and interleaved call numbers so Call-IDs never collide. The main thread adds up their
 * cumulative statistics and writes the statistics files, screens and summary as one run.
 */
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { SippError, SippExit, type SippExitCode } from '../errors.js';
import { nowUs } from '../engine/clock.js';
import { statsShape } from '../engine/runtime-options.js';
import type { RunOptions } from '../options/run-options.js';
import { Reporting, type ReportSource } from '../reporting.js';
import { reportError, type RunIo, type RunResult } from '../run-io.js';
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
  | { type: 'stats'; data: StatsData; loops: number }
  | {
      type: 'done';
      data: StatsData;
      loops: number;
      code: number;
      error?: string;
      errorCode?: number;
      localPort: number;
    }
  | { type: 'ready'; localPort: number };

const TRACES: Array<[keyof RunOptions, string]> = [
  ['messages', '-trace_msg'],
  ['shortMessages', '-trace_shortmsg'],
  ['errors', '-trace_err'],
  ['callDebug', '-trace_calldebug'],
  ['logs', '-trace_logs'],
];

/** What stopped the run early: a worker's error (the first one), or an internal "q" command. */
interface Outcome {
  fatal?: { code: number; message: string };
  stopNow: boolean;
}

export async function runWorkers(
  o: RunOptions,
  argv: readonly string[],
  io: RunIo,
  main: Scenario,
): Promise<RunResult> {
  refuseWorkerOptions(o, main);
  const n = o.workers;
  const stats = new Stats(statsShape(main));
  const latest: StatsData[] = [];
  const loops: number[] = [];
  const outcome: Outcome = { stopNow: false };
  const ports: number[] = [];
  const workers: Worker[] = [];
  const readies: Array<Promise<void>> = [];
  const finished = Array.from({ length: n }, (_, index) => {
    const w = new Worker(workerScript(), {
      workerData: { argv, index, count: n } satisfies WorkerData,
    });
    workers.push(w);
    let ready!: () => void;
    readies.push(new Promise<void>((resolve) => (ready = resolve)));
    const done = workerDone(w, index, { stats, latest, loops, outcome }, (port) => {
      ports[index] = port;
      ready();
    });
    // A thread that ends before it is ready (a bad option, a port in use) does not hold the run.
    void done.then(() => ready());
    return done;
  });
  // The run's clock starts when every thread is ready to call, as sipp's starts with its traffic:
  // the threads' start-up (a few hundred ms) is not time the calls could have been made in.
  await Promise.all(readies);
  const source = reportSource(o, main, stats);
  if (ports[0] !== undefined) source.local.port = ports[0];
  const reporting = new Reporting({ tty: io.isTTY && !o.json, write: io.stdout, openSockets: () => n });
  reporting.attach(source);
  const refresh = () => {
    stats.assignSum(latest.filter(Boolean), false);
    source.calls.size = stats.current;
    source.scheduler.loops = Math.round(loops.reduce((a, b) => a + b, 0) / n);
  };
  const codes = await whileRunning(o, workers, finished, () => {
    refresh();
    reporting.onCycle(source.now());
  });
  refresh();
  const { fatal } = outcome;
  const code = exitCode(outcome, stats, codes);
  reporting.finish();
  const summary = { ...buildSummary(main, stats, code, source.now(), fatal?.message), workers: n };
  if (!o.json) io.stdout(reporting.closingScreens());
  if (fatal) reportError(io, new SippError(fatal.message, fatal.code as SippExitCode));
  return { exitCode: code, summary, json: o.json, error: fatal?.message };
}

/**
 * The worker thread's code as one file (`npm run build` bundles it, as it bundles the runner):
 * each worker loads one module instead of the hundred the runner is made of, which cost each
 * thread about as much CPU as a few thousand calls. The compiled modules when the bundle is
 * missing or older than the last `tsc`.
 */
function workerScript(): URL {
  // This module is dist/src/loadgen/workers/main.js, or part of dist/src/loadgen/main.bundle.cjs.
  const here = import.meta.url;
  const dir = here.endsWith('/main.bundle.cjs') ? new URL('./workers/', here) : new URL('./', here);
  const bundle = new URL('./worker.bundle.js', dir);
  try {
    if (statSync(bundle).mtimeMs >= statSync(new URL('../../../.tsbuildinfo', dir)).mtimeMs) return bundle;
  } catch {
    /* no bundle (or no build info): the modules */
  }
  return new URL('./worker.js', dir);
}

function refuseWorkerOptions(o: RunOptions, main: Scenario): void {
  if (main.mode !== 'client')
    throw new SippError('-workers is for client scenarios (a server scenario answers on one socket)', SippExit.FAILED);
  for (const [key, name] of TRACES)
    if ((o[key] as { enabled: boolean }).enabled)
      throw new SippError(
        `${name} cannot be combined with -workers (use one thread to trace messages)`,
        SippExit.FAILED,
      );
}

/** What the screens and statistics files read: the workers' statistics added up, and the run's settings. */
function reportSource(o: RunOptions, main: Scenario, stats: Stats): ReportSource {
  const startUs = nowUs();
  return {
    stats,
    scenario: main,
    opts: o,
    now: () => Math.round((nowUs() - startUs) / 1000) + 1,
    ids: { pid: process.pid },
    startUs,
    generator: { rate: o.rate, openCallsAllowed: o.limit },
    quitting: 0,
    transportName: o.transport.toUpperCase() as 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS',
    setRate: () => {},
    local: { port: o.localPort },
    remote: o.remoteHost
      ? { ip: o.remoteHost.split(':')[0]!, port: Number(o.remoteHost.split(':')[1] ?? 5060) }
      : undefined,
    calls: { size: 0 },
    logs: { lastError: '' },
    // loops: the workers' mean count of scheduling cycles, for the screen's scheduler resolution.
    scheduler: { lastWoken: 0, runningCount: 0, loops: 0 },
  };
}

/** Resolves with worker `index`'s exit code; meanwhile keeps its latest statistics. */
function workerDone(
  w: Worker,
  index: number,
  run: { stats: Stats; latest: StatsData[]; loops: number[]; outcome: Outcome },
  onReady: (localPort: number) => void,
): Promise<number> {
  const { outcome } = run;
  return new Promise<number>((resolve) => {
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') return onReady(m.localPort);
      run.latest[index] = m.data;
      run.loops[index] = m.loops;
      run.stats.errorCodes.push(...m.data.errorCodes);
      if (m.type === 'done') {
        if (m.error && !outcome.fatal) outcome.fatal = { code: m.errorCode ?? SippExit.FATAL, message: m.error };
        if (m.code === SippExit.INTERNAL_COMMAND) outcome.stopNow = true;
        resolve(m.code);
      }
    });
    w.on('error', (err) => {
      outcome.fatal ??= { code: SippExit.FATAL, message: err.message };
      resolve(SippExit.FATAL);
    });
    w.on('exit', () => resolve(SippExit.FATAL));
  });
}

/** Until every worker is done: the screen every 200 ms; -timeout and signals passed on to the workers. */
async function whileRunning(
  o: RunOptions,
  workers: Worker[],
  finished: Array<Promise<number>>,
  onTick: () => void,
): Promise<number[]> {
  const tick = setInterval(onTick, 200);
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
  return codes;
}

function exitCode(outcome: Outcome, stats: Stats, codes: number[]): SippExitCode {
  if (outcome.fatal) return outcome.fatal.code as SippExitCode;
  if (outcome.stopNow) return SippExit.INTERNAL_COMMAND;
  if (stats.counters[C.FailedCall]! > 0) return SippExit.FAILED;
  if (codes.every((c) => c === SippExit.INTERNAL_COMMAND)) return SippExit.INTERNAL_COMMAND;
  return SippExit.OK;
}
