/**
 * SQLite backend (better-sqlite3). better-sqlite3 is synchronous; the Driver interface is async
 * for MySQL's sake, so every call here does its work synchronously and returns a settled promise
 * (no thread hop, prepared statements cached).
 *
 * Two processes (sipd and sipctl) may have the file open at once: WAL mode lets readers run while
 * one writer commits, the busy timeout makes a second writer wait instead of failing, and write
 * transactions start with BEGIN IMMEDIATE so that two writers never deadlock on a lock upgrade.
 * Within this process an async transaction holds a gate: statements issued by other callers
 * while it runs wait for it, so they never execute inside someone else's transaction.
 *
 * Stores opened on the same file in one process share one connection (and its gate). Two
 * connections would deadlock: SQLite's busy wait is synchronous, so a second connection waiting
 * for the write lock blocks the very event loop the first one needs to commit.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Driver, Queryable, Row, RunResult, SqlValue } from './driver.js';
import { storeError } from './errors.js';
import { mapSqliteError } from './sqlite-errors.js';

export interface SqliteOptions {
  /** Create the file (and its directory, mode 0700) when missing. Default true. */
  create?: boolean;
  /** How long a writer waits for another process's lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

/** One connection per file per process, shared by every SqliteDriver opened on it. */
class Shared {
  readonly stmts = new Map<string, Database.Statement>();
  /** Settles when the running transaction ends; null when none runs. */
  gate: Promise<void> | null = null;
  refs = 0;
  constructor(readonly db: Database.Database) {}
}

const shared = new Map<string, Shared>();

function acquire(file: string, opts: SqliteOptions, where: string): Shared {
  const memory = file === ':memory:';
  const existing = memory ? undefined : shared.get(file);
  if (existing) {
    existing.refs++;
    return existing;
  }
  if (!memory) prepareFile(file, opts.create ?? true, where);
  const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
  try {
    // Reading the journal mode touches the file header: a non-SQLite file fails here, at open.
    if (!memory) db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a crash of the process; only an OS crash or power loss can
    // lose the last transactions, never corrupt the file (SQLite's documented trade-off).
    db.pragma('synchronous = NORMAL');
  } catch (err) {
    db.close();
    throw err;
  }
  const sh = new Shared(db);
  sh.refs = 1;
  if (!memory) shared.set(file, sh);
  return sh;
}

export class SqliteDriver implements Driver {
  readonly dialect = 'sqlite' as const;
  readonly where: string;
  private readonly sh: Shared;
  private readonly db: Database.Database;
  private readonly direct: Queryable;
  private closed = false;

  constructor(
    private readonly file: string,
    opts: SqliteOptions = {},
  ) {
    this.where = file === ':memory:' ? 'sqlite::memory:' : `sqlite:${file}`;
    try {
      this.sh = acquire(file, opts, this.where);
    } catch (err) {
      throw mapSqliteError(err, this.where);
    }
    this.db = this.sh.db;
    this.direct = { dialect: 'sqlite', all: (s, p) => this.allNow(s, p), run: (s, p) => this.runNow(s, p) };
  }

  private get gate(): Promise<void> | null {
    return this.sh.gate;
  }

  private set gate(g: Promise<void> | null) {
    this.sh.gate = g;
  }

  all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    if (this.gate) return this.gate.then(() => this.all<T>(sql, params));
    return this.allNow<T>(sql, params);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    if (this.gate) return this.gate.then(() => this.run(sql, params));
    return this.runNow(sql, params);
  }

  async transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    try {
      this.db.exec('BEGIN IMMEDIATE');
      const result = await fn(this.direct);
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw mapSqliteError(err, this.where);
    } finally {
      this.gate = null;
      open();
    }
  }

  async exec(statements: readonly string[]): Promise<void> {
    while (this.gate) await this.gate;
    try {
      for (const s of statements) this.db.exec(s);
    } catch (err) {
      throw mapSqliteError(err, this.where);
    }
  }

  async ping(): Promise<void> {
    await this.all('SELECT 1');
  }

  /**
   * An online copy through SQLite's backup API (better-sqlite3 db.backup): consistent although
   * sipd keeps writing, and complete without the -wal file a plain `cp` would miss. `dest` must
   * exist (the caller creates it empty with the mode it wants); it is overwritten.
   */
  async backup(dest: string): Promise<{ pages: number }> {
    while (this.gate) await this.gate;
    try {
      const r = await this.db.backup(dest);
      return { pages: r.totalPages };
    } catch (err) {
      throw mapSqliteError(err, this.where);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.gate) await this.gate;
    if (--this.sh.refs > 0) return;
    if (shared.get(this.file) === this.sh) shared.delete(this.file);
    if (this.db.open) this.db.close();
  }

  private prepare(sql: string): Database.Statement {
    let st = this.sh.stmts.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.sh.stmts.set(sql, st);
    }
    return st;
  }

  private allNow<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      return Promise.resolve(this.prepare(sql).all(...params) as T[]);
    } catch (err) {
      return Promise.reject(mapSqliteError(err, this.where));
    }
  }

  private runNow(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    try {
      const r = this.prepare(sql).run(...params);
      return Promise.resolve({ changes: r.changes, lastInsertId: Number(r.lastInsertRowid) });
    } catch (err) {
      return Promise.reject(mapSqliteError(err, this.where));
    }
  }
}

/** Creates the data directory (0700) and an empty file (0600): the file will hold password hashes. */
function prepareFile(file: string, create: boolean, where: string): void {
  if (existsSync(file)) return;
  if (!create) {
    throw storeError('DB_NOT_FOUND', `The database file ${where} does not exist`, [
      'Run "sipctl db init" to create it, or check the path in the database URL',
    ]);
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
}
