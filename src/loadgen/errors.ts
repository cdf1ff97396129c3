/**
 * siptest's exit codes and its one fatal-error type. The codes are SIPp's (include/defines.h of
 * SIPp 3.6.1), because shell scripts written for SIPp test them:
 *   0 every call succeeded, 1 at least one call failed (and any error before the scenario is
 *   loaded: bad option, unreadable or invalid scenario), 97 stopped by an internal command
 *   (`exec int_cmd="stop_now"`) or -timeout with no call processed, 99 normal exit without calls
 *   (-h, -v, -sd), 255 fatal error after the scenario has loaded, 254 cannot bind a socket.
 */
export const SippExit = {
  OK: 0,
  FAILED: 1,
  INTERNAL_COMMAND: 97,
  NO_CALLS: 99,
  FATAL: 255,
  BIND: 254,
} as const;
export type SippExitCode = (typeof SippExit)[keyof typeof SippExit];

/**
 * A fatal error (SIPp's ERROR()). `exitCode` defaults to 255; errors raised while parsing options
 * or loading the scenario use 1, as SIPp does. `where` is "file:line" for scenario errors and
 * `hint` says what to change.
 */
export class SippError extends Error {
  override readonly name = 'SippError';
  constructor(
    message: string,
    readonly exitCode: SippExitCode = SippExit.FATAL,
    readonly where?: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** One line for stderr: "file:line: message (hint)". */
  describe(): string {
    const at = this.where ? `${this.where}: ` : '';
    return `${at}${this.message}${this.hint ? `\n  → ${this.hint}` : ''}`;
  }
}

/** An error found before the scenario runs (options, scenario file): exit code 1, like SIPp. */
export const usageError = (message: string, hint?: string) => new SippError(message, SippExit.FAILED, undefined, hint);
export const scenarioError = (message: string, where?: string, hint?: string) =>
  new SippError(message, SippExit.FAILED, where, hint);

/**
 * SIPp features siptest does not implement, all of them at once (options and scenario elements,
 * each "where: what"), found before any socket is opened: exit 1, nothing sent. `options` is the
 * command line parsed so far, so that the scenario's features can be added to the list.
 */
export class UnsupportedFeatures extends SippError {
  constructor(
    readonly items: string[],
    readonly options?: unknown,
  ) {
    super(
      `not supported by siptest (nothing was sent):\n${items.map((i) => `  ${i}`).join('\n')}`,
      SippExit.FAILED,
      undefined,
      'run this with SIPp, or remove these features (siptest scenario validate lists them)',
    );
  }
}
