/**
 * The small SQL surface both backends implement. Operations (src/store/ops) are written once
 * against it: `?` placeholders, backtick-quoted identifiers (SQLite accepts MySQL's backticks), and
 * dialect branches only where SQL really differs (DDL, catalog queries, upserts).
 */

export type Dialect = 'sqlite' | 'mysql';
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows inserted, updated (matched) or deleted. */
  changes: number;
  /** AUTO_INCREMENT / rowid of the last inserted row (0 if none). */
  lastInsertId: number;
}

export interface Queryable {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

export interface Driver extends Queryable {
  /** Where the database is, without the password (for messages). */
  readonly where: string;
  /**
   * Runs fn in one transaction: all its statements commit together or none does. Write
   * transactions: SQLite takes the write lock first (BEGIN IMMEDIATE) so two processes never
   * deadlock; MySQL retries the whole function once on a deadlock.
   */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs parameterless statements (DDL) one by one, outside any transaction. */
  exec(statements: readonly string[]): Promise<void>;
  /** Connects (or checks the file) so that a bad URL, password or path fails now, not later. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Backtick-quotes an identifier that comes from a fixed allow-list (never from user input). */
export function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`internal: unsafe SQL identifier ${JSON.stringify(name)}`);
  return '`' + name + '`';
}
