/**
 * The storage layer's one entry point: `openStore(url)` picks the backend from the URL and
 * returns a Store whose operation families mirror kamctl's command groups.
 *
 *   const store = await openStore(defaultDbUrl(defaultPaths().dataDir), { schema: 'create' });
 *   await store.subscribers.add('alice', 'example.com', 'secret');
 *   await store.close();
 */
import type { Driver } from './driver.js';
import { storeError } from './errors.js';
import type { MysqlOptions } from './mysql-driver.js';
import { AliasOps } from './ops/aliases.js';
import { AvpOps } from './ops/avps.js';
import { OpsContext } from './ops/context.js';
import { DomainOps } from './ops/domains.js';
import { GroupOps } from './ops/groups.js';
import { LocationOps } from './ops/location.js';
import { SubscriberOps } from './ops/subscribers.js';
import {
  assertUsable,
  initSchema,
  migrateSchema,
  schemaReport,
  type InitResult,
  type MigrateOptions,
  type MigrateResult,
  type SchemaReport,
} from './schema/manager.js';
import { TABLE_NAMES } from './schema/tables.js';
import { SqliteDriver, type SqliteOptions } from './sqlite-driver.js';
import { parseStoreUrl } from './url.js';

export interface OpenStoreOptions extends SqliteOptions, MysqlOptions {
  /**
   * What to do about the schema at open:
   * - 'require' (default): fail with DB_SCHEMA_MISSING / DB_SCHEMA_VERSION unless every table is
   *   present at the supported version (sipd and data commands of sipctl);
   * - 'create': create missing tables first, then require (zero-setup SQLite default of sipd);
   * - 'none': only connect (sipctl db init|migrate|version).
   */
  schema?: 'require' | 'create' | 'none';
}

export interface SchemaOps {
  /** Creates missing tables with their indexes and version rows; idempotent. */
  init(): Promise<InitResult>;
  /** Upgrades older tables step by step and adds sipkit's optional columns. */
  migrate(opts?: MigrateOptions): Promise<MigrateResult>;
  /** Table by table: expected and found versions, optional features. */
  report(): Promise<SchemaReport>;
  /** Throws the StoreError explaining why the schema cannot be used, if it cannot. */
  check(): Promise<SchemaReport>;
  /**
   * Every row of one sipkit table (kamctl db show <table>), or those whose `column` equals `value`
   * (db smatch); the name must be one of TABLE_NAMES, the column an SQL identifier.
   */
  dump(table: string, match?: { column: string; value: string }): Promise<Record<string, unknown>[]>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mysql';
  /** The database URL without its password. */
  readonly where: string;
  readonly schema: SchemaOps;
  readonly subscribers: SubscriberOps;
  readonly aliases: AliasOps;
  readonly groups: GroupOps;
  readonly avps: AvpOps;
  readonly domains: DomainOps;
  readonly location: LocationOps;
  /** Low-level parameterised SQL (tests and diagnostics). */
  readonly driver: Driver;
  close(): Promise<void>;
}

export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const u = parseStoreUrl(url);
  // mysql2 is loaded only for a MySQL URL: a SQLite-only sipctl run (the default) starts faster.
  const driver: Driver =
    u.kind === 'sqlite' ? new SqliteDriver(u.file, opts) : new (await import('./mysql-driver.js')).MysqlDriver(u, opts);
  try {
    await driver.ping();
    const mode = opts.schema ?? 'require';
    if (mode === 'create') await initSchema(driver);
    if (mode !== 'none') assertUsable(await schemaReport(driver));
  } catch (err) {
    await driver.close();
    throw err;
  }
  return makeStore(driver);
}

function makeStore(driver: Driver): Store {
  const ctx = new OpsContext(driver);
  const schema: SchemaOps = {
    init: async () => {
      ctx.invalidate();
      const r = await initSchema(driver);
      ctx.invalidate();
      return r;
    },
    migrate: async (o) => {
      ctx.invalidate();
      const r = await migrateSchema(driver, o);
      ctx.invalidate();
      return r;
    },
    report: () => schemaReport(driver),
    check: async () => {
      const r = await schemaReport(driver);
      assertUsable(r);
      return r;
    },
    dump: async (table, match) => {
      if (!TABLE_NAMES.includes(table)) {
        throw storeError('DB_BAD_INPUT', `Unknown table "${table}"`, [`Use one of: ${TABLE_NAMES.join(', ')}`]);
      }
      if (!match) return driver.all(`SELECT * FROM \`${table}\` ORDER BY 1`);
      // The column is quoted as an identifier, so it must be one; the value is a parameter.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(match.column)) {
        throw storeError('DB_BAD_INPUT', `Invalid column name "${match.column}"`);
      }
      return driver.all(`SELECT * FROM \`${table}\` WHERE \`${match.column}\` = ? ORDER BY 1`, [match.value]);
    },
  };
  return {
    kind: driver.dialect,
    where: driver.where,
    schema,
    subscribers: new SubscriberOps(ctx),
    aliases: new AliasOps(ctx),
    groups: new GroupOps(ctx),
    avps: new AvpOps(ctx),
    domains: new DomainOps(ctx),
    location: new LocationOps(ctx),
    driver,
    close: () => driver.close(),
  };
}
