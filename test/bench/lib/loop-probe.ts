/**
 * Preloaded into a benchmarked sipd (`SIPKIT_BENCH_SIPD_NODE_FLAGS="--import <this file's URL>"`,
 * which the overload bench sets with --probe): once a second it writes one line to stderr (the
 * server's log) with the event loop's delay over that second (perf_hooks.monitorEventLoopDelay:
 * p50, p99, max) and the garbage collections in it (count, total and longest pause), so that a
 * stall can be told from a busy core and a GC pause from synchronous work. Needs nothing from the
 * program measured, so it works on any build of sipd.
 *
 *   loop-probe t=12 lag p50 1.1 p99 48.2 max 212.0 ms; gc 14 (3 major) 180.5 ms, longest 150.2 ms; heap 210 MB; rss 260 MB
 */
import { monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
let gcCount = 0;
let gcMajor = 0;
let gcMs = 0;
let gcLongest = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries() as PerformanceEntry[]) {
    gcCount++;
    gcMs += e.duration;
    if (e.duration > gcLongest) gcLongest = e.duration;
    // detail.kind: 1 minor (scavenge), 2 major (mark-sweep-compact), 4 incremental, 8 weak callbacks
    const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
    if (kind === 2) gcMajor++;
  }
});
obs.observe({ entryTypes: ['gc'] });
const t0 = Date.now();
const ms = (ns: number) => (ns / 1e6).toFixed(1);
const timer = setInterval(() => {
  const m = process.memoryUsage();
  process.stderr.write(
    `loop-probe t=${Math.round((Date.now() - t0) / 1000)} lag p50 ${ms(h.percentile(50))} p99 ${ms(h.percentile(99))} ` +
      `max ${ms(h.max)} ms; gc ${gcCount} (${gcMajor} major) ${gcMs.toFixed(1)} ms, longest ${gcLongest.toFixed(1)} ms; ` +
      `heap ${Math.round(m.heapUsed / 1048576)} MB; rss ${Math.round(m.rss / 1048576)} MB\n`,
  );
  h.reset();
  gcCount = gcMajor = 0;
  gcMs = gcLongest = 0;
}, 1000);
timer.unref();
