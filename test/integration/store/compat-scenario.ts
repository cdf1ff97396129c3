/**
 * Kamailio compatibility, both directions, for one dialect:
 *  - a database built with Kamailio's own scripts (as kamdbctl would) is used by sipkit: read
 *    rows kamctl wrote, write subscribers, aliases, groups, AVPs, domains and contacts;
 *  - a database built by sipkit has Kamailio's shape and version rows, and its hashes are what
 *    kamctl computes (checked against the shell's md5sum/sha256sum, not against our code).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { openStore, type Store } from '../../../src/store/index.js';
import { KAMAILIO_MODULES, kamailioScript, type KamailioDialect } from '../../helpers/kamailio.js';
import { rejectsWith } from './harness.js';

/** An independent connection to a database (not through sipkit's store). */
export interface Raw {
  all(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  exec(sql: string): Promise<void>;
}

export interface CompatSetup {
  dialect: KamailioDialect;
  /** A fresh empty database: its URL and a raw connection to it. */
  fresh(): Promise<{ url: string; raw: Raw }>;
  /** Normalised description of one table: columns and indexes, as the catalog reports them. */
  shape(raw: Raw, table: string): Promise<Shape>;
}

export interface Shape {
  columns: Array<{ name: string } & Record<string, unknown>>;
  indexes: Array<{ name: string; unique: unknown; columns: string[] }>;
}

/** kamctl `_gen_ha1` with CMDHASH=md5sum (or sha256sum): the shell computes it, not Node. */
export function shellHash(cmd: 'md5sum' | 'sha256sum', text: string): string {
  return execFileSync('sh', ['-c', `printf '%s' "$1" | ${cmd}`, 'sh', text], { encoding: 'utf8' }).split(' ')[0]!;
}

/** The version rows Kamailio's scripts insert for sipkit's tables. */
function kamailioVersionRows(dialect: KamailioDialect): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of KAMAILIO_MODULES) {
    for (const [, t, v] of kamailioScript(dialect, m).matchAll(/values \('(\w+)','(\d+)'\)/gi)) {
      if (t !== 're_grp') out[t!] = Number(v);
    }
  }
  return out;
}

export function compatTests(setup: CompatSetup): void {
  const opened: Store[] = [];
  const open = async (url: string, schema: 'require' | 'create' | 'none' = 'require') => {
    const s = await openStore(url, { schema });
    opened.push(s);
    return s;
  };
  const closeAll = () => Promise.all(opened.splice(0).map((s) => s.close()));
  const kamailioDb = async () => {
    const db = await setup.fresh();
    for (const m of KAMAILIO_MODULES) await db.raw.exec(kamailioScript(setup.dialect, m));
    return db;
  };

  test('a Kamailio-created database: sipkit reads kamctl rows and writes every family', async () => {
    const { url, raw } = await kamailioDb();
    try {
      // Rows as kamctl writes them (STORE_PLAINTEXT_PW=1, its default), hashes from md5sum.
      await raw.exec(
        `INSERT INTO subscriber (username, domain, ha1, ha1b, password) VALUES ('carol', 'example.com', ` +
          `'${shellHash('md5sum', 'carol:example.com:pw')}', '${shellHash('md5sum', 'carol@example.com:example.com:pw')}', 'pw')`,
      );
      await raw.exec(
        "INSERT INTO grp (username, domain, grp, last_modified) VALUES ('carol', 'example.com', 'ld', '2024-01-02 03:04:05')",
      );
      const s = await open(url);
      const report = await s.schema.report();
      assert.deepEqual([report.ok, report.ha1Sha256, report.uniqueAliasIndex], [true, false, false]);
      const carol = await s.subscribers.get('carol', 'example.com');
      assert.equal(carol?.ha1b, shellHash('md5sum', 'carol@example.com:example.com:pw'));
      assert.equal(carol?.ha1Sha256, null);

      const alice = await s.subscribers.add('alice', 'example.com', 'secret');
      assert.equal(alice.ha1, shellHash('md5sum', 'alice:example.com:secret'));
      assert.equal(alice.ha1b, shellHash('md5sum', 'alice@example.com:example.com:secret'));
      await s.subscribers.setPassword('alice', 'example.com', 'new');
      const [row] = await raw.all("SELECT ha1, ha1b, password FROM subscriber WHERE username = 'alice'");
      assert.deepEqual(row, {
        ha1: shellHash('md5sum', 'alice:example.com:new'),
        ha1b: shellHash('md5sum', 'alice@example.com:example.com:new'),
        password: '',
      });

      // dbaliases has no UNIQUE index here: the check inside the transaction must hold alone.
      const add = (st: Store, target: string) =>
        st.aliases.add({ aliasUsername: '100', aliasDomain: 'example.com', username: target, domain: 'example.com' });
      const s2 = await open(url);
      const results = await Promise.allSettled(
        ['alice', 'carol', 'alice', 'carol', 'alice', 'carol'].map((x, i) => add(i % 2 ? s : s2, x)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal((await raw.all("SELECT id FROM dbaliases WHERE alias_username = '100'")).length, 1);
      await rejectsWith(add(s, 'alice'), 'DB_CONFLICT');

      await s.groups.grant('alice', 'example.com', 'local');
      assert.deepEqual(
        (await s.groups.list())
          .map((g) => `${g.username}:${g.group}:${g.lastModified}`)
          .filter((x) => x.startsWith('carol')),
        ['carol:ld:2024-01-02 03:04:05'],
      );
      await s.avps.add({ username: 'alice', domain: 'example.com', attribute: 'lang', type: 0, value: 'fr' });
      assert.equal((await s.avps.list({ attribute: 'lang' }))[0]?.value, 'fr');
      await s.domains.add('example.com');
      assert.equal(await s.domains.exists('example.com'), true);
      await s.location.save({
        ruid: 'ul-1',
        username: 'alice',
        domain: 'example.com',
        contact: 'sip:alice@192.0.2.1:5060',
        expires: 0,
      });
      assert.equal((await s.location.list('alice', 'example.com'))[0]?.expires, 0);

      const removed = await s.subscribers.remove('alice', 'example.com');
      assert.deepEqual([removed.groups, removed.preferences, removed.contacts], [1, 1, 1]);
      assert.equal((await raw.all("SELECT id FROM dbaliases WHERE username = 'alice'")).length, 0);

      // migrate adds ha1_sha256 (Kamailio ignores it) and fills it from kamctl's plaintext column.
      const m = await s.schema.migrate();
      assert.deepEqual([m.steps, m.addedColumns, m.filledSha256], [[], ['subscriber.ha1_sha256'], 1]);
      const [c] = await raw.all("SELECT ha1_sha256 FROM subscriber WHERE username = 'carol'");
      assert.equal(c?.ha1_sha256, shellHash('sha256sum', 'carol:example.com:pw'));
      const versions = await raw.all('SELECT table_name, table_version FROM version');
      assert.deepEqual(
        Object.fromEntries(versions.map((v) => [v.table_name, Number(v.table_version)])),
        { ...kamailioVersionRows(setup.dialect), re_grp: 1 },
        'migrate leaves the version rows Kamailio checks untouched',
      );
    } finally {
      await closeAll();
    }
  });

  test("a sipkit-created database has Kamailio's shape, version rows and hashes", async () => {
    const kam = await kamailioDb();
    const ours = await setup.fresh();
    try {
      const s = await open(ours.url, 'create');
      await s.subscribers.add('alice', 'example.com', 'pw');
      // auth_db's query, through an independent connection.
      const [row] = await ours.raw.all(
        "SELECT ha1, ha1b, ha1_sha256 FROM subscriber WHERE username = 'alice' AND domain = 'example.com'",
      );
      assert.deepEqual(row, {
        ha1: shellHash('md5sum', 'alice:example.com:pw'),
        ha1b: shellHash('md5sum', 'alice@example.com:example.com:pw'),
        ha1_sha256: shellHash('sha256sum', 'alice:example.com:pw'),
      });
      const versions = await ours.raw.all('SELECT table_name, table_version FROM version');
      assert.deepEqual(
        Object.fromEntries(versions.map((v) => [v.table_name, Number(v.table_version)])),
        kamailioVersionRows(setup.dialect),
      );
      for (const table of Object.keys(kamailioVersionRows(setup.dialect))) {
        const theirs = await setup.shape(kam.raw, table);
        const mine = await setup.shape(ours.raw, table);
        // sipkit's documented additions: the ha1_sha256 column and a UNIQUE alias_idx.
        const strip = (x: Shape) => ({
          columns: x.columns.filter((c) => c.name !== 'ha1_sha256'),
          indexes: x.indexes.map((i) => (/(^|_)alias_idx$/.test(i.name) ? { ...i, unique: 'sipkit: yes' } : i)),
        });
        assert.deepEqual(strip(mine), strip(theirs), table);
      }
    } finally {
      await closeAll();
    }
  });
}
