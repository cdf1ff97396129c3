/**
 * The attributes each message element of a scenario knows (SIPp's scenario.cpp). An attribute
 * not listed is reported as a warning and ignored, as SIPp ignores it.
 */
const COMMON_ATTRS = [
  'rtd',
  'start_rtd',
  'repeat_rtd',
  'counter',
  'lost',
  'crlf',
  'ignoresdp',
  'hiderest',
  'hide',
  'display',
];
const BRANCH_ATTRS = ['condexec', 'condexec_inverse', 'next', 'test', 'chance', 'ontimeout'];
export const KNOWN: Record<string, Set<string>> = {
  send: new Set([...COMMON_ATTRS, ...BRANCH_ATTRS, 'retrans', 'timeout', 'start_txn', 'ack_txn']),
  recv: new Set([
    ...COMMON_ATTRS,
    ...BRANCH_ATTRS,
    'response',
    'request',
    'optional',
    'advance_state',
    'regexp_match',
    'timeout',
    'rrs',
    'auth',
    'response_txn',
  ]),
  pause: new Set([
    ...COMMON_ATTRS,
    ...BRANCH_ATTRS,
    'milliseconds',
    'variable',
    'distribution',
    'sanity_check',
    'normal',
    'exponential',
    'lognormal',
    'weibull',
    'pareto',
    'gamma',
    'min',
    'max',
    'value',
    'mean',
    'stdev',
    'lambda',
    'k',
    'x_m',
    'shape',
    'scale',
    'location',
    'theta',
    'n',
    'p',
  ]),
  nop: new Set([...COMMON_ATTRS, ...BRANCH_ATTRS]),
};
KNOWN.timewait = KNOWN.pause!;
