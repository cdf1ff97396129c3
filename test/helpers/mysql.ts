/**
 * MariaDB/MySQL for tests: the server at 127.0.0.1:3306 (root, no password) unless
 * SIPKIT_TEST_MYSQL_URL names another (its database part is only used to connect).
 *
 * Policy (brief): without a reachable server the MySQL tests are skipped with a visible reason;
 * with CI=true they fail instead, so CI can never pass without having run them.
 *
 *   if (await mysqlAvailable('store contract (MySQL)')) { ...define the suite... }
 *   // or inside one test:  if (!(await requireMysql(t))) return;
 */
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';

export const MYSQL_TEST_URL = process.env.SIPKIT_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export const isCi = (): boolean => /^(1|true|yes)$/i.test(process.env.CI ?? '');

export interface ServerAddress {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function serverAddress(): ServerAddress {
  const u = new URL(MYSQL_TEST_URL);
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
  };
}

/** mysql://… URL for a database on the test server. */
export function urlFor(database: string): string {
  const a = serverAddress();
  const auth = a.password
    ? `${encodeURIComponent(a.user)}:${encodeURIComponent(a.password)}`
    : encodeURIComponent(a.user);
  return `mysql://${auth}@${a.host}:${a.port}/${database}`;
}

let probe: Promise<string | null> | null = null;

/** null when the server answers; otherwise why not (probed once per process). */
export function mysqlUnavailableReason(): Promise<string | null> {
  probe ??= (async () => {
    const a = serverAddress();
    try {
      const c = await mysql.createConnection({ ...a, connectTimeout: 2000 });
      await c.query('SELECT 1');
      await c.end();
      return null;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return `MariaDB/MySQL not reachable at ${a.host}:${a.port} as ${a.user} (${e.code ?? e.message})`;
    }
  })();
  return probe;
}

const ciMessage = (reason: string) => `${reason}; CI=true requires the MySQL tests to run`;

/**
 * For a file-level suite: true when the server is usable. Otherwise registers one test named
 * `what` that fails under CI=true and is skipped with the reason elsewhere, and returns false.
 */
export async function mysqlAvailable(what: string): Promise<boolean> {
  const reason = await mysqlUnavailableReason();
  if (reason === null) return true;
  test(what, (t) => {
    if (isCi()) throw new Error(ciMessage(reason));
    t.skip(`${reason}: skipping ${what}`);
  });
  return false;
}

/** For one test: true when usable; else fails (CI) or skips this test with the reason. */
export async function requireMysql(t: TestContext): Promise<boolean> {
  const reason = await mysqlUnavailableReason();
  if (reason === null) return true;
  if (isCi()) throw new Error(ciMessage(reason));
  t.skip(reason);
  return false;
}

export interface ThrowawayDb {
  name: string;
  /** mysql://… URL of the database. */
  url: string;
  /** A root connection to it (multipleStatements on, for loading SQL scripts). */
  admin: mysql.Connection;
  /** Drops every table (and trigger) so that the database is empty again. */
  empty(): Promise<void>;
  /** Drops the database and closes the admin connection. */
  drop(): Promise<void>;
}

/** Creates `sipkit_test_<random>` (utf8mb4) and an admin connection to it. */
export async function createThrowawayDb(prefix = 'sipkit_test'): Promise<ThrowawayDb> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const a = serverAddress();
  const boot = await mysql.createConnection(a);
  await boot.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await boot.end();
  const admin = await mysql.createConnection({ ...a, database: name, multipleStatements: true, dateStrings: true });
  return {
    name,
    url: urlFor(name),
    admin,
    async empty() {
      const [rows] = await admin.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [
        name,
      ]);
      for (const r of rows as { t: string }[]) await admin.query(`DROP TABLE \`${r.t}\``);
    },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}
