/** What the database actually holds: tables, columns, indexes and `version` rows (both dialects). */
import type { Queryable } from '../driver.js';

export interface IndexInfo {
  name: string;
  unique: boolean;
  columns: string[];
}

export async function tableNames(q: Queryable): Promise<Set<string>> {
  const rows =
    q.dialect === 'mysql'
      ? await q.all<{ name: string }>(
          'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
        )
      : await q.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
  return new Set(rows.map((r) => r.name));
}

export async function columnNames(q: Queryable, table: string): Promise<Set<string>> {
  const rows =
    q.dialect === 'mysql'
      ? await q.all<{ name: string }>(
          'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
          [table],
        )
      : await q.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table]);
  return new Set(rows.map((r) => r.name));
}

export async function indexes(q: Queryable, table: string): Promise<IndexInfo[]> {
  if (q.dialect === 'mysql') {
    const rows = await q.all<{ name: string; nu: number | string; col: string }>(
      'SELECT INDEX_NAME AS name, NON_UNIQUE AS nu, COLUMN_NAME AS col FROM information_schema.STATISTICS ' +
        'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
      [table],
    );
    const byName = new Map<string, IndexInfo>();
    for (const r of rows) {
      let idx = byName.get(r.name);
      if (!idx) byName.set(r.name, (idx = { name: r.name, unique: Number(r.nu) === 0, columns: [] }));
      idx.columns.push(r.col);
    }
    return [...byName.values()];
  }
  const list = await q.all<{ name: string; unique: number }>('SELECT name, "unique" FROM pragma_index_list(?)', [
    table,
  ]);
  const out: IndexInfo[] = [];
  for (const i of list) {
    const cols = await q.all<{ name: string }>('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [i.name]);
    out.push({ name: i.name, unique: i.unique === 1, columns: cols.map((c) => c.name) });
  }
  return out;
}

/** table_name → table_version from the `version` table (empty if that table is missing). */
export async function versionRows(q: Queryable, tables?: Set<string>): Promise<Map<string, number>> {
  const present = tables ?? (await tableNames(q));
  if (!present.has('version')) return new Map();
  const rows = await q.all<{ t: string; v: number | string }>(
    'SELECT `table_name` AS t, `table_version` AS v FROM `version`',
  );
  return new Map(rows.map((r) => [r.t, Number(r.v)]));
}
