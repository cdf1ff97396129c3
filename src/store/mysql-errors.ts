/** Turns mysql2 errors into StoreErrors that say what failed, where, and what to do. */
import { StoreError, storeError } from './errors.js';

interface MysqlErrLike {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  fatal?: unknown;
}

const LOST_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ER_CONNECTION_KILLED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);
// 1053 server shutdown, 1927 MariaDB connection killed, 4031 MySQL idle disconnect, 2006/2013 gone away/lost.
const LOST_ERRNOS = new Set([1053, 1927, 4031, 2006, 2013]);

/** True when the connection itself is gone, so a fresh connection may succeed. */
export function isConnectionLost(err: unknown): boolean {
  const e = (err instanceof StoreError ? err.cause : err) as MysqlErrLike | undefined;
  if (!e) return false;
  if (typeof e.code === 'string' && LOST_CODES.has(e.code)) return true;
  if (typeof e.errno === 'number' && LOST_ERRNOS.has(e.errno)) return true;
  return typeof e.message === 'string' && /closed state|connection is closed|Connection lost/i.test(e.message);
}

/** True when MySQL rolled back a transaction because of a deadlock or lock wait timeout. */
export function isDeadlock(err: unknown): boolean {
  const e = (err instanceof StoreError ? err.cause : err) as MysqlErrLike | undefined;
  return !!e && (e.errno === 1213 || e.errno === 1205);
}

export function mapMysqlError(err: unknown, where: string, database: string, secret: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = (err ?? {}) as MysqlErrLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : 0;
  let msg = typeof e.message === 'string' ? e.message : String(err);
  if (secret.length > 0) msg = msg.split(secret).join('***');
  const details = { where, cause: code || errno || undefined };
  const mk = (c: StoreError['code'], what: string, actions: string[] = []) =>
    storeError(c, what, actions, details, err);

  switch (code) {
    case 'ECONNREFUSED':
      return mk('DB_UNREACHABLE', `Cannot connect to MySQL at ${where}: connection refused`, [
        'Check that the MySQL/MariaDB server is running and listening on that host and port',
      ]);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return mk('DB_UNREACHABLE', `Cannot connect to MySQL at ${where}: unknown host`, [
        'Check the host name in the database URL',
      ]);
    case 'ETIMEDOUT':
      return mk('DB_UNREACHABLE', `Cannot connect to MySQL at ${where}: timed out`, [
        'Check the host, the port and any firewall between here and the server',
      ]);
    case 'ENOENT':
      return mk('DB_UNREACHABLE', `Cannot connect to MySQL at ${where}: no such socket`, [
        'Check the ?socket= path in the database URL',
      ]);
    case 'POOL_CLOSED':
      return mk('DB_FAILED', `The connection pool for ${where} is closed`, ['Open the store again']);
  }
  switch (errno) {
    case 1045:
    case 1698:
    case 1251:
      return mk('DB_AUTH', `MySQL at ${where} refused the user name or password`, [
        'Check the user and password in the database URL (percent-encode special characters)',
      ]);
    case 1044:
    case 1142:
    case 1143:
      return mk('DB_AUTH', `The MySQL user of ${where} lacks a privilege: ${msg}`, [
        `Grant the user rights on the database, e.g. GRANT ALL ON \`${database}\`.* TO the user`,
      ]);
    case 1049:
      return mk('DB_NOT_FOUND', `The database "${database}" does not exist on ${where}`, [
        `Create it (CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4), then run "sipctl db init"`,
      ]);
    case 1062:
    case 1586:
      return mk('DB_CONFLICT', `The row already exists in ${where} (${msg})`);
    case 1146:
      return mk('DB_SCHEMA_MISSING', `A table is missing in ${where}: ${msg}`, [
        'Run "sipctl db init" to create the tables',
      ]);
    case 1054:
      return mk('DB_SCHEMA_VERSION', `A table in ${where} has an unexpected shape: ${msg}`, [
        'Run "sipctl db version" to compare the tables with what sipkit expects',
      ]);
    case 1406:
    case 1264:
    case 1366:
      return mk('DB_BAD_INPUT', `A value cannot be stored in ${where}: ${msg}`, [
        'Shorten the value; for "Incorrect string value" convert the table to utf8mb4',
      ]);
    case 1213:
    case 1205:
      return mk('DB_BUSY', `A transaction on ${where} was rolled back by a lock conflict`, ['Retry the command']);
  }
  if (isConnectionLost(err)) {
    return mk('DB_UNREACHABLE', `Lost the connection to MySQL at ${where}`, [
      'Check that the server is running; sipkit reconnects on the next command',
    ]);
  }
  return mk('DB_FAILED', `Database operation failed on ${where}: ${msg}`);
}
