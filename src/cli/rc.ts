/**
 * sipctl's settings, resolved in kamctl's order with later layers winning:
 *   1. /etc/sipkit/sipctlrc   2. ~/.sipctlrc   3. environment variables of the same names
 *   4. flags (--db-url, --data-dir, --run-dir, --socket)
 * then defaults for whatever is still unset. The defaults are sipd's (src/shared/paths.ts), so
 * `sipctl` with no rc file and no flags talks to the `sipd` started by the same user with no flags.
 * The keys, defaults and their documentation live in rc-keys.ts.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { dbFileIn, defaultPaths, socketIn } from '../shared/paths.js';
import { isStoreError } from '../store/errors.js';
import { parseStoreUrl, redactUrl, type StoreUrl } from '../store/url.js';
import { CliError, usageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import {
  DEFAULT_ACL_GROUPS,
  DEFAULT_DBHOST,
  DEFAULT_DBNAME,
  DEFAULT_DBPORT,
  DEFAULT_DBRWUSER,
  isRcKey,
  SYSTEM_RC,
  USER_RC_NAME,
  type RcKey,
} from './rc-keys.js';
import { parseRc } from './rc-parse.js';

/** The flags that override the resource files (see src/cli/flags.ts). */
export interface ConnectionFlags {
  'db-url'?: string;
  'data-dir'?: string;
  'run-dir'?: string;
  socket?: string;
}

/** The database, as the store parses it (src/store/url.ts): one parser for sipd, sipctl and the store. */
export type DbSettings = StoreUrl;

export interface SipctlSettings {
  dataDir: string;
  runDir: string;
  /** sipd's management socket. */
  socket: string;
  /** What to pass to openStore(): `sqlite:PATH` or `mysql://USER:PASSWORD@HOST:PORT/DATABASE`. */
  dbUrl: string;
  /** dbUrl parsed (contains the password: never print it; use redactUrl(dbUrl) for messages). */
  db: DbSettings;
  /** SIP_DOMAIN: the domain of a user given without @domain (undefined when not set). */
  domain?: string;
  verifyAcl: boolean;
  aclGroups: string[];
  storePlaintextPassword: boolean;
  /** The resource files read, in order. */
  files: string[];
  /** Where each setting came from: 'default', 'flag --x', 'env X' or 'FILE:LINE'. */
  origins: Record<SettingName, string>;
  /** Things the user should know: unreadable files, keys sipctl does not use. */
  warnings: string[];
}

export type SettingName =
  'dataDir' | 'runDir' | 'socket' | 'dbUrl' | 'domain' | 'verifyAcl' | 'aclGroups' | 'storePlaintextPassword';

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Resource files in load order (default: the system file, then ~/.sipctlrc). */
  files?: string[];
  /** Use root's default paths (default: the current user is root). */
  root?: boolean;
}

export const userRcPath = (env: NodeJS.ProcessEnv = process.env) => join(env.HOME || homedir(), USER_RC_NAME);
export const defaultRcFiles = (env: NodeJS.ProcessEnv = process.env) => [SYSTEM_RC, userRcPath(env)];

/** kamctlrc keys that sipctl does not need but that a copied kamctlrc carries: ignored silently. */
const KNOWN_FOREIGN = new Set(
  (
    'CHROOT_DIR DBROUSER DBROPW DBACCESSHOST DBROOTHOST DBROOTPORT DBROOTUSER DBROOTPW DBINITASK DBCLI ' +
    'DBCLIPARAMS CHARSET USERCOL FOREVER DEFAULT_Q CMDHASH MD5 AWK GDB GREP EGREP SED LAST_LINE EXPR ' +
    'INSTALL_EXTRA_TABLES INSTALL_PRESENCE_TABLES INSTALL_DBUID_TABLES STANDARD_MODULES EXTRA_MODULES ' +
    'ALIASES_TYPE CTLENGINE RPCFIFOPATH VERIFY_USER VERBOSE PID_FILE STARTUP_CONFIG_FILE STARTOPTIONS ETCDIR'
  ).split(' '),
);

interface Layered {
  value: string;
  origin: string;
}

function readLayers(files: string[], env: NodeJS.ProcessEnv, warnings: string[], read: string[]) {
  const values = new Map<RcKey, Layered>();
  const lookup = (n: string) => (isRcKey(n) ? values.get(n)?.value : undefined) ?? env[n];
  const home = env.HOME || homedir();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      warnings.push(`cannot read ${file} (${code ?? (err as Error).message}): its settings are ignored`);
      continue;
    }
    read.push(file);
    for (const a of parseRc(text, file, lookup, home)) {
      if (isRcKey(a.key)) values.set(a.key, { value: a.value, origin: `${file}:${a.line}` });
      else if (!KNOWN_FOREIGN.has(a.key)) warnings.push(`${file}:${a.line}: unknown key ${a.key} is ignored`);
    }
  }
  for (const key of Object.keys(env)) {
    const v = env[key];
    if (isRcKey(key) && v !== undefined && v !== '') values.set(key, { value: v, origin: `env ${key}` });
  }
  return values;
}

function parseBool(key: string, l: Layered): boolean {
  const v = l.value.trim().toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(v)) return true;
  if (['0', 'no', 'false', 'off', ''].includes(v)) return false;
  throw usageError(`${key}=${JSON.stringify(l.value)} (${l.origin}): expected 1 or 0`);
}

/**
 * Parse and check a database URL with the store's own parser, so that sipctl accepts exactly what
 * sipd and the store accept. A bad URL is a usage error (exit 2) naming where it came from.
 */
export function parseDbUrl(url: string, origin = 'flag --db-url'): DbSettings {
  try {
    return parseStoreUrl(url);
  } catch (err) {
    if (!isStoreError(err)) throw err;
    throw usageError(`${err.message.split('. ')[0]} (${origin})`, err.actions);
  }
}

/**
 * A relative SQLite path is in the data directory, exactly as sipd reads `--db-url` (src/daemon/
 * config/load.ts), so `sipctl --db-url sqlite:test.db` opens the file `sipd --db-url sqlite:test.db`
 * uses. `sqlite:///abs` is `/abs`; `sqlite::memory:` and non-SQLite URLs are left alone.
 */
export function anchorSqlite(url: string, dataDir: string): string {
  const m = /^(sqlite3?):(.*)$/is.exec(url);
  if (!m || m[2] === ':memory:' || m[2] === '') return url;
  return `sqlite:${resolve(dataDir, m[2].replace(/^\/\/(?=\/)/, ''))}`;
}

/** The MySQL URL for the kamctlrc keys (user and password percent-encoded). */
export function mysqlUrl(k: { host: string; port: number; database: string; user: string; password?: string }): string {
  const host = k.host.includes(':') ? `[${k.host}]` : k.host;
  const auth = encodeURIComponent(k.user) + (k.password ? `:${encodeURIComponent(k.password)}` : '');
  return `mysql://${auth}@${host}:${k.port}/${encodeURIComponent(k.database)}`;
}

/** The URL with any password replaced by `***` (the store's redaction), for messages and output. */
export const redactDbUrl = redactUrl;

/**
 * Resolve sipctl's settings from the resource files, the environment and the flags. Throws a
 * usage error (exit 2) for a syntax error in a file, a bad boolean or port, or a bad --db-url.
 */
export function resolveSettings(flags: ConnectionFlags = {}, opts: ResolveOptions = {}): SipctlSettings {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  const files: string[] = [];
  const layers = readLayers(opts.files ?? defaultRcFiles(env), env, warnings, files);
  const get = (k: RcKey) => layers.get(k);
  const origins = {} as Record<SettingName, string>;
  const pick = (name: SettingName, flag: string | undefined, flagName: string, key: RcKey, fallback: () => string) => {
    if (flag !== undefined && flag !== '') {
      origins[name] = `flag --${flagName}`;
      return resolve(flag);
    }
    const l = get(key);
    if (l) {
      origins[name] = l.origin;
      return resolve(l.value);
    }
    origins[name] = 'default';
    return fallback();
  };

  const paths = defaultPaths(env, opts.root);
  const dataDir = pick('dataDir', flags['data-dir'], 'data-dir', 'SIPD_DATA_DIR', () => paths.dataDir);
  const runDir = pick('runDir', flags['run-dir'], 'run-dir', 'SIPD_RUN_DIR', () => paths.runDir);
  const socket = pick('socket', flags.socket, 'socket', 'SIPD_SOCKET', () => socketIn(runDir));

  let dbUrl: string;
  if (flags['db-url']) {
    dbUrl = anchorSqlite(flags['db-url'], dataDir);
    origins.dbUrl = 'flag --db-url';
  } else {
    const engine = get('DBENGINE');
    const name = (engine?.value ?? 'SQLITE').toUpperCase();
    if (name === 'SQLITE') {
      const p = get('DB_PATH');
      dbUrl = `sqlite:${p ? resolve(dataDir, p.value) : dbFileIn(dataDir)}`;
      origins.dbUrl = p?.origin ?? engine?.origin ?? (origins.dataDir === 'default' ? 'default' : origins.dataDir);
    } else if (name === 'MYSQL' || name === 'MARIADB') {
      const portText = get('DBPORT')?.value ?? String(DEFAULT_DBPORT);
      const port = Number(portText);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw usageError(`DBPORT=${JSON.stringify(portText)} (${get('DBPORT')?.origin}): expected a port number`);
      }
      dbUrl = mysqlUrl({
        host: get('DBHOST')?.value || DEFAULT_DBHOST,
        port,
        database: get('DBNAME')?.value || DEFAULT_DBNAME,
        user: get('DBRWUSER')?.value || DEFAULT_DBRWUSER,
        password: get('DBRWPW')?.value,
      });
      origins.dbUrl = engine!.origin;
    } else {
      throw new CliError(
        `DBENGINE=${engine!.value} (${engine!.origin}) is not supported`,
        ExitCode.USAGE,
        'UNSUPPORTED_DBENGINE',
        ['set DBENGINE=SQLITE or DBENGINE=MYSQL (MariaDB is MYSQL)'],
      );
    }
  }
  const db = parseDbUrl(dbUrl, origins.dbUrl);

  const domainL = get('SIP_DOMAIN');
  origins.domain = domainL?.origin ?? 'default';
  const verifyL = get('VERIFY_ACL');
  origins.verifyAcl = verifyL?.origin ?? 'default';
  const groupsL = get('ACL_GROUPS');
  origins.aclGroups = groupsL?.origin ?? 'default';
  const plainL = get('STORE_PLAINTEXT_PW');
  origins.storePlaintextPassword = plainL?.origin ?? 'default';

  return {
    dataDir,
    runDir,
    socket,
    dbUrl,
    db,
    ...(domainL?.value ? { domain: domainL.value } : {}),
    verifyAcl: verifyL ? parseBool('VERIFY_ACL', verifyL) : true,
    aclGroups: groupsL ? groupsL.value.split(/[\s,]+/).filter(Boolean) : [...DEFAULT_ACL_GROUPS],
    storePlaintextPassword: plainL ? parseBool('STORE_PLAINTEXT_PW', plainL) : false,
    files,
    origins,
    warnings,
  };
}
