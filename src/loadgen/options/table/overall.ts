/** SIPp's overall behaviour options (version, exit conditions, keyboard, signals). */
import { S, opt, flag, int, float, timeS, bool, refuse, type OptionSpec } from './spec.js';

export const overallOptions: OptionSpec[] = [
  opt({ name: 'v', section: S.overall, arg: '', help: 'Print the version and exit 99.', kind: 'exit' }),
  flag(
    S.overall,
    'bg',
    'Run in the background: print "Background mode - PID=[n]" and exit 99 in the foreground.',
    (o) => {
      o.background = true;
    },
  ),
  flag(S.overall, 'nostdin', 'Do not read keys from standard input (for scripts).', (o) => {
    o.noStdin = true;
  }),
  refuse(S.overall, 'plugin', 1, 'SIPp plugins are C shared libraries'),
  timeS(S.overall, 'sleep', 'Sleep this long before starting (default unit: seconds).', (o, v) => {
    o.sleepMs = v;
  }),
  flag(S.overall, 'skip_rlimit', 'Do not raise the open-files limit (siptest never changes it).', () => {}),
  int(S.overall, 'buff_size', 'Socket send and receive buffer size in bytes.', (o, v) => {
    o.bufferSize = v;
  }),
  bool(
    S.overall,
    'sendbuffer_warn',
    'Failures to send a message outside the scenario are warnings instead of errors.',
    (o, v) => {
      o.sendBufferWarn = v;
    },
  ),
  float(S.overall, 'lost', 'Percentage of messages to lose on purpose (overridden by the lost attribute).', (o, v) => {
    o.lostPercent = v;
  }),
  opt({
    name: 'key',
    section: S.overall,
    arg: 'keyword value',
    help: 'Define the keyword [keyword] with this value (an empty value is allowed).',
    kind: 'pair',
    apply: (o, [k, v]) => {
      o.keywords.set(k!, v!);
    },
  }),
  opt({
    name: 'set',
    section: S.overall,
    arg: 'variable value',
    help: 'Set the global variable $variable (declared with <Global>).',
    kind: 'pair',
    apply: (o, [k, v]) => {
      o.globals.push([k!, v!]);
    },
  }),
  refuse(S.overall, 'tdmmap', 1, 'TDM circuit tables are not implemented'),
  int(S.overall, 'dynamicStart', 'First value of [dynamic_id] (default 10000).', (o, v) => {
    o.dynamicStart = v;
  }),
  int(S.overall, 'dynamicMax', 'Largest value of [dynamic_id] before it wraps (default 12000).', (o, v) => {
    o.dynamicMax = v;
  }),
  int(S.overall, 'dynamicStep', 'Increment of [dynamic_id] (default 4).', (o, v) => {
    o.dynamicStep = v;
  }),
];
