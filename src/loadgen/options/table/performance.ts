/** Third-party call control (twin SIPp) and performance/watchdog options. */
import { SippError, SippExit } from '../../errors.js';
import type { RunOptions } from '../run-options.js';
import { S, int, opt, timeMs, type OptionSpec } from './spec.js';

/** SIPp refuses these combinations with ERROR (exit 255), whatever the order on the line. */
const conflict = (message: string) => new SippError(message, SippExit.FATAL);

function setTwin(o: RunOptions, v: string): void {
  if (o.masterName !== undefined || o.slaveName !== undefined)
    throw conflict('-3PCC option is not compatible with -master and -slave options');
  if (o.slaveCfgFile !== undefined) throw conflict('-3pcc and -slave_cfg options are not compatible');
  o.twinAddress = v;
}

function setName(o: RunOptions, v: string, which: 'masterName' | 'slaveName'): void {
  if (o.masterName !== undefined || o.slaveName !== undefined)
    throw conflict('-slave and -master options are not compatible');
  if (o.twinAddress !== undefined) throw conflict('-master and -slave options are not compatible with -3PCC option');
  o[which] = v;
}

export const performanceOptions: OptionSpec[] = [
  // ---- 3PCC (SIPp's sipp.cpp option table and its checks) ------------------------------------
  opt({
    name: '3pcc',
    section: S.pcc,
    arg: 'ip:port',
    kind: 'string',
    help:
      'Twin-SIPp 3PCC: the TCP channel of <sendCmd>/<recvCmd>. A scenario whose first command is ' +
      'sendCmd connects to this address (start it after the twin); one whose first command is recvCmd ' +
      'listens on it. Default port 6060.',
    apply: (o, [v]) => setTwin(o, v!),
  }),
  opt({
    name: 'master',
    section: S.pcc,
    arg: 'name',
    kind: 'string',
    help: 'Extended 3PCC: this instance is the master of that name in -slave_cfg.',
    apply: (o, [v]) => setName(o, v!, 'masterName'),
  }),
  opt({
    name: 'slave',
    section: S.pcc,
    arg: 'name',
    kind: 'string',
    help: 'Extended 3PCC: this instance is the slave of that name in -slave_cfg.',
    apply: (o, [v]) => setName(o, v!, 'slaveName'),
  }),
  opt({
    name: 'slave_cfg',
    section: S.pcc,
    arg: 'file',
    kind: 'string',
    help:
      'Extended 3PCC: the file of "name;host:port" lines giving the address of the master and of ' +
      'every slave; sendCmd dest= and recvCmd src= name them.',
    apply: (o, [v]) => {
      if (o.twinAddress !== undefined) throw conflict('-slave_cfg and -3pcc options are not compatible');
      o.slaveCfgFile = v!;
    },
  }),
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
