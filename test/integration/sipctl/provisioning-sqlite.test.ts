/**
 * sipctl's provisioning commands against a sipd on the default SQLite database (the file in the
 * data dir, created by `sipctl start`'s sipd), read back with better-sqlite3.
 */
import Database from 'better-sqlite3';
import { after, before, describe } from 'node:test';
import { SipctlBox } from '../../helpers/sipctl.js';
import { provisioningCases } from './provisioning-cases.js';

describe('sipctl provisioning on SQLite, sipd running', { timeout: 240_000 }, () => {
  const box = new SipctlBox({}, 'sipctl-sq-');
  before(async () => {
    await box.start(['--domain', 'example.com']);
  });
  after(async () => {
    await box.stop().catch(() => undefined);
    box.cleanup();
  });
  const rows = async (sql: string, params: unknown[] = []) => {
    const db = new Database(box.dbFile, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as Record<string, unknown>[];
    } finally {
      db.close();
    }
  };
  provisioningCases(() => ({ box, rows, kind: 'sqlite' }));
});
