/** Store contract, part 1: schema creation, subscribers, aliases, groups, concurrency. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeHa1, computeHa1b } from '../../../src/core/auth/ha1.js';
import { failingDeleteTrigger, ISO_DATETIME, rejectsWith, type Harness } from './harness.js';

const KAMAILIO_VERSIONS = {
  version: 1,
  subscriber: 7,
  location: 9,
  location_attrs: 1,
  dbaliases: 1,
  grp: 2,
  usr_preferences: 2,
  domain: 2,
  domain_attrs: 1,
};

export function coreContract(h: Harness): void {
  describe('schema', () => {
    test('create writes the version rows Kamailio writes, and is idempotent', async () => {
      const s = await h.open();
      const rows = await s.driver.all<{ table_name: string; table_version: number }>(
        'SELECT table_name, table_version FROM version ORDER BY table_name',
      );
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.table_name, Number(r.table_version)])), KAMAILIO_VERSIONS);
      const again = await s.schema.init();
      assert.deepEqual(again.created, []);
      assert.equal(again.report.ok, true);
      assert.equal((await s.driver.all('SELECT * FROM version')).length, rows.length);
      const report = await s.schema.report();
      assert.equal(report.ha1Sha256, true);
      assert.equal(report.uniqueAliasIndex, true);
    });

    test('a database without tables is refused with DB_SCHEMA_MISSING naming them', async () => {
      const e = await rejectsWith(h.open({ schema: 'require' }), 'DB_SCHEMA_MISSING');
      assert.match(e.message, /subscriber/);
      assert.match(e.message, /sipctl db init/);
    });
  });

  describe('subscribers', () => {
    test('add stores MD5 ha1/ha1b and SHA-256 ha1 with realm = domain, plaintext only on request', async () => {
      const s = await h.open();
      const a = await s.subscribers.add('alice', 'example.com', 's3cret');
      assert.equal(a.ha1, computeHa1('alice', 'example.com', 's3cret'));
      assert.equal(a.ha1b, computeHa1b('alice', 'example.com', 'example.com', 's3cret'));
      assert.equal(a.ha1Sha256, computeHa1('alice', 'example.com', 's3cret', 'SHA-256'));
      assert.equal(a.password, '');
      const b = await s.subscribers.add('bob', 'example.com', 'pw', { storePlaintext: true });
      assert.equal(b.password, 'pw');
      const raw = await s.driver.all<{ username: string; password: string }>(
        'SELECT username, password FROM subscriber ORDER BY username',
      );
      assert.deepEqual(raw, [
        { username: 'alice', password: '' },
        { username: 'bob', password: 'pw' },
      ]);
    });

    test('adding an existing subscriber is a conflict and changes nothing', async () => {
      const s = await h.open();
      const first = await s.subscribers.add('alice', 'example.com', 'one');
      const e = await rejectsWith(s.subscribers.add('alice', 'example.com', 'two'), 'DB_CONFLICT');
      assert.match(e.message, /alice@example\.com already exists/);
      assert.deepEqual(await s.subscribers.get('alice', 'example.com'), first);
    });

    test('user names are case-sensitive (RFC 3261 §19.1.4) on both backends', async () => {
      const s = await h.open();
      await s.subscribers.add('alice', 'example.com', 'pw1');
      const upper = await s.subscribers.add('Alice', 'example.com', 'pw2');
      assert.equal(await s.subscribers.get('ALICE', 'example.com'), null);
      assert.equal((await s.subscribers.get('Alice', 'example.com'))?.ha1, upper.ha1);
      assert.equal((await s.subscribers.list()).length, 2);
    });

    test('passwd recomputes every hash column; unknown user is DB_NOT_FOUND_ROW', async () => {
      const s = await h.open();
      await s.subscribers.add('alice', 'example.com', 'old', { storePlaintext: true });
      const u = await s.subscribers.setPassword('alice', 'example.com', 'new');
      assert.equal(u.ha1, computeHa1('alice', 'example.com', 'new'));
      assert.equal(u.ha1b, computeHa1b('alice', 'example.com', 'example.com', 'new'));
      assert.equal(u.ha1Sha256, computeHa1('alice', 'example.com', 'new', 'SHA-256'));
      assert.equal(u.password, '', 'plaintext is not kept unless asked again');
      await rejectsWith(s.subscribers.setPassword('nobody', 'example.com', 'x'), 'DB_NOT_FOUND_ROW');
    });

    test('get and list (all, or one domain) in a stable order', async () => {
      const s = await h.open();
      for (const [u, d] of [
        ['carol', 'b.example'],
        ['bob', 'a.example'],
        ['alice', 'b.example'],
      ] as const) {
        await s.subscribers.add(u, d, 'pw');
      }
      assert.equal(await s.subscribers.get('alice', 'a.example'), null);
      assert.equal((await s.subscribers.get('alice', 'b.example'))?.username, 'alice');
      const all = (await s.subscribers.list()).map((x) => `${x.username}@${x.domain}`);
      assert.deepEqual(all, ['bob@a.example', 'alice@b.example', 'carol@b.example']);
      const b = (await s.subscribers.list({ domain: 'b.example' })).map((x) => x.username);
      assert.deepEqual(b, ['alice', 'carol']);
    });

    test('rm cascades to groups, aliases, preferences and contacts, and only those of the user', async () => {
      const s = await h.open();
      for (const u of ['alice', 'bob']) {
        await s.subscribers.add(u, 'example.com', 'pw');
        await s.groups.grant(u, 'example.com', 'local');
        await s.aliases.add({
          aliasUsername: `${u}-alias`,
          aliasDomain: 'example.com',
          username: u,
          domain: 'example.com',
        });
        await s.avps.add({ username: u, domain: 'example.com', attribute: 'lang', type: 0, value: 'en' });
        await s.location.save({
          ruid: `r-${u}`,
          username: u,
          domain: 'example.com',
          contact: `sip:${u}@10.0.0.1`,
          expires: 0,
        });
      }
      const r = await s.subscribers.remove('alice', 'example.com');
      assert.deepEqual(
        { groups: r.groups, aliases: r.aliases, preferences: r.preferences, contacts: r.contacts },
        { groups: 1, aliases: 1, preferences: 1, contacts: 1 },
      );
      assert.equal(await s.subscribers.get('alice', 'example.com'), null);
      for (const table of ['grp', 'dbaliases', 'usr_preferences', 'location', 'subscriber']) {
        const rows = await s.driver.all<{ username: string }>(`SELECT username FROM ${table}`);
        assert.deepEqual(
          rows.map((x) => x.username),
          ['bob'],
          table,
        );
      }
      await rejectsWith(s.subscribers.remove('alice', 'example.com'), 'DB_NOT_FOUND_ROW');
    });

    test('rm is atomic: a failure in the middle of the cascade leaves every row in place', async () => {
      const s = await h.open();
      await s.subscribers.add('alice', 'example.com', 'pw');
      await s.groups.grant('alice', 'example.com', 'local');
      await s.aliases.add({
        aliasUsername: '100',
        aliasDomain: 'example.com',
        username: 'alice',
        domain: 'example.com',
      });
      await s.location.save({ ruid: 'r1', username: 'alice', domain: 'example.com', contact: 'sip:a@h', expires: 0 });
      await s.driver.exec([failingDeleteTrigger(s.kind)]);
      try {
        const e = await rejectsWith(s.subscribers.remove('alice', 'example.com'), 'DB_FAILED');
        assert.match(e.message, /injected fault/);
      } finally {
        await s.driver.exec(['DROP TRIGGER fail_location_delete']);
      }
      assert.ok(await s.subscribers.get('alice', 'example.com'));
      assert.equal((await s.groups.list()).length, 1);
      assert.equal((await s.aliases.list()).length, 1);
      assert.equal((await s.location.listAll()).length, 1);
    });

    test('a subscriber cannot take a name that is already an alias', async () => {
      const s = await h.open();
      await s.subscribers.add('alice', 'example.com', 'pw');
      await s.aliases.add({
        aliasUsername: '100',
        aliasDomain: 'example.com',
        username: 'alice',
        domain: 'example.com',
      });
      const e = await rejectsWith(s.subscribers.add('100', 'example.com', 'pw'), 'DB_CONFLICT');
      assert.match(e.message, /alias of alice@example\.com/);
    });
  });

  describe('aliases', () => {
    test('add, get, list by target, rm', async () => {
      const s = await h.open();
      await s.aliases.add({
        aliasUsername: '100',
        aliasDomain: 'example.com',
        username: 'alice',
        domain: 'example.com',
      });
      await s.aliases.add({
        aliasUsername: 'ali',
        aliasDomain: 'example.org',
        username: 'alice',
        domain: 'example.com',
      });
      await s.aliases.add({ aliasUsername: '200', aliasDomain: 'example.com', username: 'bob', domain: 'example.com' });
      assert.deepEqual(await s.aliases.get('100', 'example.com'), {
        aliasUsername: '100',
        aliasDomain: 'example.com',
        username: 'alice',
        domain: 'example.com',
      });
      assert.equal(await s.aliases.get('100', 'example.org'), null);
      const mine = await s.aliases.list({ username: 'alice', domain: 'example.com' });
      assert.deepEqual(
        mine.map((a) => `${a.aliasUsername}@${a.aliasDomain}`),
        ['100@example.com', 'ali@example.org'],
      );
      assert.equal((await s.aliases.list()).length, 3);
      assert.equal(await s.aliases.remove('100', 'example.com'), 1);
      await rejectsWith(s.aliases.remove('100', 'example.com'), 'DB_NOT_FOUND_ROW');
    });

    test('a duplicate alias is a conflict, whatever its target; a self-alias or a subscriber name is refused', async () => {
      const s = await h.open();
      await s.subscribers.add('carol', 'example.com', 'pw');
      await s.aliases.add({
        aliasUsername: '100',
        aliasDomain: 'example.com',
        username: 'alice',
        domain: 'example.com',
      });
      const e = await rejectsWith(
        s.aliases.add({ aliasUsername: '100', aliasDomain: 'example.com', username: 'bob', domain: 'example.com' }),
        'DB_CONFLICT',
      );
      assert.match(e.message, /points to alice@example\.com/);
      // Same alias user in another domain is a different alias (kamctl only checked the user part).
      await s.aliases.add({ aliasUsername: '100', aliasDomain: 'example.org', username: 'bob', domain: 'example.com' });
      await rejectsWith(
        s.aliases.add({ aliasUsername: 'x', aliasDomain: 'example.com', username: 'x', domain: 'example.com' }),
        'DB_BAD_INPUT',
      );
      await rejectsWith(
        s.aliases.add({ aliasUsername: 'carol', aliasDomain: 'example.com', username: 'bob', domain: 'example.com' }),
        'DB_CONFLICT',
      );
      assert.equal((await s.aliases.list()).length, 2);
    });
  });

  describe('groups', () => {
    test('grant, list, isMember, revoke one, revoke all; last_modified is ISO', async () => {
      const s = await h.open();
      await s.groups.grant('alice', 'example.com', 'local');
      await s.groups.grant('alice', 'example.com', 'intl');
      await s.groups.grant('bob', 'example.com', 'local');
      await rejectsWith(s.groups.grant('alice', 'example.com', 'local'), 'DB_CONFLICT');
      assert.deepEqual(
        (await s.groups.list({ username: 'alice', domain: 'example.com' })).map((g) => g.group),
        ['intl', 'local'],
      );
      assert.equal(await s.groups.isMember('alice', 'example.com', 'intl'), true);
      assert.equal(await s.groups.isMember('bob', 'example.com', 'intl'), false);
      const raw = await s.driver.all<{ last_modified: string }>('SELECT last_modified FROM grp');
      for (const r of raw) assert.match(String(r.last_modified), ISO_DATETIME);
      assert.equal(await s.groups.revoke('alice', 'example.com', 'intl'), 1);
      await rejectsWith(s.groups.revoke('alice', 'example.com', 'intl'), 'DB_NOT_FOUND_ROW');
      assert.equal(await s.groups.revoke('bob', 'example.com'), 1);
      assert.equal(await s.groups.revoke('bob', 'example.com'), 0);
      assert.equal((await s.groups.list()).length, 1);
    });
  });

  describe('concurrency', () => {
    test('concurrent adds of one alias or one subscriber: exactly one wins, the others conflict', async () => {
      const s = await h.open();
      const t = await h.open();
      const alias = (target: string) => ({
        aliasUsername: '100',
        aliasDomain: 'example.com',
        username: target,
        domain: 'example.com',
      });
      const results = await Promise.allSettled(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((x, i) => (i % 2 ? s : t).aliases.add(alias(x))),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results.filter((x) => x.status === 'rejected')) {
        assert.equal((r as PromiseRejectedResult).reason.code, 'DB_CONFLICT');
      }
      assert.equal((await s.driver.all('SELECT id FROM dbaliases')).length, 1);
      const subs = await Promise.allSettled(
        [1, 2, 3, 4].map((i) => (i % 2 ? s : t).subscribers.add('dave', 'example.com', `pw${i}`)),
      );
      assert.equal(subs.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of subs.filter((x) => x.status === 'rejected')) {
        assert.equal((r as PromiseRejectedResult).reason.code, 'DB_CONFLICT');
      }
    });
  });
}
