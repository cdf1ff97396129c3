/**
 * The store contract against MariaDB/MySQL: one throwaway database per run (sipkit_test_<random>),
 * emptied before each test and dropped at the end. Skipped with a message without a server,
 * failing under CI=true (test/helpers/mysql.ts).
 */
import { after, before, describe } from 'node:test';
import { createThrowawayDb, mysqlAvailable, type ThrowawayDb } from '../../helpers/mysql.js';
import { coreContract } from './contract-core.js';
import { moreContract } from './contract-more.js';
import { harness } from './harness.js';

if (await mysqlAvailable('store contract: mysql')) {
  describe('store contract: mysql', () => {
    let db: ThrowawayDb;
    before(async () => {
      db = await createThrowawayDb();
    });
    after(async () => {
      await db?.drop();
    });
    const h = harness({
      name: 'mysql',
      freshUrl: async () => {
        await db.empty();
        return db.url;
      },
    });
    coreContract(h);
    moreContract(h);
  });
}
