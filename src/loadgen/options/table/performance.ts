/** Third-party call control (refused) and performance/watchdog options. */
import { S, int, timeMs, refuse, type OptionSpec } from './spec.js';

export const performanceOptions: OptionSpec[] = [
  ...['3pcc', 'master', 'slave', 'slave_cfg'].map((n) =>
    refuse(S.pcc, n, 1, 'third-party call control (twin SIPp) is not implemented'),
  ),

  // ---- performance ---------------------------------------------------------------------------
  timeMs(
    S.perf,
    'timer_resol',
    'Scheduler resolution: paused calls wake at most this often (default 1 ms).',
    (o, v) => {
      o.timerResolutionMs = Math.max(1, v);
    },
  ),
  int(
    S.perf,
    'max_recv_loops',
    'Accepted for SIPp scripts; no effect: Node reads the sockets as fast as it can.',
    (o, v) => {
      o.maxRecvLoops = v;
    },
  ),
  int(S.perf, 'max_sched_loops', 'Most calls run per scheduling cycle (default 1000).', (o, v) => {
    o.maxSchedLoops = v;
  }),
  timeMs(S.perf, 'watchdog_interval', 'Watchdog period (default 400 ms; 0 turns the watchdog off).', (o, v) => {
    o.watchdogIntervalMs = v;
  }),
  timeMs(
    S.perf,
    'watchdog_reset',
    'Reset the trip counts when the watchdog has not tripped for this long (default 10 min).',
    (o, v) => {
      o.watchdogResetMs = v;
    },
  ),
  timeMs(S.perf, 'watchdog_minor_threshold', 'A stall longer than this is a minor trip (default 500 ms).', (o, v) => {
    o.watchdogMinorThresholdMs = v;
  }),
  timeMs(S.perf, 'watchdog_major_threshold', 'A stall longer than this is a major trip (default 3000 ms).', (o, v) => {
    o.watchdogMajorThresholdMs = v;
  }),
  int(S.perf, 'watchdog_major_maxtriggers', 'Major trips before the test stops (default 10).', (o, v) => {
    o.watchdogMajorMaxTriggers = v;
  }),
  int(S.perf, 'watchdog_minor_maxtriggers', 'Minor trips before the test stops (default 120).', (o, v) => {
    o.watchdogMinorMaxTriggers = v;
  }),
];
