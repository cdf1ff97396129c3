/**
 * CREATE statements for both dialects, generated from the table definitions in the layout of
 * Kamailio's own scripts (column order, `DEFAULT x NOT NULL`, constraint and index names).
 *
 * MySQL differences from kamdbctl, all invisible to Kamailio: non-unique indexes are declared
 * inside CREATE TABLE (one atomic statement, so an interrupted init never leaves a table without
 * its indexes); tables are InnoDB (transactions) with utf8mb4 and a binary collation, so that text
 * round-trips verbatim (emoji, CJK) and compares exactly as in SQLite (case-sensitive).
 */
import type { Dialect } from '../driver.js';
import type { ColumnDef, IndexDef, TableDef } from './tables.js';

export const MYSQL_TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

const q = (dialect: Dialect, name: string) => (dialect === 'mysql' ? '`' + name + '`' : name);
const cols = (dialect: Dialect, names: string[]) => names.map((n) => q(dialect, n)).join(', ');
const indexName = (dialect: Dialect, table: string, idx: IndexDef) =>
  dialect === 'sqlite' ? `${table}_${idx.name}` : idx.name;

export function columnSql(dialect: Dialect, c: ColumnDef): string {
  const parts = [q(dialect, c.name), c.type[dialect]];
  if (c.default !== undefined) parts.push(`DEFAULT ${c.default}`);
  if (c.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

/**
 * The statements that create one table with its indexes. `kamailio: true` omits sipkit's
 * additions (for tests that compare shapes); `ifNotExists` makes concurrent inits harmless.
 */
export function createTableSql(
  dialect: Dialect,
  t: TableDef,
  opts: { kamailio?: boolean; ifNotExists?: boolean } = {},
): string[] {
  const ine = opts.ifNotExists ? 'IF NOT EXISTS ' : '';
  const columns = t.columns.filter((c) => !(opts.kamailio && c.sipkit));
  const lines = columns.map((c) => '    ' + columnSql(dialect, c));
  const after: string[] = [];
  for (const idx of t.indexes) {
    const name = indexName(dialect, t.name, idx);
    const unique = idx.unique || (idx.uniqueInSipkit && !opts.kamailio);
    if (idx.unique) {
      lines.push(`    CONSTRAINT ${name} UNIQUE (${cols(dialect, idx.columns)})`);
    } else if (dialect === 'mysql') {
      lines.push(`    ${unique ? 'UNIQUE ' : ''}INDEX ${name} (${cols(dialect, idx.columns)})`);
    } else {
      after.push(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${ine}${name} ON ${t.name} (${cols(dialect, idx.columns)})`);
    }
  }
  const tail = dialect === 'mysql' ? `\n) ${MYSQL_TABLE_OPTIONS}` : '\n)';
  return [`CREATE TABLE ${ine}${q(dialect, t.name)} (\n${lines.join(',\n')}${tail}`, ...after];
}

/** ALTER TABLE that adds one (sipkit) column to an existing table; same syntax in both dialects. */
export function addColumnSql(dialect: Dialect, table: string, c: ColumnDef): string {
  return `ALTER TABLE ${q(dialect, table)} ADD COLUMN ${columnSql(dialect, c)}`;
}
