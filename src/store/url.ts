/**
 * Database URLs, one string for sipd and sipctl:
 *
 *   sqlite:/var/lib/sipkit/sipkit.db     SQLite file (absolute or relative path; sqlite:///abs also works)
 *   sqlite::memory:                      private in-memory database (tests)
 *   mysql://user:pass@host:port/db       MySQL or MariaDB (mariadb:// is the same); port defaults to 3306,
 *                                        user and password are percent-decoded; ?socket=/path uses a Unix socket
 *
 * Kamailio writes the same form (`DBURL=mysql://kamailio:kamailiorw@localhost/kamailio`), so an
 * existing kamctlrc value can be pasted as is.
 */
import { resolve } from 'node:path';
import { storeError } from './errors.js';

export type StoreUrl =
  | { kind: 'sqlite'; file: string; memory: boolean }
  | {
      kind: 'mysql';
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
      socketPath?: string;
    };

const FORMS = [
  'Use sqlite:/path/to/file.db, sqlite::memory: or mysql://user:password@host:port/database',
  'Percent-encode special characters in the user name or password (for example @ as %40)',
];

function bad(url: string, why: string) {
  return storeError('DB_BAD_URL', `Invalid database URL ${redactUrl(url)}: ${why}`, FORMS, { url: redactUrl(url) });
}

export function parseStoreUrl(url: string): StoreUrl {
  const trimmed = url.trim();
  if (trimmed === '') throw bad(url, 'it is empty');
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'sqlite' || scheme === 'sqlite3') {
    let rest = trimmed.slice(scheme.length + 1);
    if (rest === ':memory:') return { kind: 'sqlite', file: ':memory:', memory: true };
    if (rest.startsWith('//')) rest = rest.slice(2); // sqlite:///abs/file.db → /abs/file.db
    if (rest === '') throw bad(url, 'no file name after "sqlite:"');
    if (rest.includes('\0')) throw bad(url, 'the file name contains a NUL byte');
    return { kind: 'sqlite', file: resolve(rest), memory: false };
  }
  if (scheme === 'mysql' || scheme === 'mariadb') {
    let u: URL;
    try {
      u = new URL(trimmed);
    } catch {
      throw bad(url, 'it is not a well-formed URL');
    }
    const database = decode(url, u.pathname.replace(/^\//, ''));
    if (database === '' || database.includes('/')) throw bad(url, 'it names no database (…/database at the end)');
    const port = u.port === '' ? 3306 : Number(u.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(url, `port ${u.port} is out of range`);
    let socketPath: string | undefined;
    for (const [k, v] of u.searchParams) {
      if (k === 'socket') socketPath = v;
      else throw bad(url, `unknown option "${k}" (only ?socket=/path is supported)`);
    }
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    if (host === '' && socketPath === undefined) throw bad(url, 'it names no host');
    return {
      kind: 'mysql',
      host: host || 'localhost',
      port,
      user: decode(url, u.username) || 'root',
      password: decode(url, u.password),
      database,
      ...(socketPath === undefined ? {} : { socketPath }),
    };
  }
  if (scheme === undefined) throw bad(url, 'it has no scheme (sqlite: or mysql://)');
  throw bad(url, `the scheme "${scheme}:" is not supported`);
}

function decode(url: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(url, 'it contains a malformed %-escape');
  }
}

/**
 * The URL with its password replaced by *** (for messages and logs). Works on strings that do
 * not parse, too: anything between "//user:" and the last "@" before the host is hidden.
 */
export function redactUrl(url: string): string {
  // Greedy up to the last "@": a password with an unencoded "@" or "/" must still be hidden.
  return url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/:@]*):.*@/, (_m, head: string) => `${head}:***@`);
}

/** A short human description of where the database is, without secrets. */
export function describeUrl(u: StoreUrl): string {
  if (u.kind === 'sqlite') return u.memory ? 'sqlite::memory:' : `sqlite:${u.file}`;
  const where = u.socketPath ? `localhost?socket=${u.socketPath}` : `${formatHost(u.host)}:${u.port}`;
  return `mysql://${encodeURIComponent(u.user)}${u.password ? ':***' : ''}@${where}/${encodeURIComponent(u.database)}`;
}

function formatHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}
