/**
 * What every sipctl operation works with: the resolved settings, the default domain for user
 * arguments, the database (opened per operation) and sipd's management socket, plus the rule
 * for telling a running sipd to reload after a database write.
 *
 * The settings come from the caller: resource files, environment and flags are CLI glue
 * (src/cli/rc.ts resolves them), so ctl never reads them itself.
 */
import { CliError } from '../shared/errors.js';
import { MgmtClient, mgmtCall } from '../mgmt/client.js';
import type { RpcParams } from '../mgmt/protocol.js';
import { openStore, type Store } from '../store/index.js';

/** The resolved settings ctl operations use (sipctl's SipctlSettings is one). */
export interface CtlSettings {
  /** sipd's management socket. */
  socket: string;
  /** What to pass to openStore(). */
  dbUrl: string;
  /** Which engine dbUrl names (SQLite files are created on first write, MySQL schemas are not). */
  db: { kind: 'sqlite' | 'mysql' };
  verifyAcl: boolean;
  aclGroups: string[];
  storePlaintextPassword: boolean;
}

export interface CtlContext {
  settings: CtlSettings;
  /** --domain, else SIP_DOMAIN; undefined when neither is set. */
  defaultDomain?: string;
  /** --no-reload: do not tell sipd to reload after a write. */
  noReload?: boolean;
  /**
   * The domains sipd's configuration makes it serve (the file's `domains`, else its zero-config
   * ones), for when sipd is not running to say so itself; undefined when it cannot be read.
   */
  configuredDomains?: () => Promise<readonly string[]>;
}

/**
 * - 'read': the database must exist with a usable schema (a read never creates a file);
 * - 'write': the SQLite default is created on first use, as sipd does, so that provisioning
 *   works before sipd ever ran; a MySQL schema must exist (`sipctl db init`);
 * - 'schema': connect only, creating a missing SQLite file (db init);
 * - 'inspect': connect only, never creating anything (db version, migrate, show).
 */
export type StoreAccess = 'read' | 'write' | 'schema' | 'inspect';

export async function openCtlStore(settings: CtlSettings, access: StoreAccess): Promise<Store> {
  const sqlite = settings.db.kind === 'sqlite';
  if (access === 'read') return openStore(settings.dbUrl, { schema: 'require', create: false });
  if (access === 'write') return openStore(settings.dbUrl, { schema: sqlite ? 'create' : 'require' });
  return openStore(settings.dbUrl, { schema: 'none', create: access === 'schema' });
}

/** Runs `fn` with a store opened for `access`, closing it afterwards. */
export async function withStore<T>(ctx: CtlContext, access: StoreAccess, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await openCtlStore(ctx.settings, access);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** One management call to sipd (its errors say how to start it or fix permissions). */
export function rpc<T = unknown>(ctx: CtlContext, method: string, params?: RpcParams, timeoutMs?: number): Promise<T> {
  return mgmtCall<T>(ctx.settings.socket, method, params, { timeoutMs });
}

/** A connection for several calls (monitor); close it when done. */
export function connectSipd(ctx: CtlContext, timeoutMs?: number): Promise<MgmtClient> {
  return MgmtClient.connect({ socketPath: ctx.settings.socket, timeoutMs });
}

/** Whether a management error means "no sipd listens there" (not running, or a stale socket). */
export const isNotRunning = (err: unknown): boolean => err instanceof CliError && err.code === 'NOT_RUNNING';

/** Result fields every write reports: whether a running sipd reloaded the change. */
export interface ReloadOutcome {
  /** sipd reloaded its cache (false: not running, or --no-reload). */
  reloaded: boolean;
  /** Why not, when reloaded is false. */
  reloadNote?: string;
}

/**
 * After a database write that sipd caches: ask a running sipd to reload (`cache.reload`, or
 * `domain.reload` for the domain table). sipd not running is not an error: it reads the database
 * when it starts. Any other failure (permission, timeout, an error from sipd) is, because sipd
 * would go on serving the old data: the error says the change was made and how to reload.
 */
export async function reloadSipd(ctx: CtlContext, method: 'cache.reload' | 'domain.reload'): Promise<ReloadOutcome> {
  if (ctx.noReload) return { reloaded: false, reloadNote: `not reloaded (--no-reload): run \`sipctl rpc ${method}\`` };
  try {
    await rpc(ctx, method, undefined, 15000);
    return { reloaded: true };
  } catch (err) {
    if (isNotRunning(err)) {
      return { reloaded: false, reloadNote: 'sipd is not running: it reads the change when it starts' };
    }
    if (!(err instanceof CliError)) throw err;
    const e = err;
    throw new CliError(
      `the database was changed, but sipd could not be told to reload: ${e.message}`,
      e.exitCode,
      e.code,
      [`reload it once sipd is reachable: sipctl rpc ${method}`, ...e.actions],
    );
  }
}
