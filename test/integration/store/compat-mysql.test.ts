/** Kamailio compatibility on MariaDB/MySQL, with Kamailio's mysql scripts (kamailio-mysql-modules). */
import { after, describe } from 'node:test';
import { kamailioScriptsAvailable } from '../../helpers/kamailio.js';
import { createThrowawayDb, mysqlAvailable, type ThrowawayDb } from '../../helpers/mysql.js';
import { compatTests, type Raw } from './compat-scenario.js';

if (
  (await mysqlAvailable('kamailio compatibility: mysql')) &&
  kamailioScriptsAvailable('mysql', 'kamailio compatibility: mysql (scripts)')
) {
  const dbs: ThrowawayDb[] = [];
  after(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });
  describe('kamailio compatibility: mysql', () => {
    compatTests({
      dialect: 'mysql',
      async fresh() {
        const db = await createThrowawayDb();
        dbs.push(db);
        const raw: Raw & { db: string } = {
          db: db.name,
          all: async (sql, params = []) => (await db.admin.query(sql, params))[0] as Record<string, unknown>[],
          exec: async (sql) => void (await db.admin.query(sql)),
        };
        return { url: db.url, raw };
      },
      async shape(raw, table) {
        const columns = (await raw.all(
          'SELECT COLUMN_NAME AS name, ORDINAL_POSITION AS pos, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, ' +
            'COLUMN_DEFAULT AS dflt, EXTRA AS extra FROM information_schema.COLUMNS ' +
            'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
          [table],
        )) as Array<{ name: string }>;
        const rows = await raw.all(
          'SELECT INDEX_NAME AS name, NON_UNIQUE AS nu, COLUMN_NAME AS col FROM information_schema.STATISTICS ' +
            'WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX',
          [table],
        );
        const byName = new Map<string, { name: string; unique: unknown; columns: string[] }>();
        for (const r of rows) {
          const name = String(r.name);
          if (!byName.has(name)) byName.set(name, { name, unique: Number(r.nu) === 0, columns: [] });
          byName.get(name)!.columns.push(String(r.col));
        }
        return { columns, indexes: [...byName.values()] };
      },
    });
  });
}
