/**
 * The one error type of the storage layer. Every failure that a user can cause or fix (bad URL,
 * server down, wrong password, missing schema, duplicate row...) becomes a StoreError with a stable
 * `code`, a message that says what failed, where (the URL without its password) and what to do,
 * and the same advice as a list in `actions`. Callers print `message`; they never need the stack.
 */

export const StoreErrorCodes = [
  /** The database URL cannot be parsed or names an unsupported scheme. */
  'DB_BAD_URL',
  /** The server cannot be reached (refused, unknown host, timeout, connection lost). */
  'DB_UNREACHABLE',
  /** The server refused the user name or password, or the user lacks rights on the database. */
  'DB_AUTH',
  /** The database (MySQL schema, or SQLite file when creation is off) does not exist. */
  'DB_NOT_FOUND',
  /** The SQLite file or its directory cannot be read, written or created. */
  'DB_PERMISSION',
  /** The file exists but is not an SQLite database. */
  'DB_NOT_A_DATABASE',
  /** Another process kept the database locked for longer than the busy timeout. */
  'DB_BUSY',
  /** A table the operation needs is missing: run `sipctl db init`. */
  'DB_SCHEMA_MISSING',
  /** A table has a version this sipkit does not support (older: migrate; newer: upgrade sipkit). */
  'DB_SCHEMA_VERSION',
  /** The row already exists or the change conflicts with existing data. */
  'DB_CONFLICT',
  /** The row the operation names does not exist. */
  'DB_NOT_FOUND_ROW',
  /** A value is invalid for its column (too long, wrong type, not storable in the column's charset). */
  'DB_BAD_INPUT',
  /** A bulk delete without any filter was refused (pass the explicit "all" flag). */
  'DB_FILTER_REQUIRED',
  /** Any other database failure. */
  'DB_FAILED',
] as const;

export type StoreErrorCode = (typeof StoreErrorCodes)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly actions: string[] = [],
    /** Structured facts for --json output (e.g. {table, found, expected}). Never secrets. */
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** Builds a StoreError whose message ends with the first action ("what to do"). */
export function storeError(
  code: StoreErrorCode,
  what: string,
  actions: string[] = [],
  details: Record<string, unknown> = {},
  cause?: unknown,
): StoreError {
  const message = actions.length > 0 ? `${what}. ${actions[0]}` : what;
  return new StoreError(code, message, actions, details, cause === undefined ? undefined : { cause });
}
