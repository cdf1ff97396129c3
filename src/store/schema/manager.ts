/**
 * Schema management: create missing tables (idempotent), report versions, refuse a database of
 * the wrong version with an error that says which table, what was found, what was expected and
 * what to do, and migrate older tables step by step. Becomes `sipctl db init|migrate|version`.
 */
import { computeHa1 } from '../../core/auth/ha1.js';
import type { Driver, Queryable } from '../driver.js';
import { StoreError, storeError } from '../errors.js';
import { columnNames, indexes, tableNames, versionRows } from './catalog.js';
import { addColumnSql, createTableSql } from './ddl.js';
import { migrationPath, statementsFor } from './migrations.js';
import { SUBSCRIBER, TABLES, type TableDef } from './tables.js';

export type TableState = 'ok' | 'missing' | 'unversioned' | 'older' | 'newer';

export interface TableStatus {
  table: string;
  /** The version sipkit works with (Kamailio 5.x's). */
  expected: number;
  /** The version row in the database; null when there is none. */
  found: number | null;
  present: boolean;
  state: TableState;
  /** For an older table: whether `migrate` can upgrade it. */
  migratable: boolean;
}

export interface SchemaReport {
  where: string;
  dialect: 'sqlite' | 'mysql';
  tables: TableStatus[];
  /** subscriber.ha1_sha256 exists (sipkit/OpenSIPS addition): SHA-256 HA1s are stored. */
  ha1Sha256: boolean;
  /** dbaliases has a UNIQUE (alias_username, alias_domain) index. */
  uniqueAliasIndex: boolean;
  /** Every table present at the expected version. */
  ok: boolean;
}

export interface InitResult {
  created: string[];
  report: SchemaReport;
}

export interface MigrationStep {
  table: string;
  from: number;
  to: number;
  description: string;
}

export interface MigrateOptions {
  /** Only report what would be done. */
  dryRun?: boolean;
  /** Add sipkit's optional columns (subscriber.ha1_sha256) to an existing database. Default true. */
  addSipkitColumns?: boolean;
}

export interface MigrateResult {
  steps: MigrationStep[];
  /** Optional columns added, e.g. "subscriber.ha1_sha256". */
  addedColumns: string[];
  /** Rows whose ha1_sha256 was computed from a stored plaintext password. */
  filledSha256: number;
  report: SchemaReport;
}

export async function schemaReport(d: Driver): Promise<SchemaReport> {
  const present = await tableNames(d);
  const versions = await versionRows(d, present);
  const tables = TABLES.map((t): TableStatus => {
    const isPresent = present.has(t.name);
    const found = versions.get(t.name) ?? null;
    let state: TableState = 'ok';
    if (!isPresent) state = 'missing';
    else if (found === null) state = 'unversioned';
    else if (found < t.version) state = 'older';
    else if (found > t.version) state = 'newer';
    const migratable = state === 'older' && migrationPath(t.name, found!, t.version) !== null;
    return { table: t.name, expected: t.version, found, present: isPresent, state, migratable };
  });
  const ha1Sha256 = present.has('subscriber') && (await columnNames(d, 'subscriber')).has('ha1_sha256');
  const uniqueAliasIndex =
    present.has('dbaliases') &&
    (await indexes(d, 'dbaliases')).some(
      (i) =>
        i.unique &&
        i.columns.length === 2 &&
        i.columns.includes('alias_username') &&
        i.columns.includes('alias_domain'),
    );
  return {
    where: d.where,
    dialect: d.dialect,
    tables,
    ha1Sha256,
    uniqueAliasIndex,
    ok: tables.every((t) => t.state === 'ok'),
  };
}

/** Throws the StoreError that best explains why the schema cannot be used; returns if it can. */
export function assertUsable(r: SchemaReport): void {
  const by = (s: TableState) => r.tables.filter((t) => t.state === s);
  const newer = by('newer')[0];
  if (newer) {
    throw storeError(
      'DB_SCHEMA_VERSION',
      `Table ${newer.table} in ${r.where} has version ${newer.found}, but this sipkit supports version ${newer.expected}`,
      ['The database was made by a newer Kamailio or sipkit: upgrade sipkit, or use a database made for Kamailio 5.x'],
      { table: newer.table, found: newer.found, expected: newer.expected },
    );
  }
  const older = by('older');
  const stuck = older.find((t) => !t.migratable);
  if (stuck) {
    throw storeError(
      'DB_SCHEMA_VERSION',
      `Table ${stuck.table} in ${r.where} has version ${stuck.found}, sipkit expects ${stuck.expected}, ` +
        `and there is no automatic upgrade from version ${stuck.found}`,
      [
        'Upgrade the table with Kamailio\'s upgrade notes (kamailio.org/wiki/install/upgrade), then run "sipctl db migrate"',
      ],
      { table: stuck.table, found: stuck.found, expected: stuck.expected },
    );
  }
  if (older[0]) {
    const t = older[0];
    throw storeError(
      'DB_SCHEMA_VERSION',
      `Table ${t.table} in ${r.where} has version ${t.found}, sipkit expects ${t.expected}`,
      ['Back up the database, then run "sipctl db migrate" to upgrade it'],
      { table: t.table, found: t.found, expected: t.expected },
    );
  }
  const missing = by('missing').map((t) => t.table);
  if (missing.length > 0) {
    throw storeError(
      'DB_SCHEMA_MISSING',
      `${missing.length === 1 ? 'Table' : 'Tables'} ${missing.join(', ')} missing in ${r.where}`,
      ['Run "sipctl db init" to create the missing tables (existing tables and rows are kept)'],
      { tables: missing },
    );
  }
  const unversioned = by('unversioned')[0];
  if (unversioned) {
    throw storeError(
      'DB_SCHEMA_VERSION',
      `Table ${unversioned.table} in ${r.where} has no row in the version table (sipkit expects version ${unversioned.expected})`,
      [
        `If the table has the Kamailio 5.x shape, record it: INSERT INTO version (table_name, table_version) ` +
          `VALUES ('${unversioned.table}', ${unversioned.expected})`,
      ],
      { table: unversioned.table, found: null, expected: unversioned.expected },
    );
  }
}

/** Creates every missing table with its indexes and version row. Existing tables are not touched. */
export async function initSchema(d: Driver): Promise<InitResult> {
  const created: string[] = [];
  const createOne = async (q: Queryable, t: TableDef, present: Set<string>) => {
    if (present.has(t.name)) return;
    const ddl = createTableSql(d.dialect, t, { ifNotExists: true });
    if (d.dialect === 'sqlite') for (const s of ddl) await q.run(s);
    else await d.exec(ddl);
    await recordVersion(q, t);
    created.push(t.name);
  };
  if (d.dialect === 'sqlite') {
    // SQLite DDL is transactional: all tables appear at once, or none.
    await d.transaction(async (q) => {
      const present = await tableNames(q);
      for (const t of TABLES) await createOne(q, t, present);
    });
  } else {
    const present = await tableNames(d);
    for (const t of TABLES) await createOne(d, t, present);
  }
  return { created, report: await schemaReport(d) };
}

async function recordVersion(q: Queryable, t: TableDef): Promise<void> {
  const have = await q.all('SELECT 1 FROM `version` WHERE `table_name` = ?', [t.name]);
  if (have.length > 0) return;
  try {
    await q.run('INSERT INTO `version` (`table_name`, `table_version`) VALUES (?, ?)', [t.name, t.version]);
  } catch (err) {
    // A concurrent init recorded it first.
    if (!(err instanceof StoreError && err.code === 'DB_CONFLICT')) throw err;
  }
}

/** Upgrades older tables and (by default) adds sipkit's optional columns. */
export async function migrateSchema(d: Driver, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const before = await schemaReport(d);
  const newer = before.tables.find((t) => t.state === 'newer');
  const stuck = before.tables.find((t) => t.state === 'older' && !t.migratable);
  if (newer || stuck) assertUsable(before); // throws the explanatory error
  const steps: MigrationStep[] = [];
  const addedColumns: string[] = [];
  let filledSha256 = 0;
  for (const t of before.tables.filter((x) => x.state === 'older')) {
    for (const m of migrationPath(t.table, t.found!, t.expected)!) {
      steps.push({ table: m.table, from: m.from, to: m.to, description: m.description });
      if (opts.dryRun) continue;
      const stmts = statementsFor(m, d.dialect);
      const bump = 'UPDATE `version` SET `table_version` = ? WHERE `table_name` = ?';
      if (d.dialect === 'sqlite') {
        await d.transaction(async (q) => {
          for (const s of stmts) await q.run(s);
          await q.run(bump, [m.to, m.table]);
        });
      } else {
        await d.exec(stmts); // MySQL DDL commits implicitly; the bump follows only if it succeeded
        await d.run(bump, [m.to, m.table]);
      }
    }
  }
  const wantSha = (opts.addSipkitColumns ?? true) && before.tables.some((t) => t.table === 'subscriber' && t.present);
  if (wantSha && !before.ha1Sha256) {
    addedColumns.push('subscriber.ha1_sha256');
    if (!opts.dryRun) {
      const col = SUBSCRIBER.columns.find((c) => c.name === 'ha1_sha256')!;
      await d.exec([addColumnSql(d.dialect, 'subscriber', col)]);
      filledSha256 = await fillSha256FromPlaintext(d);
    }
  }
  return { steps, addedColumns, filledSha256, report: opts.dryRun ? before : await schemaReport(d) };
}

/** Where kamctl stored plaintext passwords (its default), the SHA-256 HA1 can be computed now. */
async function fillSha256FromPlaintext(d: Driver): Promise<number> {
  return d.transaction(async (q) => {
    const rows = await q.all<{ id: number; username: string; domain: string; password: string }>(
      "SELECT `id`, `username`, `domain`, `password` FROM `subscriber` WHERE `password` <> '' AND `ha1_sha256` = ''",
    );
    for (const r of rows) {
      await q.run('UPDATE `subscriber` SET `ha1_sha256` = ? WHERE `id` = ?', [
        computeHa1(r.username, r.domain, r.password, 'SHA-256'),
        r.id,
      ]);
    }
    return rows.length;
  });
}
