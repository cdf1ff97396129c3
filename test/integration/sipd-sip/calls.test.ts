/**
 * sipd as a stateful proxy between registered user agents over real UDP sockets (RFC 3261 §16,
 * RFC 3665 §3): a full call with Record-Route and in-dialog ACK/BYE, CANCEL, busy, parallel
 * forking, 404/480, aliases, ACL prefix rules, call forwarding from AVPs (cfu, cfb, cfna) and
 * redirect mode.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isSipUri } from '../../../src/core/index.js';
import type { Store } from '../../../src/store/index.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { sleep, TestUA } from '../../helpers/test-ua.js';

const USERS: Array<[string, string]> = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'gina',
  'harry',
  '0049301234',
].map((u) => [u, `${u}-pw`]);

async function provision(store: Store): Promise<void> {
  await store.aliases.add({ aliasUsername: '1000', aliasDomain: DOMAIN, username: 'bob', domain: DOMAIN });
  await store.groups.grant('alice', DOMAIN, 'intl');
  const avp = (user: string, attribute: string, value: string) =>
    store.avps.add({ username: user, domain: DOMAIN, attribute, type: 0, value });
  await avp('dave', 'cfb', `sip:erin@${DOMAIN}`);
  await avp('frank', 'cfu', 'erin');
  await avp('gina', 'cfna', `erin@${DOMAIN}`);
}

const CONFIG = `
[timers]
fr_ms = 1000
fr_inv_ms = 1500
drain_ms = 500

[[acl]]
prefix = "00"
group = "intl"
`;

describe('sipd proxy: calls between registered user agents', () => {
  let h: SipdHarness;
  const phones: Record<string, TestUA> = {};
  const all: TestUA[] = [];

  async function phone(user: string, register = true): Promise<TestUA> {
    const u = await TestUA.create({ user, password: `${user}-pw`, domain: DOMAIN, proxy: h.proxy() });
    all.push(u);
    if (register) assert.equal((await u.register({ expires: 600 })).status, 200, `${user} registers`);
    return u;
  }

  before(async () => {
    h = await SipdHarness.start({ users: USERS, provision, config: CONFIG });
    for (const u of ['alice', 'bob', 'dave', 'erin', 'frank', 'gina', '0049301234']) phones[u] = await phone(u);
  });
  after(async () => {
    await Promise.all(all.map((u) => u.close()));
    await h.stop();
  });

  test('INVITE/100/180/200/ACK/BYE through sipd with Record-Route; ACK and BYE follow the route set', async () => {
    const { alice, bob } = phones as Required<typeof phones>;
    bob!.invitePolicy = { kind: 'answer', ringMs: 50 };
    const before = await h.stats();
    const call = alice!.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.equal(call.finals[0]!.status, 407, 'the first INVITE is challenged');
    assert.deepEqual(
      call.provisionals.map((p) => p.status),
      [100, 100, 180],
      '100 Trying from sipd for each INVITE, then the callee’s 180',
    );
    // Record-Route: sipd's address with lr, as the callee saw it and as the 200 carries it.
    const rr = res.recordRoutes();
    assert.equal(rr.length, 1);
    const rrUri = rr[0]!.uri;
    assert.ok(isSipUri(rrUri) && rrUri.params.has('lr'), `lr in ${rr[0]!.uriText}`);
    assert.equal(rrUri.port, h.udpPort);
    const inv = bob!.requests('INVITE').at(-1)!;
    assert.equal(inv.uri, bob!.contactUri, 'Request-URI rewritten to the registered contact');
    assert.equal(inv.getAll('record-route')[0], res.getAll('record-route')[0]);
    assert.equal(inv.maxForwards(), 69, 'Max-Forwards decremented');
    assert.equal(inv.count('via'), 2, 'sipd added its Via');
    assert.equal(inv.has('proxy-authorization'), false, 'credentials for sipd are not passed on');
    assert.equal(res.count('via'), 1, 'sipd removed its Via from the 200');

    const ack = await call.ack(res);
    assert.equal(ack.getAll('route').length, 1, 'the ACK carries the route set');
    const [bAck] = await bob!.waitForRequests('ACK');
    assert.equal(bAck!.uri, bob!.contactUri);
    assert.equal(bAck!.has('route'), false, 'sipd consumed its own Route');
    const bye = await call.bye(res);
    assert.equal(bye.status, 200);
    const [bBye] = await bob!.waitForRequests('BYE');
    assert.equal(bBye!.callId(), call.callId);
    assert.equal(bBye!.count('via'), 2, 'the BYE came through sipd');

    const now = await h.stats();
    const d = (k: string) => now[k]! - before[k]!;
    assert.equal(d('core.rcv_requests_invite'), 2);
    // The 407 was stateless (RFC 3261 §8.2.7): its ACK finds no transaction and is dropped; the
    // end-to-end ACK is routed.
    assert.equal(d('core.rcv_requests_ack'), 2);
    assert.equal(d('core.drop_requests'), 1);
    assert.equal(d('core.rcv_requests_bye'), 1);
    assert.ok(d('core.rcv_replies_2xx') >= 2, 'the 200s to INVITE and BYE');
    assert.ok(d('core.rcv_replies_1xx') >= 1);
    assert.ok(d('core.fwd_requests') >= 3, 'INVITE, ACK and BYE forwarded');
    assert.ok(d('tm.uas_transactions') >= 3);
    assert.ok(d('tm.uac_transactions') >= 2);
  });

  test('CANCEL: the callee gets the CANCEL, the caller 200 for the CANCEL and 487 for the INVITE', async () => {
    const { alice, bob } = phones;
    bob!.invitePolicy = { kind: 'ring' };
    const call = alice!.call('bob');
    await call.ringing;
    const cancelled = await call.cancel();
    assert.equal(cancelled.status, 200);
    const res = await call.final;
    assert.equal(res.status, 487);
    const [c] = await bob!.waitForRequests('CANCEL');
    assert.equal(c!.callId(), call.callId);
  });

  test('busy: the callee’s 486 reaches the caller', async () => {
    const { alice, bob } = phones;
    bob!.invitePolicy = { kind: 'reject', status: 486, ringFirst: true };
    const res = await alice!.call('bob').final;
    assert.equal(res.status, 486);
  });

  test('parallel forking: both contacts ring, one answers, the other is cancelled', async () => {
    const { alice } = phones;
    const c1 = await phone('carol');
    const c2 = await phone('carol');
    c1.invitePolicy = { kind: 'ring' };
    c2.invitePolicy = { kind: 'answer', ringMs: 300 };
    const call = alice!.call('carol');
    const res = await call.final;
    assert.equal(res.status, 200);
    const answered = res.contacts();
    assert.equal(answered !== '*' && answered[0]!.uriText, c2.contactUri, 'the answer is c2’s');
    const inv1 = c1.requests('INVITE').filter((r) => r.callId() === call.callId);
    const inv2 = c2.requests('INVITE').filter((r) => r.callId() === call.callId);
    assert.equal(inv1.length, 1, 'c1 rang');
    assert.equal(inv2.length, 1, 'c2 rang');
    await c1.waitForRequests('CANCEL');
    await call.ack(res);
    await call.bye(res);
  });

  test('404 for an unknown user, 480 for a subscriber with no registration', async () => {
    const { alice } = phones;
    assert.equal((await alice!.call('nobody').final).status, 404);
    assert.equal((await alice!.call('harry').final).status, 480);
  });

  test('an alias (dbaliases) rings the aliased user’s phone', async () => {
    const { alice, bob } = phones;
    bob!.invitePolicy = { kind: 'answer' };
    const call = alice!.call('1000');
    const res = await call.final;
    assert.equal(res.status, 200);
    const inv = bob!.requests('INVITE').find((r) => r.callId() === call.callId);
    assert.ok(inv, 'bob’s phone got the INVITE for 1000');
    assert.equal(inv.uri, bob!.contactUri);
    await call.ack(res);
    await call.bye(res);
  });

  test('ACL: a number with a restricted prefix needs the group (403 without, rings with)', async () => {
    const { alice, bob } = phones;
    const target = phones['0049301234']!;
    target.invitePolicy = { kind: 'answer' };
    const denied = await bob!.call('0049301234').final;
    assert.equal(denied.status, 403);
    assert.match(denied.reason, /intl/);
    const call = alice!.call('0049301234');
    const res = await call.final;
    assert.equal(res.status, 200, 'alice is in group intl');
    assert.ok(target.requests('INVITE').some((r) => r.callId() === call.callId));
    await call.ack(res);
    await call.bye(res);
  });

  test('forwarding on busy (cfb AVP): the callee answers 486, the forward target rings', async () => {
    const { alice, dave, erin } = phones;
    dave!.invitePolicy = { kind: 'reject', status: 486 };
    erin!.invitePolicy = { kind: 'answer' };
    const call = alice!.call('dave');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.ok(
      dave!.requests('INVITE').some((r) => r.callId() === call.callId),
      'dave’s phone was tried first',
    );
    const inv = erin!.requests('INVITE').find((r) => r.callId() === call.callId);
    assert.ok(inv, 'erin’s phone rang');
    assert.equal(inv.uri, erin!.contactUri);
    await call.ack(res);
    await call.bye(res);
  });

  test('unconditional forwarding (cfu AVP): the target rings, the user’s own phone does not', async () => {
    const { alice, frank, erin } = phones;
    erin!.invitePolicy = { kind: 'answer' };
    const call = alice!.call('frank');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.ok(erin!.requests('INVITE').some((r) => r.callId() === call.callId));
    assert.ok(!frank!.requests('INVITE').some((r) => r.callId() === call.callId));
    await call.ack(res);
    await call.bye(res);
  });

  test('forwarding on no answer (cfna AVP): after fr_inv_ms the ringing phone is cancelled and the target rings', async () => {
    const { alice, gina, erin } = phones;
    gina!.invitePolicy = { kind: 'ring' };
    erin!.invitePolicy = { kind: 'answer' };
    const started = Date.now();
    const call = alice!.call('gina');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 1400, 'after the no-answer timer');
    await gina!.waitForRequests('CANCEL');
    assert.ok(erin!.requests('INVITE').some((r) => r.callId() === call.callId));
    await call.ack(res);
    await call.bye(res);
  });

  test('forwarding on no answer when the phone does not respond at all (timers.fr_ms)', async () => {
    const { alice, gina, erin } = phones;
    gina!.invitePolicy = { kind: 'silent' };
    erin!.invitePolicy = { kind: 'answer' };
    const started = Date.now();
    const call = alice!.call('gina');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 900, 'after fr_ms');
    assert.ok(
      gina!.requests('INVITE').some((r) => r.callId() === call.callId),
      'gina’s phone was tried',
    );
    assert.ok(erin!.requests('INVITE').some((r) => r.callId() === call.callId));
    await call.ack(res);
    await call.bye(res);
  });
});

describe('sipd in redirect mode', () => {
  let h: SipdHarness;
  const all: TestUA[] = [];
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: '[proxy]\nmode = "redirect"\n[timers]\ndrain_ms = 500\n',
    });
  });
  after(async () => {
    await Promise.all(all.map((u) => u.close()));
    await h.stop();
  });

  test('an INVITE for a registered user gets 302 with the registered contacts; nothing is proxied', async () => {
    const mk = async (user: string) => {
      const u = await TestUA.create({ user, password: `${user}-pw`, domain: DOMAIN, proxy: h.proxy() });
      all.push(u);
      return u;
    };
    const alice = await mk('alice');
    const bob1 = await mk('bob');
    const bob2 = await mk('bob');
    assert.equal((await bob1.register({ expires: 600 })).status, 200);
    assert.equal((await bob2.register({ expires: 600, contacts: [`<${bob2.contactUri}>;q=0.5`] })).status, 200);
    const res = await alice.call('bob').final;
    assert.equal(res.status, 302);
    const contacts = res.contacts();
    assert.notEqual(contacts, '*');
    assert.deepEqual(
      (contacts as Exclude<typeof contacts, '*'>).map((c) => [c.uriText, c.params.get('q') ?? '1']),
      [
        [bob1.contactUri, '1'],
        [bob2.contactUri, '0.5'],
      ],
    );
    await sleep(100);
    assert.equal(bob1.requests('INVITE').length + bob2.requests('INVITE').length, 0);
  });
});
