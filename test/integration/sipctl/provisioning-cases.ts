/**
 * The provisioning commands (add, passwd, rm, show, list, alias, acl, avp, domain, db) through
 * the built sipctl, asserted on the database rows, stdout, the --json envelope and the exit
 * codes. Shared by the SQLite and the MariaDB suites; both run with a sipd started by
 * `sipctl start` on the same database, so every write is also checked to reach sipd (reload).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { mgmtCall } from '../../../src/mgmt/client.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import type { SipctlBox } from '../../helpers/sipctl.js';

export interface ProvisioningTarget {
  box: SipctlBox;
  /** Rows of a query on the database sipctl writes. */
  rows(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** "sqlite" or "mysql", for messages. */
  kind: string;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

interface SubscriberResult {
  subscriber: { aor: string; username: string; domain: string; ha1: string; ha1b: string; plaintextStored: boolean };
  reloaded: boolean;
  reloadNote?: string;
}

/** Defines the tests (run in order, each building on the previous ones). */
export function provisioningCases(t: () => ProvisioningTarget): void {
  const D = 'example.com';

  test('db init is idempotent; db version reports every table ok', async () => {
    const { box } = t();
    const first = await box.json<{ created: string[] }>(['db', 'init']);
    assert.ok(Array.isArray(first.created));
    const again = await box.json<{ created: string[]; report: { ok: boolean } }>(['db', 'init']);
    assert.deepEqual(again.created, [], 'a second init creates nothing');
    assert.equal(again.report.ok, true);
    const v = await box.json<{ ok: boolean; tables: Array<{ table: string; state: string }> }>(['db', 'version']);
    assert.equal(v.ok, true);
    assert.ok(v.tables.some((x) => x.table === 'subscriber' && x.state === 'ok'));
    const human = await box.ok(['db', 'version']);
    assert.match(human.stdout, /^subscriber\s+7\s+7\s+ok$/m);
  });

  test('add: HA1 columns as kamctl computes them, no plaintext, sipd reloads; duplicates exit 4', async () => {
    const { box, rows } = t();
    const r = await box.json<SubscriberResult>(['add', `alice@${D}`, '--password-stdin'], { input: 'alice-pw\n' });
    assert.equal(r.subscriber.aor, `alice@${D}`);
    assert.equal(r.subscriber.plaintextStored, false);
    assert.equal(r.reloaded, true, 'sipd runs: its cache was reloaded');
    const [row] = await rows('SELECT username, domain, ha1, ha1b, password FROM subscriber WHERE username = ?', [
      'alice',
    ]);
    assert.equal(row.domain, D);
    assert.equal(row.ha1, md5(`alice:${D}:alice-pw`));
    assert.equal(row.ha1b, md5(`alice@${D}:${D}:alice-pw`));
    assert.equal(row.password, '', 'no plaintext password by default');
    assert.equal(r.subscriber.ha1, undefined, 'no hash in --json output without --show-secrets');

    const human = await box.ok(['add', `bob@${D}`, 'bob-pw']);
    assert.match(human.stdout, new RegExp(`^added subscriber bob@${D}$`, 'm'));
    assert.match(human.stdout, /sipd reloaded its cache/);

    await box.fails(['add', `alice@${D}`, '--password-stdin'], ExitCode.CONFLICT, {
      input: 'other\n',
      code: 'DB_CONFLICT',
      message: /already exists/,
    });
    const [{ n }] = await rows('SELECT COUNT(*) AS n FROM subscriber WHERE username = ?', ['alice']);
    assert.equal(Number(n), 1);
  });

  test('add: a user without @domain needs SIP_DOMAIN or --domain (usage error 2 naming them)', async () => {
    const { box, rows } = t();
    const { json } = await box.fails(['add', 'carol', 'pw'], ExitCode.USAGE, { code: 'USAGE', message: /no @domain/ });
    assert.ok(json.error!.actions.some((a) => a.includes('SIP_DOMAIN')));
    assert.ok(json.error!.actions.some((a) => a.includes('--domain')));
    const viaEnv = await box.json<SubscriberResult>(['add', 'carol', 'pw'], { env: { SIP_DOMAIN: D } });
    assert.equal(viaEnv.subscriber.aor, `carol@${D}`);
    const viaFlag = await box.json<SubscriberResult>(['add', 'dave', '--domain', 'Other.ORG', 'pw']);
    assert.equal(viaFlag.subscriber.aor, 'dave@other.org', 'the domain is lower-cased');
    assert.equal(
      (await rows('SELECT 1 FROM subscriber WHERE username = ? AND domain = ?', ['dave', 'other.org'])).length,
      1,
    );
    await box.fails(['add', 'bad user@x.org', 'pw'], ExitCode.USAGE, { message: /not a valid SIP user/ });
  });

  test('add: STORE_PLAINTEXT_PW=1 stores the password; an empty --password-stdin is a usage error', async () => {
    const { box, rows } = t();
    const r = await box.json<SubscriberResult>(['add', `erin@${D}`, '--password-stdin'], {
      input: 'erin-pw\n',
      env: { STORE_PLAINTEXT_PW: '1' },
    });
    assert.equal(r.subscriber.plaintextStored, true);
    const [row] = await rows('SELECT password FROM subscriber WHERE username = ?', ['erin']);
    assert.equal(row.password, 'erin-pw');
    await box.fails(['add', `frank@${D}`, '--password-stdin'], ExitCode.USAGE, { input: '\n' });
    await box.fails(['add', `frank@${D}`, 'pw', '--password-stdin'], ExitCode.USAGE, { input: 'pw\n' });
    assert.equal((await rows('SELECT 1 FROM subscriber WHERE username = ?', ['frank'])).length, 0);
  });

  test('passwd: recomputes the hashes; an unknown user is exit 3', async () => {
    const { box, rows } = t();
    const r = await box.json<SubscriberResult>(['passwd', `bob@${D}`, '--password-stdin', '--show-secrets'], {
      input: 'new-bob\n',
    });
    assert.equal(r.subscriber.ha1, md5(`bob:${D}:new-bob`));
    const [row] = await rows('SELECT ha1, ha1b FROM subscriber WHERE username = ?', ['bob']);
    assert.equal(row.ha1, md5(`bob:${D}:new-bob`));
    assert.equal(row.ha1b, md5(`bob@${D}:${D}:new-bob`));
    await box.fails(['passwd', `nobody@${D}`, 'x'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_SUBSCRIBER' });
  });

  test('show and list: one record or all, {subscribers: [...]} without passwords; unknown is exit 3', async () => {
    const { box } = t();
    const one = await box.json<{ subscribers: SubscriberResult['subscriber'][] }>(['show', `alice@${D}`]);
    assert.equal(one.subscribers.length, 1);
    assert.equal(one.subscribers[0].aor, `alice@${D}`);
    assert.ok(!JSON.stringify(one).includes('alice-pw'));
    const all = await box.json<{ subscribers: Array<{ aor: string }> }>(['list']);
    const aors = all.subscribers.map((s) => s.aor);
    for (const a of [`alice@${D}`, `bob@${D}`, `carol@${D}`, 'dave@other.org']) assert.ok(aors.includes(a), a);
    const only = await box.json<{ subscribers: Array<{ aor: string }> }>(['list', '--domain', 'other.org']);
    assert.deepEqual(
      only.subscribers.map((s) => s.aor),
      ['dave@other.org'],
    );
    const plain = await box.ok(['show']);
    assert.match(plain.stdout, /^USER\s+PLAINTEXT$/m, 'no HA1 column without --show-secrets');
    assert.match(plain.stdout, new RegExp(`^alice@${D}\\s+no$`, 'm'));
    const table = await box.ok(['show', '--show-secrets']);
    assert.match(table.stdout, /^USER\s+HA1\s+PLAINTEXT$/m);
    assert.match(table.stdout, new RegExp(`^alice@${D}\\s+${md5(`alice:${D}:alice-pw`)}\\s+no$`, 'm'));
    assert.match(table.stdout, new RegExp(`^erin@${D}\\s+\\S+\\s+stored$`, 'm'));
    const record = await box.ok(['show', 'alice', '--domain', D, '--show-secrets']);
    assert.match(record.stdout, /^ha1b:\s+[0-9a-f]{32}$/m);
    await box.fails(['show', `nobody@${D}`], ExitCode.NOT_FOUND, { code: 'NO_SUCH_SUBSCRIBER' });
  });

  test('alias add/show/list/rm: rows in dbaliases; conflicts exit 4, unknown exit 3', async () => {
    const { box, rows } = t();
    const r = await box.json<{ alias: { alias: string; target: string }; reloaded: boolean }>([
      'alias',
      'add',
      `1001@${D}`,
      `alice@${D}`,
    ]);
    assert.deepEqual([r.alias.alias, r.alias.target, r.reloaded], [`1001@${D}`, `alice@${D}`, true]);
    await box.ok(['alias', 'add', '1002', 'alice', '--domain', D]);
    const dbRows = await rows(
      'SELECT alias_username, alias_domain, username, domain FROM dbaliases ORDER BY alias_username',
    );
    assert.deepEqual(
      dbRows.map((x) => `${x.alias_username}@${x.alias_domain}->${x.username}@${x.domain}`),
      [`1001@${D}->alice@${D}`, `1002@${D}->alice@${D}`],
    );
    await box.fails(['alias', 'add', `1001@${D}`, `bob@${D}`], ExitCode.CONFLICT, { message: /already exists/ });
    await box.fails(['alias', 'add', `bob@${D}`, `alice@${D}`], ExitCode.CONFLICT, { message: /is a subscriber/ });
    await box.fails(['alias', 'add', `1003@${D}`, `ghost@${D}`], ExitCode.NOT_FOUND, { code: 'NO_SUCH_SUBSCRIBER' });
    // kamctl add refuses a user name that is an alias.
    await box.fails(['add', `1001@${D}`, 'pw'], ExitCode.CONFLICT, { message: /already an alias/ });

    const show = await box.json<{ aliases: Array<{ target: string }> }>(['alias', 'show', `1001@${D}`]);
    assert.equal(show.aliases[0].target, `alice@${D}`);
    await box.fails(['alias', 'show', `9999@${D}`], ExitCode.NOT_FOUND, { code: 'NO_SUCH_ALIAS' });
    const list = await box.ok(['alias', 'list', `alice@${D}`]);
    assert.match(list.stdout, /^ALIAS\s+USER$/m);
    assert.match(list.stdout, new RegExp(`^1002@${D}\\s+alice@${D}$`, 'm'));
    const none = await box.json<{ aliases: unknown[] }>(['alias', 'list', `bob@${D}`]);
    assert.deepEqual(none.aliases, []);

    await box.ok(['alias', 'rm', `1002@${D}`]);
    assert.equal((await rows('SELECT 1 FROM dbaliases WHERE alias_username = ?', ['1002'])).length, 0);
    await box.fails(['alias', 'rm', `1002@${D}`], ExitCode.NOT_FOUND, { code: 'NO_SUCH_ALIAS' });
  });

  test('acl grant/show/revoke with the VERIFY_ACL whitelist', async () => {
    const { box, rows } = t();
    const g = await box.json<{ granted: Array<{ group: string }> }>(['acl', 'grant', `alice@${D}`, 'local', 'ld']);
    assert.deepEqual(g.granted.map((x) => x.group).sort(), ['ld', 'local']);
    // Not in ACL_GROUPS: the whole command is refused before any change.
    const { json } = await box.fails(['acl', 'grant', `bob@${D}`, 'local', 'vip'], ExitCode.USAGE, {
      message: /vip not allowed/,
    });
    assert.ok(json.error!.actions.some((a) => a.includes('VERIFY_ACL=0')));
    assert.equal((await rows('SELECT 1 FROM grp WHERE username = ?', ['bob'])).length, 0, 'nothing granted');
    await box.ok(['acl', 'grant', `bob@${D}`, 'vip'], { env: { VERIFY_ACL: '0' } });
    await box.ok(['acl', 'grant', `bob@${D}`, 'gold'], { env: { ACL_GROUPS: 'gold silver' } });
    await box.fails(['acl', 'grant', `alice@${D}`, 'local'], ExitCode.CONFLICT, { code: 'ALREADY_MEMBER' });
    await box.fails(['acl', 'grant', `ghost@${D}`, 'local'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_SUBSCRIBER' });
    await box.fails(['acl', 'grant', `alice@${D}`], ExitCode.USAGE);

    const show = await box.json<{ memberships: Array<{ aor: string; group: string }> }>(['acl', 'show', `bob@${D}`]);
    assert.deepEqual(
      show.memberships.map((m) => m.group),
      ['gold', 'vip'],
    );
    const human = await box.ok(['acl', 'show']);
    assert.match(human.stdout, new RegExp(`^alice@${D}\\s+ld\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`, 'm'));

    await box.ok(['acl', 'revoke', `bob@${D}`, 'vip']);
    await box.fails(['acl', 'revoke', `bob@${D}`, 'vip'], ExitCode.NOT_FOUND);
    const all = await box.json<{ revoked: number; group: null }>(['acl', 'revoke', `bob@${D}`]);
    assert.equal(all.revoked, 1);
    assert.equal(all.group, null);
    assert.equal((await rows('SELECT 1 FROM grp WHERE username = ?', ['bob'])).length, 0);
  });

  test('avp list/add/rm with kamctl filters; rm without a filter refuses unless --all', async () => {
    const { box, rows } = t();
    const a = await box.json<{ avp: { id: number; username: string; domain: string; type: number } }>([
      'avp',
      'add',
      `alice@${D}`,
      'callfwd',
      '0',
      `sip:bob@${D}`,
    ]);
    assert.deepEqual([a.avp.username, a.avp.domain, a.avp.type], ['alice', D, 0]);
    await box.ok(['avp', 'add', `alice@${D}`, 'lang', '0', 'fr']);
    await box.ok(['avp', 'add', 'uuid-77', '100', '3', '42']);
    await box.fails(['avp', 'add', 'uuid-77', 'abc', '3', '42'], ExitCode.USAGE, { message: /integer attribute/ });
    await box.fails(['avp', 'add', 'uuid-77', 'x', '7', 'v'], ExitCode.USAGE, { message: /invalid AVP type/ });
    await box.fails(['avp', 'list', '-T', 'subscriber'], ExitCode.USAGE, { message: /lacks column/ });

    const byUser = await box.json<{ avps: Array<{ attribute: string }> }>(['avp', 'list', '-u', `alice@${D}`]);
    assert.deepEqual(byUser.avps.map((x) => x.attribute).sort(), ['callfwd', 'lang']);
    const byUuid = await box.json<{ avps: Array<{ uuid: string; value: string }> }>([
      'avp',
      'list',
      '-u',
      'uuid-77',
      '-t',
      '3',
    ]);
    assert.deepEqual(
      byUuid.avps.map((x) => [x.uuid, x.value]),
      [['uuid-77', '42']],
    );
    const human = await box.ok(['avp', 'list', '-a', 'callfwd']);
    assert.match(human.stdout, new RegExp(`^\\s*\\d+\\s+-\\s+alice@${D}\\s+callfwd\\s+0\\s+sip:bob@${D}$`, 'm'));

    await box.fails(['avp', 'rm'], ExitCode.USAGE, { message: /without a filter/ });
    const needYes = await box.fails(['avp', 'rm', '--all'], ExitCode.USAGE, { message: /confirmation needed/ });
    assert.match(needYes.human.stderr, /pass --yes/);
    assert.equal((await rows('SELECT 1 FROM usr_preferences')).length, 3, 'nothing deleted');
    const rm = await box.json<{ removed: number }>(['avp', 'rm', '-u', `alice@${D}`, '-a', 'lang']);
    assert.equal(rm.removed, 1);
    await box.fails(['avp', 'rm', '-a', 'no-such-attr'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_AVP' });
    const all = await box.json<{ removed: number }>(['avp', 'rm', '-u', 'uuid-77', '-v', '42']);
    assert.equal(all.removed, 1);
    assert.deepEqual(
      (await rows('SELECT attribute FROM usr_preferences')).map((r) => r.attribute),
      ['callfwd'],
    );
  });

  test('domain add/show/rm: the table and the domains sipd serves after the reload', async () => {
    const { box, rows } = t();
    const add = await box.json<{ domain: string; reloaded: boolean }>(['domain', 'add', 'Voip.Example.NET']);
    assert.deepEqual(add, { domain: 'voip.example.net', reloaded: true });
    assert.equal((await rows('SELECT 1 FROM domain WHERE domain = ?', ['voip.example.net'])).length, 1);
    const served = await mgmtCall<{ domains: string[] }>(box.socket, 'domain.dump');
    assert.ok(served.domains.includes('voip.example.net'), 'sipd serves the new domain at once');
    await box.fails(['domain', 'add', 'voip.example.net'], ExitCode.CONFLICT);
    await box.fails(['domain', 'add', 'not a domain'], ExitCode.USAGE);
    const show = await box.json<{ domains: Array<{ domain: string }>; served: string[] | null }>(['domain', 'show']);
    assert.ok(show.domains.some((d) => d.domain === 'voip.example.net'));
    assert.ok(show.served?.includes('voip.example.net'));
    const human = await box.ok(['domain', 'show']);
    assert.match(human.stdout, /^voip\.example\.net\s+-\s+\S+ \S+\s+yes$/m);
    const reload = await box.json<{ domains: string[] }>(['domain', 'reload']);
    assert.ok(reload.domains.includes('voip.example.net'));
    await box.ok(['domain', 'rm', 'voip.example.net']);
    assert.equal((await rows('SELECT 1 FROM domain')).length, 0);
    assert.ok(!(await mgmtCall<{ domains: string[] }>(box.socket, 'domain.dump')).domains.includes('voip.example.net'));
    await box.fails(['domain', 'rm', 'voip.example.net'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_DOMAIN' });
  });

  test('rm: refuses without --yes off a terminal, then cascades to groups, aliases, AVPs and live contacts', async () => {
    const { box, rows } = t();
    await mgmtCall(box.socket, 'ul.add', { aor: `alice@${D}`, contact: 'sip:alice@127.0.0.1:5999', expires: 300 });
    const noYes = await box.fails(['rm', `alice@${D}`], ExitCode.USAGE, { message: /confirmation needed: Remove/ });
    assert.ok(noYes.json.error!.actions.includes('pass --yes to confirm without a terminal'));
    assert.equal((await rows('SELECT 1 FROM subscriber WHERE username = ?', ['alice'])).length, 1, 'not removed');

    const r = await box.json<{
      removed: { aliases: number; groups: number; preferences: number; liveContacts: number | null };
      reloaded: boolean;
    }>(['rm', `alice@${D}`, '--yes']);
    assert.deepEqual(
      { ...r.removed, storedContacts: undefined },
      { aliases: 1, groups: 2, preferences: 1, liveContacts: 1, storedContacts: undefined },
    );
    assert.equal(r.reloaded, true);
    for (const [table, col] of [
      ['subscriber', 'username'],
      ['grp', 'username'],
      ['dbaliases', 'username'],
      ['usr_preferences', 'username'],
      ['location', 'username'],
    ]) {
      assert.equal((await rows(`SELECT 1 FROM ${table} WHERE ${col} = ?`, ['alice'])).length, 0, `${table} row left`);
    }
    const ul = await mgmtCall<{ aors: Array<{ aor: string }> }>(box.socket, 'ul.dump');
    assert.ok(!ul.aors.some((a) => a.aor === `alice@${D}`), 'the live contact is gone from sipd');
    await box.fails(['rm', `alice@${D}`, '--yes'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_SUBSCRIBER' });
  });

  test('db show: rows as JSON, the plaintext password masked; an unknown table is exit 3', async () => {
    const { box } = t();
    type Dump = { columns: string[]; rows: Array<Record<string, unknown>> };
    // Without --show-secrets the hash columns are not in the JSON (the password stays masked).
    const bare = await box.json<Dump>(['db', 'show', 'subscriber']);
    assert.ok(bare.columns.includes('username') && !bare.columns.includes('ha1') && !bare.columns.includes('ha1b'));
    assert.ok(bare.rows.every((r) => !('ha1' in r) && !('ha1b' in r) && !('ha1_sha256' in r)));
    assert.equal(bare.rows.find((r) => r.username === 'erin')?.password, '***');
    const d = await box.json<Dump>(['db', 'show', 'subscriber', '--show-secrets']);
    assert.ok(d.columns.includes('ha1'));
    const erin = d.rows.find((r) => r.username === 'erin');
    assert.equal(erin?.password, '***');
    assert.ok(!JSON.stringify(d).includes('erin-pw'));
    const human = await box.ok(['db', 'show', 'grp']);
    assert.match(human.stdout, /^id\s+username\s+domain\s+grp\s+last_modified$/m);
    await box.fails(['db', 'show', 'nope'], ExitCode.NOT_FOUND, { code: 'NO_SUCH_TABLE' });
  });

  test('--no-reload skips the reload and says so', async () => {
    const { box } = t();
    const r = await box.json<SubscriberResult>(['add', `gina@${D}`, 'pw', '--no-reload']);
    assert.equal(r.reloaded, false);
    assert.match(r.reloadNote ?? '', /--no-reload/);
  });
}
