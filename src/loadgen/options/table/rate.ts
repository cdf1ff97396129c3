/** Call rate, retransmission and timeout options. */
import { usageError } from '../../errors.js';
import { parseLong } from '../values.js';
import { S, opt, flag, int, float, timeMs, timeS, type OptionSpec } from './spec.js';

export const rateOptions: OptionSpec[] = [
  float(S.rate, 'r', 'Call rate: calls per rate period (default 10).', (o, v) => {
    o.rate = v;
  }),
  timeMs(S.rate, 'rp', 'Rate period (default 1 s; unit ms): -r 7 -rp 2000 is 3.5 calls per second.', (o, v) => {
    o.ratePeriodMs = v;
  }),
  float(S.rate, 'rate_scale', 'Step of the + - * / keys (default 1).', (o, v) => {
    o.rateScale = v;
  }),
  int(S.rate, 'rate_increase', 'Add this to the rate every -rate_interval.', (o, v) => {
    o.rateIncrease = v;
  }),
  int(S.rate, 'rate_max', 'With -rate_increase: stop when the rate passes this value.', (o, v) => {
    o.rateMax = v;
  }),
  timeS(S.rate, 'rate_interval', 'Ramp interval (default: the -fd value; unit s).', (o, v) => {
    o.rateIntervalMs = v;
  }),
  flag(S.rate, 'no_rate_quit', 'With -rate_max: keep running at the maximum rate.', (o) => {
    o.rateQuit = false;
  }),
  opt({
    name: 'l',
    section: S.rate,
    arg: 'int',
    help: 'Most simultaneous calls (default 3 × rate × max(call length, 1 s) / rate period).',
    kind: 'custom',
    apply: (o, [v], n) => {
      if (o.users >= 0) throw usageError('Can not set open call limit (-l) when -users is specified.');
      o.limit = parseLong(v!, n);
      o.limitSet = true;
    },
  }),
  int(S.rate, 'm', 'Stop after this many calls (incoming plus outgoing) and exit when they end.', (o, v) => {
    o.stopAfter = v;
  }),
  int(S.rate, 'users', 'Closed loop: keep this many calls running instead of a rate.', (o, v) => {
    o.users = v;
    o.limit = v;
    o.limitSet = true;
  }),

  // ---- retransmission and timeouts -----------------------------------------------------------
  timeMs(
    S.retrans,
    'recv_timeout',
    'Default timeout of every <recv> (unit ms): the call fails or jumps to ontimeout.',
    (o, v) => {
      o.recvTimeoutMs = v;
    },
  ),
  timeMs(S.retrans, 'send_timeout', 'Timeout of a send blocked by congestion (unit ms).', (o, v) => {
    o.sendTimeoutMs = v;
  }),
  timeS(
    S.retrans,
    'timeout',
    'Global run time (unit s): stop placing calls, wait for the running ones, exit.',
    (o, v) => {
      o.globalTimeoutMs = v;
    },
  ),
  flag(S.retrans, 'timeout_error', 'Reaching -timeout is a fatal error (exit 255).', (o) => {
    o.timeoutError = true;
  }),
  int(
    S.retrans,
    'max_retrans',
    'Most UDP retransmissions before a call fails (default 5 for INVITE, 9 otherwise).',
    (o, v) => {
      o.maxUdpRetrans = v;
    },
  ),
  int(S.retrans, 'max_invite_retrans', 'Most UDP retransmissions of an INVITE (default 5).', (o, v) => {
    o.maxInviteRetrans = v;
  }),
  int(S.retrans, 'max_non_invite_retrans', 'Most UDP retransmissions of other requests (default 9).', (o, v) => {
    o.maxNonInviteRetrans = v;
  }),
  flag(S.retrans, 'nr', 'No UDP retransmissions.', (o) => {
    o.retransEnabled = false;
  }),
  opt({
    name: 'rtcheck',
    section: S.retrans,
    arg: 'full|loose',
    help: 'How received retransmissions are recognised: full message (default) or To/From/Call-ID/CSeq.',
    kind: 'custom',
    apply: (o, [v]) => {
      if (v !== 'full' && v !== 'loose') throw usageError(`Unknown retransmission detection method: ${v}`);
      o.rtcheck = v;
    },
  }),
  timeMs(S.retrans, 'T2', 'T2 timer (default 4000 ms).', (o, v) => {
    o.t2Ms = v;
  }),
];
