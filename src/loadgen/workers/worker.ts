/**
 * One worker thread of -workers N: runs its share of the client load and reports cumulative
 * statistics to the main thread every 250 ms and at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SippError } from '../errors.js';
import type { Runtime } from '../engine/runtime.js';
import { parseCommandLine } from '../options/parse-args.js';
import { runOnce } from '../run-once.js';
import { loadScenarios } from '../runner.js';
import type { WorkerData, WorkerMessage } from './main.js';

const { argv, index, count } = workerData as WorkerData;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const share = (total: number) => Math.floor(total / count) + (index < total % count ? 1 : 0);

let rt: Runtime | undefined;
parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'timeout') rt?.globalTimeout();
  else rt?.stopBySignal();
});

try {
  const p = parseCommandLine(argv);
  if (p.kind !== 'run') throw new SippError('worker started without a run command line');
  const o = p.options;
  o.workers = 1;
  o.json = false;
  o.traceStat = o.traceCounts = o.traceRtt = o.traceErrorCodes = false;
  o.screen.enabled = false;
  o.rate = o.rate / count;
  if (o.stopAfter !== 0xffffffff) o.stopAfter = share(o.stopAfter);
  if (o.limitSet && o.users < 0) o.limit = Math.max(1, share(o.limit));
  if (o.users >= 0) o.users = o.limit = share(o.users);
  if (o.localPort) o.localPort += index;
  // Each worker binds its own RTP pair (audio, video = + 2): the next free multiple of 4 up.
  o.mediaPort += 4 * index;
  o.globalTimeoutMs = 0;
  const loaded = loadScenarios(o);
  let timer: NodeJS.Timeout | undefined;
  const result = await runOnce(
    o,
    loaded,
    { stdout: () => {}, stderr: () => {}, isTTY: false, argv },
    {
      quiet: true,
      firstCallNumber: index + 1,
      callNumberStep: count,
      onRuntime: (r) => {
        rt = r;
        post({ type: 'ready', localPort: r.local.port });
        timer = setInterval(() => post({ type: 'stats', data: r.stats.toData(false), loops: r.scheduler.loops }), 250);
      },
    },
  );
  if (timer) clearInterval(timer);
  post({
    type: 'done',
    data: rt!.stats.toData(),
    loops: rt!.scheduler.loops,
    code: result.exitCode,
    localPort: rt!.local.port,
    error: rt?.fatal?.message,
    errorCode: rt?.fatal?.exitCode,
  });
} catch (err) {
  const e = err instanceof SippError ? err : new SippError(String((err as Error)?.stack ?? err));
  post({
    type: 'done',
    data: {
      counters: [],
      current: 0,
      peak: 0,
      peakTime: 0,
      rtd: [],
      rtdBuckets: [],
      callBuckets: [],
      generic: [],
      messages: [],
      codes: [],
      errorCodes: [],
    },
    loops: rt?.scheduler.loops ?? 0,
    code: e.exitCode,
    error: e.message,
    errorCode: e.exitCode,
    localPort: 0,
  });
}
process.exit(0);
