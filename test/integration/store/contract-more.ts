/** Store contract, part 2: verbatim values, limits, AVPs, domains, location, schema versions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeHa1 } from '../../../src/core/auth/ha1.js';
import { createTableSql } from '../../../src/store/schema/ddl.js';
import { USR_PREFERENCES } from '../../../src/store/schema/tables.js';
import { parseAvpOwner } from '../../../src/store/index.js';
import { ISO_DATETIME, NASTY, rejectsWith, type Harness } from './harness.js';

/** Local 'YYYY-MM-DD HH:MM:SS', computed here independently of src/store/datetime.ts. */
const local = (sec: number) => {
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

export function moreContract(h: Harness): void {
  describe('values', () => {
    test('quotes, backslashes, %, _, emoji, CJK and SQL keywords round-trip verbatim everywhere', async () => {
      const s = await h.open();
      for (const [i, v] of NASTY.entries()) {
        await s.subscribers.add(v, `${v}.dom`, v, { storePlaintext: true });
        await s.aliases.add({ aliasUsername: `a${v}`, aliasDomain: v, username: v, domain: `${v}.dom` });
        await s.groups.grant(v, `${v}.dom`, v);
        await s.avps.add({ uuid: v, attribute: v, type: 0, value: v });
        await s.domains.add(v);
        await s.location.save({
          ruid: `r${i}`,
          username: v,
          domain: v,
          contact: `sip:${v}@h`,
          expires: 0,
          userAgent: v,
          callid: v,
        });
      }
      for (const [i, v] of NASTY.entries()) {
        const sub = await s.subscribers.get(v, `${v}.dom`);
        assert.equal(sub?.username, v);
        assert.equal(sub?.password, v);
        assert.equal((await s.aliases.get(`a${v}`, v))?.username, v);
        assert.equal(await s.groups.isMember(v, `${v}.dom`, v), true);
        const avps = await s.avps.list({ uuid: v });
        assert.deepEqual(
          avps.map((a) => [a.attribute, a.value]),
          [[v, v]],
          `avp ${v}`,
        );
        assert.equal(await s.domains.exists(v), true);
        const [c] = await s.location.list(v, v);
        assert.deepEqual([c?.ruid, c?.contact, c?.userAgent, c?.callid], [`r${i}`, `sip:${v}@h`, v, v]);
      }
      // % and _ are data, not wildcards.
      assert.deepEqual(
        (await s.avps.list({ value: '%' })).map((a) => a.value),
        ['%'],
      );
      assert.deepEqual(
        (await s.subscribers.list({ domain: '_.dom' })).map((x) => x.username),
        ['_'],
      );
      assert.equal((await s.subscribers.list()).length, NASTY.length);
    });

    test('column limits are checked in characters, the same on both backends', async () => {
      const s = await h.open();
      const e = await rejectsWith(s.subscribers.add('x'.repeat(65), 'example.com', 'pw'), 'DB_BAD_INPUT');
      assert.match(e.message, /65 characters long; subscriber\.username holds at most 64/);
      const emoji = '😀'.repeat(64);
      await s.subscribers.add(emoji, 'example.com', 'pw');
      assert.equal((await s.subscribers.get(emoji, 'example.com'))?.username, emoji);
      await rejectsWith(s.subscribers.add('', 'example.com', 'pw'), 'DB_BAD_INPUT');
      await rejectsWith(s.subscribers.add('bob', 'example.com', ''), 'DB_BAD_INPUT');
      await rejectsWith(s.subscribers.add('nul\0', 'example.com', 'pw'), 'DB_BAD_INPUT');
      assert.equal((await s.subscribers.list()).length, 1);
    });
  });

  describe('avps', () => {
    test("add by uuid or user@domain, list with kamctl's filters", async () => {
      const s = await h.open();
      await s.avps.add({ ...parseAvpOwner('alice@example.com'), attribute: 'lang', type: 0, value: 'en' });
      await s.avps.add({ ...parseAvpOwner('alice@example.com'), attribute: 'cfb', type: 0, value: 'sip:vm@h' });
      await s.avps.add({ ...parseAvpOwner('u-123'), attribute: 'lang', type: 0, value: 'de' });
      await s.avps.add({ ...parseAvpOwner('u-123'), attribute: '7', type: 3, value: '42' });
      const pick = (xs: { attribute: string; value: string }[]) => xs.map((a) => `${a.attribute}=${a.value}`);
      assert.deepEqual(pick(await s.avps.list({ username: 'alice', domain: 'example.com' })), [
        'lang=en',
        'cfb=sip:vm@h',
      ]);
      assert.deepEqual(pick(await s.avps.list({ uuid: 'u-123' })), ['lang=de', '7=42']);
      assert.deepEqual(pick(await s.avps.list({ attribute: 'lang' })), ['lang=en', 'lang=de']);
      assert.deepEqual(pick(await s.avps.list({ attribute: 'lang', value: 'de' })), ['lang=de']);
      assert.deepEqual(pick(await s.avps.list({ type: 3 })), ['7=42']);
      const [first] = await s.avps.list();
      assert.equal(first?.uuid, '');
      assert.match(first?.lastModified ?? '', ISO_DATETIME);
    });

    test('types are validated; rm needs a filter unless all is explicit', async () => {
      const s = await h.open();
      await rejectsWith(s.avps.add({ uuid: 'u', attribute: 'a', type: 1, value: 'not-a-number' }), 'DB_BAD_INPUT');
      await rejectsWith(s.avps.add({ uuid: 'u', attribute: 'name', type: 2, value: 'x' }), 'DB_BAD_INPUT');
      await rejectsWith(s.avps.add({ uuid: 'u', attribute: 'a', type: 4 as 0, value: 'x' }), 'DB_BAD_INPUT');
      await rejectsWith(s.avps.add({ attribute: 'a', type: 0, value: 'x' }), 'DB_BAD_INPUT');
      for (const v of ['1', '2', '3']) await s.avps.add({ uuid: 'u', attribute: 'a', type: 1, value: v });
      await s.avps.add({ uuid: 'w', attribute: 'a', type: 1, value: '1' });
      const e = await rejectsWith(s.avps.remove({}), 'DB_FILTER_REQUIRED');
      assert.match(e.message, /without a filter/);
      assert.equal((await s.avps.list()).length, 4);
      assert.equal(await s.avps.remove({ uuid: 'u', value: '2' }), 1);
      assert.equal(await s.avps.remove({ uuid: 'u' }), 2);
      assert.equal(await s.avps.remove({}, { all: true }), 1);
      assert.equal((await s.avps.list()).length, 0);
    });

    test('-T: another table of the same shape works; unknown or odd names are refused', async () => {
      const s = await h.open();
      await s.driver.exec(createTableSql(s.kind, { ...USR_PREFERENCES, name: 'custom_prefs', indexes: [] }));
      await s.avps.add({ table: 'custom_prefs', uuid: 'u', attribute: 'a', type: 0, value: 'x' });
      assert.equal((await s.avps.list({ table: 'custom_prefs' })).length, 1);
      assert.equal((await s.avps.list()).length, 0);
      await rejectsWith(s.avps.list({ table: 'nope' }), 'DB_BAD_INPUT');
      await rejectsWith(s.avps.list({ table: 'usr_preferences; DROP TABLE subscriber' }), 'DB_BAD_INPUT');
      await rejectsWith(s.avps.list({ table: 'grp' }), 'DB_BAD_INPUT');
    });
  });

  describe('domains', () => {
    test('add, exists, list, rm; duplicates conflict', async () => {
      const s = await h.open();
      await s.domains.add('b.example');
      await s.domains.add('a.example', { did: 'd1' });
      await rejectsWith(s.domains.add('a.example'), 'DB_CONFLICT');
      assert.equal(await s.domains.exists('a.example'), true);
      assert.equal(await s.domains.exists('c.example'), false);
      const list = await s.domains.list();
      assert.deepEqual(
        list.map((d) => [d.domain, d.did]),
        [
          ['a.example', 'd1'],
          ['b.example', null],
        ],
      );
      assert.match(list[0]!.lastModified, ISO_DATETIME);
      await s.domains.remove('a.example');
      await rejectsWith(s.domains.remove('a.example'), 'DB_NOT_FOUND_ROW');
    });
  });

  describe('location', () => {
    test('save inserts, save with the same ruid updates; DATETIMEs stored as local ISO text', async () => {
      const s = await h.open();
      const now = Math.floor(Date.now() / 1000);
      await s.location.save({
        ruid: 'r1',
        username: 'alice',
        domain: 'example.com',
        contact: 'sip:a@1.1.1.1',
        expires: now + 60,
        q: 0.333,
        cseq: 5,
      });
      const saved = await s.location.save({
        ruid: 'r1',
        username: 'alice',
        domain: 'example.com',
        contact: 'sip:a@2.2.2.2;transport=tcp',
        expires: now + 3600,
        callid: 'cid-1',
        cseq: 6,
        received: 'sip:198.51.100.1:5062',
        path: '<sip:edge;lr>',
        socket: 'udp:127.0.0.1:5060',
        methods: 8191,
        instance: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>',
        regId: 1,
        flags: 2,
        cflags: 64,
        userAgent: 'phone/1.0',
        lastModified: now,
      });
      const all = await s.location.listAll();
      assert.equal(all.length, 1);
      assert.deepEqual(all[0], saved);
      assert.equal(saved.q, 1, 'q defaults to 1 on update too');
      const raw = await s.driver.all<{ expires: string; last_modified: string }>(
        'SELECT expires, last_modified FROM location',
      );
      assert.equal(String(raw[0]!.expires), local(now + 3600));
      assert.equal(String(raw[0]!.last_modified), local(now));
      await s.location.save({
        ruid: 'r2',
        username: 'alice',
        domain: 'example.com',
        contact: 'sip:b@h',
        expires: now + 60,
        q: 0.333,
      });
      assert.equal((await s.location.list('alice', 'example.com'))[1]?.q, 0.33);
    });

    test('permanent contacts (expires 0) are stored as Kamailio does and survive deleteExpired', async () => {
      const s = await h.open();
      const now = Math.floor(Date.now() / 1000);
      await s.location.save({ ruid: 'perm', username: 'alice', domain: 'example.com', contact: 'sip:p@h', expires: 0 });
      await s.location.save({
        ruid: 'old',
        username: 'alice',
        domain: 'example.com',
        contact: 'sip:o@h',
        expires: now - 10,
      });
      await s.location.save({
        ruid: 'new',
        username: 'alice',
        domain: 'example.com',
        contact: 'sip:n@h',
        expires: now + 600,
      });
      const raw = await s.driver.all<{ expires: string }>("SELECT expires FROM location WHERE ruid = 'perm'");
      assert.equal(String(raw[0]!.expires), local(0), 'usrloc writes time 0 for a permanent contact');
      assert.equal(await s.location.deleteExpired(now), 1);
      assert.deepEqual(
        (await s.location.list('alice', 'example.com')).map((c) => [c.ruid, c.expires]),
        [
          ['perm', 0],
          ['new', now + 600],
        ],
      );
    });

    test('delete by AoR, by AoR and contact, by ruid; domain NULL when registering without domains', async () => {
      const s = await h.open();
      await s.location.save({ ruid: 'a1', username: 'alice', domain: 'example.com', contact: 'sip:a1@h', expires: 0 });
      await s.location.save({ ruid: 'a2', username: 'alice', domain: 'example.com', contact: 'sip:a2@h', expires: 0 });
      await s.location.save({ ruid: 'a3', username: 'alice', domain: 'example.com', contact: 'sip:a3@h', expires: 0 });
      await s.location.save({ ruid: 'n1', username: 'alice', domain: null, contact: 'sip:n1@h', expires: 0 });
      assert.deepEqual(
        (await s.location.list('alice', null)).map((c) => [c.ruid, c.domain]),
        [['n1', null]],
      );
      assert.equal(await s.location.deleteByAor('alice', 'example.com', 'sip:a2@h'), 1);
      assert.equal(await s.location.deleteByRuid('a3'), 1);
      assert.equal(await s.location.deleteByAor('alice', 'example.com'), 1);
      assert.deepEqual(
        (await s.location.listAll()).map((c) => c.ruid),
        ['n1'],
      );
    });
  });

  describe('location batches', () => {
    test('apply: saves and deletes in order in one transaction; an invalid contact is left out and reported', async () => {
      const s = await h.open();
      await s.location.save({ ruid: 'old', username: 'bob', domain: 'example.com', contact: 'sip:o@h', expires: 0 });
      const failed = await s.location.apply([
        {
          op: 'save',
          contact: { ruid: 'b1', username: 'bob', domain: 'example.com', contact: 'sip:b1@h', expires: 0 },
        },
        { op: 'deleteAor', username: 'bob', domain: 'example.com' },
        {
          op: 'save',
          contact: { ruid: 'b2', username: 'bob', domain: 'example.com', contact: 'sip:b2@h', expires: 0 },
        },
        {
          op: 'save',
          contact: { ruid: 'b3', username: 'bob', domain: 'example.com', contact: 'x'.repeat(600), expires: 0 },
        },
        {
          op: 'save',
          contact: { ruid: 'b4', username: 'bob', domain: 'example.com', contact: 'sip:b4@h', expires: 0 },
        },
        { op: 'deleteRuid', ruid: 'b4' },
      ]);
      assert.deepEqual(
        failed.map((f) => (f.change.op === 'save' ? f.change.contact.ruid : f.change.op)),
        ['b3'],
      );
      assert.deepEqual(
        (await s.location.listAll()).map((c) => c.ruid),
        ['b2'],
      );
      assert.deepEqual(await s.location.apply([]), []);
    });
  });

  describe('schema versions', () => {
    test('a newer table version is refused, naming table, found and expected version', async () => {
      const s = await h.open();
      await s.driver.run("UPDATE version SET table_version = 8 WHERE table_name = 'subscriber'");
      const e = await rejectsWith(h.open({ schema: 'require' }), 'DB_SCHEMA_VERSION');
      assert.match(e.message, /Table subscriber .* has version 8, but this sipkit supports version 7/);
      assert.match(e.message, /upgrade sipkit/);
      assert.deepEqual(e.details, { table: 'subscriber', found: 8, expected: 7 });
      await rejectsWith(s.schema.migrate(), 'DB_SCHEMA_VERSION');
    });

    test('an older version is refused until migrate upgrades it', async () => {
      const s = await h.open();
      if (s.kind === 'mysql')
        await s.driver.exec(["ALTER TABLE subscriber MODIFY password VARCHAR(25) DEFAULT '' NOT NULL"]);
      await s.driver.run("UPDATE version SET table_version = 6 WHERE table_name = 'subscriber'");
      const e = await rejectsWith(h.open({ schema: 'require' }), 'DB_SCHEMA_VERSION');
      assert.match(e.message, /subscriber .* has version 6, sipkit expects 7.*sipctl db migrate/);
      const plan = await s.schema.migrate({ dryRun: true });
      assert.deepEqual(
        plan.steps.map((x) => [x.table, x.from, x.to]),
        [['subscriber', 6, 7]],
      );
      const done = await s.schema.migrate();
      assert.equal(done.report.ok, true);
      const fresh = await h.open({ schema: 'require' });
      if (s.kind === 'mysql') {
        const [col] = await fresh.driver.all<{ n: number }>(
          "SELECT CHARACTER_MAXIMUM_LENGTH AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'subscriber' AND COLUMN_NAME = 'password'",
        );
        assert.equal(Number(col!.n), 64);
      }
    });

    test('versions without an upgrade path, and tables without a version row, get their own advice', async () => {
      const s = await h.open();
      await s.driver.run("UPDATE version SET table_version = 5 WHERE table_name = 'location'");
      const e = await rejectsWith(h.open({ schema: 'require' }), 'DB_SCHEMA_VERSION');
      assert.match(
        e.message,
        /location .* version 5, sipkit expects 9, and there is no automatic upgrade from version 5/,
      );
      await s.driver.run("UPDATE version SET table_version = 9 WHERE table_name = 'location'");
      await s.driver.run("DELETE FROM version WHERE table_name = 'grp'");
      const u = await rejectsWith(h.open({ schema: 'require' }), 'DB_SCHEMA_VERSION');
      assert.match(u.message, /grp .* no row in the version table.*INSERT INTO version/);
    });

    test('migrate adds ha1_sha256 to a database without it, computed where a plaintext password is stored', async () => {
      const s = await h.open();
      await s.driver.exec(['ALTER TABLE subscriber DROP COLUMN ha1_sha256']);
      const k = await h.open({ schema: 'require' });
      const plain = await k.subscribers.add('alice', 'example.com', 'pw', { storePlaintext: true });
      assert.equal(plain.ha1Sha256, null);
      await k.subscribers.add('bob', 'example.com', 'pw');
      const r = await k.schema.migrate();
      assert.deepEqual(r.addedColumns, ['subscriber.ha1_sha256']);
      assert.equal(r.filledSha256, 1);
      assert.equal(r.report.ha1Sha256, true);
      const [a, b] = await k.subscribers.list();
      assert.equal(a!.ha1Sha256, computeHa1('alice', 'example.com', 'pw', 'SHA-256'));
      assert.equal(b!.ha1Sha256, '');
      const again = await k.schema.migrate();
      assert.deepEqual([again.steps, again.addedColumns], [[], []]);
    });
  });
}
