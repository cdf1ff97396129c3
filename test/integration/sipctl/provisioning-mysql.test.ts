/**
 * sipctl's provisioning commands against MariaDB/MySQL: a throwaway database named through the
 * kamctlrc keys (DBENGINE=MYSQL, DBHOST, DBPORT, DBNAME, DBRWUSER in the environment), created
 * with `sipctl db init`, and a sipd started by `sipctl start` on the same database. Skipped with
 * the reason without a server; mandatory under CI=true.
 */
import { after, before, describe } from 'node:test';
import { createThrowawayDb, mysqlAvailable, serverAddress, type ThrowawayDb } from '../../helpers/mysql.js';
import { SipctlBox } from '../../helpers/sipctl.js';
import { provisioningCases } from './provisioning-cases.js';

if (await mysqlAvailable('sipctl provisioning on MariaDB')) {
  describe('sipctl provisioning on MariaDB, sipd running on it', { timeout: 240_000 }, () => {
    let db: ThrowawayDb;
    const box = new SipctlBox({}, 'sipctl-my-');
    before(async () => {
      db = await createThrowawayDb('sipkit_sipctl');
      const a = serverAddress();
      box.env = {
        DBENGINE: 'MYSQL',
        DBHOST: a.host,
        DBPORT: String(a.port),
        DBNAME: db.name,
        DBRWUSER: a.user,
        DBRWPW: a.password,
      };
      // A MySQL schema is never created behind the operator's back: before db init, writes fail
      // with exit 5, as for a database that does not exist (README "Exit codes").
      const early = await box.run(['add', 'x@example.com', 'pw', '--json']);
      if (early.status !== 5 || early.json().error?.code !== 'DB_SCHEMA_MISSING') {
        throw new Error(`expected DB_SCHEMA_MISSING before db init, got ${early.status}: ${early.stdout}`);
      }
      await box.ok(['db', 'init']);
      await box.start(['--domain', 'example.com']);
    });
    after(async () => {
      await box.stop().catch(() => undefined);
      box.cleanup();
      await db?.drop();
    });
    const rows = async (sql: string, params: unknown[] = []) => {
      const [r] = await db.admin.query(sql, params);
      return r as Record<string, unknown>[];
    };
    provisioningCases(() => ({ box, rows, kind: 'mysql' }));
  });
}
