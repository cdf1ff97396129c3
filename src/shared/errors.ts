/**
 * The error base of every layer above core (shared/ is the leaf all of them may import): an
 * expected failure with a message saying what failed, a stable code for scripts, the exit code it
 * means at the command line (carried as data, so the daemon, ctl and store need nothing of cli/),
 * and actions telling the user what to do next. The class keeps the name CliError because
 * `error.name` is part of the --json envelope that scripts read.
 */
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly code: string,
    readonly actions: string[] = [],
  ) {
    super(message);
  }
}

export const usageError = (message: string, actions: string[] = []) =>
  new CliError(message, ExitCode.USAGE, 'USAGE', actions);
export const notFound = (message: string, code = 'NOT_FOUND', actions: string[] = []) =>
  new CliError(message, ExitCode.NOT_FOUND, code, actions);
export const conflict = (message: string, code = 'CONFLICT', actions: string[] = []) =>
  new CliError(message, ExitCode.CONFLICT, code, actions);
export const unreachable = (message: string, code = 'UNREACHABLE', actions: string[] = []) =>
  new CliError(message, ExitCode.UNREACHABLE, code, actions);
export const failed = (message: string, code = 'FAILED', actions: string[] = []) =>
  new CliError(message, ExitCode.FAILED, code, actions);

interface WithExit {
  exitCode?: unknown;
  code?: unknown;
  oclif?: { exit?: unknown };
  actions?: unknown;
  suggestions?: unknown;
}

/**
 * Exit codes for the storage layer's StoreError codes (src/store/errors.ts), so that a command can
 * let a StoreError through and still exit with the documented code. Matched by name and code, so
 * this module needs nothing from the store.
 */
export const storeErrorExitCodes: Readonly<Record<string, ExitCodeValue>> = {
  DB_BAD_URL: ExitCode.USAGE,
  DB_BAD_INPUT: ExitCode.USAGE,
  DB_FILTER_REQUIRED: ExitCode.USAGE,
  DB_UNREACHABLE: ExitCode.UNREACHABLE,
  DB_AUTH: ExitCode.UNREACHABLE,
  DB_NOT_FOUND: ExitCode.UNREACHABLE,
  DB_PERMISSION: ExitCode.UNREACHABLE,
  DB_NOT_A_DATABASE: ExitCode.UNREACHABLE,
  DB_BUSY: ExitCode.UNREACHABLE,
  // No tables yet is like no database file yet (DB_NOT_FOUND): unusable until `sipctl db init`.
  DB_SCHEMA_MISSING: ExitCode.UNREACHABLE,
  DB_SCHEMA_VERSION: ExitCode.FAILED,
  DB_CONFLICT: ExitCode.CONFLICT,
  DB_NOT_FOUND_ROW: ExitCode.NOT_FOUND,
  DB_FAILED: ExitCode.FAILED,
};

/** One exit code for an error, the same in human and --json mode. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  const e = err as WithExit | undefined;
  if ((err as Error | undefined)?.name === 'StoreError' && typeof e?.code === 'string') {
    return storeErrorExitCodes[e.code] ?? ExitCode.FAILED;
  }
  // oclif's own errors (flag parsing, unknown flag, missing argument) carry oclif.exit.
  if (e && typeof e.oclif?.exit === 'number') return e.oclif.exit;
  if (err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError) return ExitCode.INTERNAL;
  if (e && typeof e.exitCode === 'number') return e.exitCode;
  return ExitCode.FAILED;
}

/** A stable code string for an error (CliError.code, a node errno code, or a generic one). */
export function errorCodeOf(err: unknown): string {
  if (err instanceof CliError) return err.code;
  const e = err as WithExit | undefined;
  if (e && typeof e.oclif?.exit === 'number' && e.oclif.exit === ExitCode.USAGE) return 'USAGE';
  if (e && typeof e.code === 'string') return e.code;
  return exitCodeOf(err) === ExitCode.INTERNAL ? 'INTERNAL' : 'FAILED';
}

export function actionsOf(err: unknown): string[] {
  const e = err as WithExit | undefined;
  const list = (e?.actions ?? e?.suggestions) as unknown;
  return Array.isArray(list) ? list.map(String) : [];
}
