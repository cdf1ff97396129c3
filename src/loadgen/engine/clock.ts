/**
 * Clocks: `clockMs()` is the scheduler's millisecond tick since the run started (SIPp's
 * clock_tick); `nowUs()` is wall-clock microseconds for timestamps; `monoUs()` a monotonic
 * microsecond clock for response times.
 *
 * They read process.hrtime(), the clock performance.now() reads (uv_hrtime), so that a run does
 * not load node:perf_hooks (eleven internal modules, compiled at every start) before its first
 * message (issue 15).
 */
function hrMs(): number {
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

const origin = hrMs();
/** The wall clock at `origin`, in ms (with the sub-ms part the monotonic clock adds later). */
const wallOrigin = Date.now();

export function clockMs(): number {
  return Math.floor(hrMs() - origin) + 1;
}

export function monoUs(): number {
  return Math.round(hrMs() * 1000);
}

export function nowUs(): number {
  return Math.round((wallOrigin + (hrMs() - origin)) * 1000);
}

/** The process start (node's own, as process.uptime() counts it) on clockMs()'s scale. */
export function processStartMs(): number {
  return clockMs() - Math.round(process.uptime() * 1000);
}
