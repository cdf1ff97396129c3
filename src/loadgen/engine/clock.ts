/**
 * Clocks: `clockMs()` is the scheduler's millisecond tick since the run started (SIPp's
 * clock_tick); `nowUs()` is wall-clock microseconds for timestamps; `monoUs()` a monotonic
 * microsecond clock for response times.
 */
import { performance } from 'node:perf_hooks';

const origin = performance.now();

export function clockMs(): number {
  return Math.floor(performance.now() - origin) + 1;
}

export function monoUs(): number {
  return Math.round(performance.now() * 1000);
}

export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
