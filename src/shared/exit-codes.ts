/**
 * Exit codes of sipd and sipctl: one table, the same with and without --json, documented in the
 * man pages (the EXIT STATUS sections are generated from this table). siptest uses SIPp's codes
 * instead (src/loadgen).
 */
export const ExitCode = {
  OK: 0,
  /** The operation was attempted and failed (e.g. a SIP request got an error reply). */
  FAILED: 1,
  /** Bad command line: unknown flag, missing or malformed argument, invalid configuration. */
  USAGE: 2,
  /** The thing named does not exist (subscriber, alias, contact, domain, table). */
  NOT_FOUND: 3,
  /** The thing already exists or the change conflicts with existing data. */
  CONFLICT: 4,
  /** sipd's management socket or the database cannot be reached or used (no such database, no tables yet), or access was denied. */
  UNREACHABLE: 5,
  /** sipd is already running, or not running when it must be. */
  STATE: 6,
  /** A bug in sipkit. Please report it. */
  INTERNAL: 10,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeDescriptions: ReadonlyArray<[ExitCodeValue, string]> = [
  [ExitCode.OK, 'success'],
  [ExitCode.FAILED, 'the operation failed (for example a SIP request got an error reply)'],
  [ExitCode.USAGE, 'usage error: unknown flag, missing or malformed argument, invalid configuration'],
  [ExitCode.NOT_FOUND, 'not found: no such subscriber, alias, contact, domain or table'],
  [ExitCode.CONFLICT, 'already exists, or the change conflicts with existing data'],
  [
    ExitCode.UNREACHABLE,
    'the management socket or the database cannot be reached or used (no such database, or no tables yet: sipctl db init), or access was denied',
  ],
  [
    ExitCode.STATE,
    'wrong daemon state: start while it runs, status while it does not (stop of a stopped daemon is exit 0)',
  ],
  [ExitCode.INTERNAL, 'internal error (a bug in sipkit)'],
];

/**
 * siptest's exit codes are SIPp's (include/defines.h; checked against sip-tester 3.6.1), so that
 * scripts written for `sipp` keep working. The man page's EXIT STATUS for siptest comes from here.
 */
export const SipTestExitCode = {
  /** Normal end and no call failed. */
  OK: 0,
  /** At least one call failed; also any error before the scenario is loaded (bad option, missing file). */
  FAILED: 1,
  /** Stopped by the scenario (`<exec int_cmd="stop_now">`) or -timeout reached with no call ended. */
  INTERNAL_STOP: 97,
  /** Normal exit without calls processed (help, version, scenario dump). */
  NO_CALLS: 99,
  /** The local RTP/echo check failed. */
  RTPCHECK_FAILED: 253,
  /** A local socket could not be bound. */
  BIND_ERROR: 254,
  /** A fatal error after the scenario was loaded. */
  FATAL: 255,
} as const;

export type SipTestExitCodeValue = (typeof SipTestExitCode)[keyof typeof SipTestExitCode];

export const sipTestExitCodeDescriptions: ReadonlyArray<[SipTestExitCodeValue, string]> = [
  [SipTestExitCode.OK, 'all calls succeeded'],
  [
    SipTestExitCode.FAILED,
    'at least one call failed, or an error occurred before the scenario was loaded (bad option, missing file)',
  ],
  [SipTestExitCode.INTERNAL_STOP, 'stopped by the scenario (stop_now), or the timeout was reached with no call ended'],
  [SipTestExitCode.NO_CALLS, 'normal exit without calls processed'],
  [SipTestExitCode.RTPCHECK_FAILED, 'the RTP or echo check failed'],
  [SipTestExitCode.BIND_ERROR, 'a local socket could not be bound (address in use, permission)'],
  [SipTestExitCode.FATAL, 'fatal error after the scenario was loaded'],
];
