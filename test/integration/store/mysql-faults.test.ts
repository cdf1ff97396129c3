/**
 * MariaDB/MySQL faults: connections killed under the pool (as a server restart does), and one
 * clear error each for a refused port, wrong credentials, an unknown host and a missing database.
 * The shared server is never restarted: the pool's connections are KILLed from another one.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { openStore, type Store } from '../../../src/store/index.js';
import { createThrowawayDb, mysqlAvailable, serverAddress, type ThrowawayDb } from '../../helpers/mysql.js';
import { rejectsWith } from './harness.js';

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

if (await mysqlAvailable('mysql faults')) {
  describe('mysql faults', () => {
    let db: ThrowawayDb;
    let store: Store;
    before(async () => {
      db = await createThrowawayDb();
      store = await openStore(db.url, { schema: 'create', poolSize: 4 });
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    /** KILLs every connection the store's pool holds (all connections on the throwaway DB but ours). */
    async function killPool(): Promise<number> {
      const [rows] = await db.admin.query(
        'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
        [db.name],
      );
      const ids = (rows as { id: number }[]).map((r) => r.id);
      for (const id of ids) await db.admin.query(`KILL CONNECTION ${Number(id)}`);
      return ids.length;
    }

    test('statements and transactions succeed right after every pooled connection was killed', async () => {
      // Open several pooled connections, then kill them all while idle.
      await Promise.all([1, 2, 3, 4].map(() => store.domains.list()));
      assert.ok((await killPool()) >= 2, 'the pool held several connections');
      assert.deepEqual(await store.domains.list(), []); // plain statement
      await store.subscribers.add('alice', 'example.com', 'pw'); // transaction
      assert.ok((await killPool()) >= 1);
      await store.subscribers.setPassword('alice', 'example.com', 'pw2'); // transaction first after the kill
      assert.ok((await killPool()) >= 1);
      await Promise.all([
        store.aliases.add({
          aliasUsername: '100',
          aliasDomain: 'example.com',
          username: 'alice',
          domain: 'example.com',
        }),
        store.groups.grant('alice', 'example.com', 'local'),
        store.location.save({ ruid: 'r1', username: 'alice', domain: 'example.com', contact: 'sip:a@h', expires: 0 }),
      ]);
      const r = await store.subscribers.remove('alice', 'example.com');
      assert.deepEqual([r.aliases, r.groups, r.contacts], [1, 1, 1]);
    });

    test('refused port: DB_UNREACHABLE naming the address', async () => {
      const port = await closedPort();
      const e = await rejectsWith(openStore(`mysql://root@127.0.0.1:${port}/x`), 'DB_UNREACHABLE');
      assert.equal(
        e.message.startsWith(`Cannot connect to MySQL at mysql://root@127.0.0.1:${port}/x: connection refused`),
        true,
      );
      assert.match(e.message, /server is running/);
    });

    test('unknown host: DB_UNREACHABLE', async () => {
      const e = await rejectsWith(
        openStore('mysql://root@no-such-host.invalid:3306/x', { connectTimeoutMs: 2000 }),
        'DB_UNREACHABLE',
      );
      assert.match(e.message, /no-such-host\.invalid/);
    });

    test('wrong credentials: DB_AUTH, and the password appears nowhere', async () => {
      const secret = `Pw-${randomBytes(6).toString('hex')}`;
      const a = serverAddress();
      const url = `mysql://sipkit_no_such_user:${secret}@${a.host}:${a.port}/${db.name}`;
      const e = await rejectsWith(openStore(url), 'DB_AUTH');
      assert.match(e.message, new RegExp(`mysql://sipkit_no_such_user:\\*\\*\\*@${a.host}:${a.port}/${db.name}`));
      assert.match(e.message, /user name or password/);
      const everything = [
        e.message,
        JSON.stringify(e.details),
        e.actions.join(' '),
        String((e.cause as Error)?.message),
      ];
      for (const text of everything) assert.equal(text.includes(secret), false, text);
    });

    test('missing database: DB_NOT_FOUND telling how to create it', async () => {
      const name = `sipkit_missing_${randomBytes(4).toString('hex')}`;
      const a = serverAddress();
      const e = await rejectsWith(openStore(`mysql://${a.user}@${a.host}:${a.port}/${name}`), 'DB_NOT_FOUND');
      assert.match(e.message, new RegExp(`The database "${name}" does not exist`));
      assert.match(e.message, /CREATE DATABASE/);
    });
  });
}
