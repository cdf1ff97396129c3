/**
 * MySQL/MariaDB backend (mysql2 pool, server-side prepared statements).
 *
 * Reconnection: the pool replaces connections that die (server restart, KILL, idle timeout). A
 * statement that meets a dead pooled connection is retried on a fresh one; a transaction is
 * retried when its connection is found dead at BEGIN, and again when MySQL reports a deadlock
 * (the whole function runs again, so it must not have side effects outside the DB).
 * A statement whose connection breaks while it runs is retried too: InnoDB rolls back a statement
 * whose connection is killed, so only a loss between commit and reply could apply it twice.
 */
import mysql from 'mysql2/promise';
import type { Driver, Queryable, Row, RunResult, SqlValue } from './driver.js';
import { isConnectionLost, isDeadlock, mapMysqlError } from './mysql-errors.js';
import type { StoreUrl } from './url.js';
import { describeUrl } from './url.js';

export interface MysqlOptions {
  /** Maximum open connections. Default 10. */
  poolSize?: number;
  /** TCP connect timeout in ms. Default 5000. */
  connectTimeoutMs?: number;
}

/** Concurrent writers of one key can deadlock repeatedly (each retry may meet another writer). */
const MAX_DEADLOCK_RETRIES = 8;

type MysqlUrl = Extract<StoreUrl, { kind: 'mysql' }>;
type Executor = Pick<mysql.Pool, 'execute'>;

export class MysqlDriver implements Driver {
  readonly dialect = 'mysql' as const;
  readonly where: string;
  private readonly pool: mysql.Pool;
  private readonly poolSize: number;

  constructor(
    private readonly url: MysqlUrl,
    opts: MysqlOptions = {},
  ) {
    this.where = describeUrl(url);
    this.poolSize = opts.poolSize ?? 10;
    this.pool = mysql.createPool({
      host: url.host,
      port: url.port,
      user: url.user,
      password: url.password,
      database: url.database,
      ...(url.socketPath ? { socketPath: url.socketPath } : {}),
      connectionLimit: this.poolSize,
      maxIdle: this.poolSize,
      idleTimeout: 60_000,
      waitForConnections: true,
      enableKeepAlive: true,
      connectTimeout: opts.connectTimeoutMs ?? 5000,
      charset: 'utf8mb4_general_ci',
      // DATETIME columns come back as the 'YYYY-MM-DD HH:MM:SS' text Kamailio writes; no time-zone games.
      dateStrings: true,
      supportBigNumbers: true,
      multipleStatements: false,
    });
    // An idle pooled connection that dies emits 'error'; the pool drops it, nothing else to do.
    this.pool.on('connection', (conn) => conn.on('error', () => undefined));
  }

  all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.retrying(async () => (await execAll<T>(this.pool, sql, params)) as T[]);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return this.retrying(() => execRun(this.pool, sql, params));
  }

  async transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    let deadlocks = 0;
    for (let attempt = 0; ; attempt++) {
      let conn: mysql.PoolConnection;
      try {
        conn = await this.pool.getConnection();
      } catch (err) {
        throw this.map(err);
      }
      let begun = false;
      try {
        await conn.beginTransaction();
        begun = true;
        const q: Queryable = {
          dialect: 'mysql',
          all: <R>(sql: string, params: readonly SqlValue[] = []) =>
            execAll<R>(conn, sql, params).catch((e: unknown) => Promise.reject(this.map(e))),
          run: (sql, params = []) => execRun(conn, sql, params).catch((e: unknown) => Promise.reject(this.map(e))),
        };
        const result = await fn(q);
        await conn.commit();
        conn.release();
        return result;
      } catch (err) {
        const lost = isConnectionLost(err);
        if (begun && !lost) await conn.rollback().catch(() => undefined);
        if (lost) conn.destroy();
        else conn.release();
        if (!begun && lost && attempt <= this.poolSize) continue;
        if (isDeadlock(err) && deadlocks++ < MAX_DEADLOCK_RETRIES) {
          // InnoDB rolled this transaction back to break a lock cycle; run it again a little later
          // (jittered, so that the same transactions do not collide again in lock step).
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * deadlocks));
          continue;
        }
        throw this.map(err);
      }
    }
  }

  async exec(statements: readonly string[]): Promise<void> {
    for (const s of statements) {
      await this.retrying(() => this.pool.query(s));
    }
  }

  async ping(): Promise<void> {
    let conn: mysql.PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      throw this.map(err);
    }
    try {
      await conn.ping();
    } catch (err) {
      throw this.map(err);
    } finally {
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private map(err: unknown) {
    return mapMysqlError(err, this.where, this.url.database, this.url.password);
  }

  /** Runs op; on a dead connection retries on fresh ones (at most one per pooled connection, plus one). */
  private async retrying<T>(op: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!isConnectionLost(err) || attempt > this.poolSize) throw this.map(err);
      }
    }
  }
}

async function execAll<T>(ex: Executor, sql: string, params: readonly SqlValue[]): Promise<T[]> {
  const [rows] = await ex.execute(sql, params as SqlValue[]);
  return rows as T[];
}

async function execRun(ex: Executor, sql: string, params: readonly SqlValue[]): Promise<RunResult> {
  const [res] = await ex.execute(sql, params as SqlValue[]);
  const h = res as mysql.ResultSetHeader;
  return { changes: h.affectedRows ?? 0, lastInsertId: Number(h.insertId ?? 0) };
}
