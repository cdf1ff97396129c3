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
  /** sipd's management socket or the database cannot be reached, or access was denied. */
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
  [ExitCode.UNREACHABLE, 'the management socket or the database cannot be reached, or access was denied'],
  [ExitCode.STATE, 'wrong daemon state: already running, or not running'],
  [ExitCode.INTERNAL, 'internal error (a bug in sipkit)'],
];
