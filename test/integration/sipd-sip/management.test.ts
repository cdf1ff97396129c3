/**
 * The management methods against real registrations and calls: ul.dump / ul.lookup / ul.add /
 * ul.rm / ul.rm_contact, cache.reload and domain.reload after the database changes, and the
 * statistics a running sipd reports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RpcCallError } from '../../../src/mgmt/client.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { TestUA } from '../../helpers/test-ua.js';

interface UlContact {
  address: string;
  expires: number | null;
  q: number;
  user_agent: string;
}
interface Dump {
  aors: Array<{ aor: string; contacts: UlContact[] }>;
}

const all: TestUA[] = [];
after(async () => {
  await Promise.all(all.map((u) => u.close()));
});

describe('management: location service and caches', () => {
  let h: SipdHarness;
  let caller: TestUA;
  const mk = async (user: string, domain = DOMAIN) => {
    const u = await TestUA.create({ user, password: `${user}-pw`, domain, proxy: h.proxy() });
    all.push(u);
    return u;
  };
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      // Calls without caller authentication keep this file about management.
      config: '[auth]\nmethods = []\n[timers]\ndrain_ms = 500\n',
    });
    caller = await mk('caller');
  });
  after(() => h.stop());

  test('ul.dump and ul.lookup show real registrations', async () => {
    const alice = await mk('alice');
    assert.equal((await alice.register({ expires: 600 })).status, 200);
    const dump = await h.rpc<Dump>('ul.dump');
    const entry = dump.aors.find((a) => a.aor === `alice@${DOMAIN}`);
    assert.ok(entry);
    assert.equal(entry.contacts[0]!.address, alice.contactUri);
    assert.ok(entry.contacts[0]!.expires! > 590);
    const brief = await h.rpc<{ aors: Array<{ aor: string }> }>('ul.dump', { brief: true });
    assert.ok(brief.aors.some((a) => a.aor === `alice@${DOMAIN}`));
    const look = await h.rpc<{ aor: string; contacts: UlContact[] }>('ul.lookup', [
      `sip:alice@${DOMAIN.toUpperCase()}`,
    ]);
    assert.equal(look.aor, `alice@${DOMAIN}`);
    await assert.rejects(h.rpc('ul.lookup', [`bob@${DOMAIN}`]), (e: RpcCallError) => /not found/i.test(e.message));
  });

  test('ul.add: a permanent contact added by an administrator gets the calls', async () => {
    const desk = await mk('bob'); // bob's desk phone, configured statically, never registers
    desk.invitePolicy = { kind: 'answer' };
    const added = await h.rpc<{ contact: UlContact }>('ul.add', [`bob@${DOMAIN}`, desk.contactUri, 0, 0.8]);
    assert.equal(added.contact.expires, null, 'permanent');
    const call = caller.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.ok(desk.requests('INVITE').some((r) => r.callId() === call.callId));
    await call.ack(res);
    await call.bye(res);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`bob@${DOMAIN}`]);
    assert.deepEqual(
      look.contacts.map((c) => [c.address, c.q, c.user_agent]),
      [[desk.contactUri, 0.8, 'sipctl']],
    );
  });

  test('ul.rm_contact and ul.rm remove bindings: calls then get 480', async () => {
    const alice = all.find((u) => u.opts.user === 'alice')!;
    await h.rpc('ul.rm_contact', [`alice@${DOMAIN}`, alice.contactUri]);
    assert.equal((await caller.call('alice').final).status, 480);
    await assert.rejects(h.rpc('ul.rm_contact', [`alice@${DOMAIN}`, alice.contactUri]), /not found/i);
    assert.deepEqual(await h.rpc('ul.rm', [`bob@${DOMAIN}`]), { aor: `bob@${DOMAIN}`, removed: 1 });
    assert.equal((await caller.call('bob').final).status, 480);
    await assert.rejects(h.rpc('ul.rm', [`bob@${DOMAIN}`]), /not found/i);
    await h.server.stop();
    assert.equal((await h.store.location.list('bob', DOMAIN)).length, 0, 'removed from the database');
    await h.restart();
    caller = await mk('caller');
  });

  test('a subscriber missing from memory is read from the database (REGISTER and calls)', async () => {
    await h.store.subscribers.add('late', DOMAIN, 'late-pw');
    await h.store.subscribers.add('later', DOMAIN, 'later-pw');
    const late = await mk('late');
    assert.equal((await late.register({ expires: 600 })).status, 200, 'no reload needed for a first lookup');
    assert.equal((await caller.call('later').final).status, 480, 'found in the database, not registered');
    assert.equal((await caller.call('nobody-at-all').final).status, 404);
  });

  test('cache.reload: a subscriber added to the database afterwards can register', async () => {
    const newbie = await mk('newbie');
    assert.equal((await newbie.register({ expires: 600 })).status, 401, 'unknown so far');
    await h.store.subscribers.add('newbie', DOMAIN, 'newbie-pw');
    // The miss is remembered for a few seconds (scanners must not turn every request into a query)...
    assert.equal((await newbie.register({ expires: 600 })).status, 401);
    // ...and cache.reload makes the new row known at once.
    const counts = await h.rpc<{ subscribers: number }>('cache.reload');
    assert.equal(counts.subscribers, 5);
    assert.equal((await newbie.register({ expires: 600 })).status, 200);
  });

  test('cache.reload picks up aliases and AVPs; a removed subscriber can no longer register', async () => {
    const alice = await mk('alice');
    alice.invitePolicy = { kind: 'answer' };
    assert.equal((await alice.register({ expires: 600 })).status, 200);
    await h.store.aliases.add({ aliasUsername: '2000', aliasDomain: DOMAIN, username: 'alice', domain: DOMAIN });
    assert.equal((await caller.call('2000').final).status, 404, 'not an alias yet for sipd');
    await h.store.avps.add({ username: 'bob', domain: DOMAIN, attribute: 'cfu', type: 0, value: 'alice' });
    await h.rpc('cache.reload');
    const viaAlias = caller.call('2000');
    const r1 = await viaAlias.final;
    assert.equal(r1.status, 200);
    await viaAlias.ack(r1);
    await viaAlias.bye(r1);
    const forwarded = caller.call('bob');
    const r2 = await forwarded.final;
    assert.equal(r2.status, 200, 'bob forwards to alice (cfu) after the reload');
    assert.ok(alice.requests('INVITE').some((r) => r.callId() === forwarded.callId));
    await forwarded.ack(r2);
    await forwarded.bye(r2);

    await h.store.subscribers.remove('newbie', DOMAIN);
    await h.rpc('cache.reload');
    const newbie = await mk('newbie');
    assert.equal((await newbie.register({ expires: 600 })).status, 401);
  });

  test('domain.reload: a domain added to the domain table is served', async () => {
    await h.store.subscribers.add('otto', 'second.example', 'otto-pw');
    const otto = await mk('otto', 'second.example');
    assert.equal((await otto.register({ expires: 600 })).status, 403, 'not our domain yet');
    await h.store.domains.add('second.example');
    const d = await h.rpc<{ domains: string[] }>('domain.reload');
    assert.deepEqual(d.domains, [DOMAIN, 'second.example'].sort());
    assert.equal((await otto.register({ expires: 600 })).status, 200);
    await h.rpc('ul.lookup', ['otto@second.example']);
  });

  test('stats.fetch: requests by method, replies by class, transactions, registrations, auth', async () => {
    const s = await h.stats();
    for (const k of [
      'core.rcv_requests',
      'core.rcv_requests_register',
      'core.rcv_requests_invite',
      'core.rcv_requests_ack',
      'core.rcv_requests_bye',
      'core.rcv_replies_1xx',
      'core.rcv_replies_2xx',
      'core.fwd_requests',
      'core.fwd_replies',
      'tm.uas_transactions',
      'tm.uac_transactions',
      'registrar.accepted_regs',
      'registrar.rejected_regs',
      'auth.challenges',
      'auth.successes',
      'auth.failures',
      'net.messages_in',
    ])
      assert.ok(s[k]! > 0, `${k} moved (${s[k]})`);
    // late, alice, newbie (a binding outlives its subscriber's removal, as in Kamailio) and otto.
    assert.equal(s['usrloc.registered_users'], 4);
    assert.equal(s['usrloc.registered_contacts'], 4);
  });
});
