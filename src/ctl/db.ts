/**
 * The database itself (kamdbctl create, and kamctl db show): create the tables (idempotent),
 * migrate older ones, report versions, dump a table. `db show` replaces a stored plaintext
 * password with *** (the hashes are shown, as kamctl shows them).
 */
import { notFound } from '../shared/errors.js';
import { TABLE_NAMES, type InitResult, type MigrateResult, type SchemaReport } from '../store/index.js';
import { columnNames } from '../store/schema/catalog.js';
import { withStore, type CtlContext } from './context.js';

export function initDb(ctx: CtlContext): Promise<InitResult> {
  return withStore(ctx, 'schema', (s) => s.schema.init());
}

export function migrateDb(ctx: CtlContext, opts: { dryRun?: boolean } = {}): Promise<MigrateResult> {
  return withStore(ctx, 'inspect', (s) => s.schema.migrate({ dryRun: opts.dryRun }));
}

export function dbVersion(ctx: CtlContext): Promise<SchemaReport> {
  return withStore(ctx, 'inspect', (s) => s.schema.report());
}

export interface TableDump {
  table: string;
  columns: string[];
  rows: Record<string, unknown>[];
}

/** A row filter of `db smatch TABLE COLUMN VALUE` (kamctl's db smatch/nmatch). */
export interface RowMatch {
  column: string;
  value: string;
}

export async function showTable(ctx: CtlContext, table: string, match?: RowMatch): Promise<TableDump> {
  if (!TABLE_NAMES.includes(table)) {
    throw notFound(`no table "${table}" in sipkit's schema`, 'NO_SUCH_TABLE', [`tables: ${TABLE_NAMES.join(', ')}`]);
  }
  let columns: string[] = [];
  const rows = await withStore(ctx, 'inspect', async (s) => {
    const report = await s.schema.report();
    if (!report.tables.find((t) => t.table === table)?.present) {
      throw notFound(`table ${table} does not exist in ${s.where}`, 'NO_SUCH_TABLE', [
        'create the missing tables with: sipctl db init',
      ]);
    }
    const present = [...(await columnNames(s.driver, table))];
    if (match && !present.includes(match.column)) {
      throw notFound(`no column "${match.column}" in table ${table}`, 'NO_SUCH_COLUMN', [
        `columns: ${present.join(', ')}`,
      ]);
    }
    const dump = await s.schema.dump(table, match);
    columns = dump.length > 0 ? Object.keys(dump[0]) : present;
    return dump;
  });
  const redacted = rows.map((r) =>
    table === 'subscriber' && typeof r.password === 'string' && r.password !== '' ? { ...r, password: '***' } : r,
  );
  return { table, columns, rows: redacted.map(plain) };
}

/** JSON-safe values (Buffers from BLOB columns as hex, bigint as number or string). */
function plain(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (Buffer.isBuffer(v)) out[k] = v.toString('hex');
    else if (typeof v === 'bigint') out[k] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    else if (v instanceof Date) out[k] = v.toISOString();
    else out[k] = v;
  }
  return out;
}
