/** Kamailio compatibility on SQLite, with Kamailio's db_sqlite scripts (kamailio-sqlite-modules). */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { kamailioScriptsAvailable } from '../../helpers/kamailio.js';
import { compatTests, type Raw } from './compat-scenario.js';

if (kamailioScriptsAvailable('db_sqlite', 'kamailio compatibility: sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-compat-'));
  const conns: Database.Database[] = [];
  after(() => {
    for (const c of conns) c.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let n = 0;
  describe('kamailio compatibility: sqlite', () => {
    compatTests({
      dialect: 'db_sqlite',
      async fresh() {
        const file = join(dir, `k${++n}.db`);
        const db = new Database(file);
        conns.push(db);
        const raw: Raw = {
          all: async (sql, params = []) => db.prepare(sql).all(...(params as string[])) as Record<string, unknown>[],
          exec: async (sql) => void db.exec(sql),
        };
        return { url: `sqlite:${file}`, raw };
      },
      async shape(raw, table) {
        const columns = (await raw.all('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)', [
          table,
        ])) as Array<{ name: string }>;
        const list = await raw.all('SELECT name, "unique" FROM pragma_index_list(?) ORDER BY name', [table]);
        const indexes = [];
        for (const i of list) {
          const cols = await raw.all('SELECT name FROM pragma_index_info(?) ORDER BY seqno', [i.name]);
          indexes.push({ name: String(i.name), unique: i.unique, columns: cols.map((c) => String(c.name)) });
        }
        return { columns, indexes };
      },
    });
  });
}
