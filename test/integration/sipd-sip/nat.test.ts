/**
 * NAT help: a registration whose Contact is not where it came from (a private address) is stored
 * with `received`, and calls are sent to that real source (UDP and TCP); keepalive OPTIONS go to
 * NAT'd contacts, and one that stops answering is removed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { TestUA, waitUntil } from '../../helpers/test-ua.js';

interface UlContact {
  address: string;
  received: string | null;
}

const all: TestUA[] = [];
after(async () => {
  await Promise.all(all.map((u) => u.close()));
});

describe('NAT: received and routing to the real source', () => {
  let h: SipdHarness;
  let alice: TestUA;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['natty', 'natty-pw'],
        ['tessa', 'tessa-pw'],
        ['dora', 'dora-pw'],
      ],
      config: '[auth]\nmethods = []\n[timers]\ndrain_ms = 500\n',
    });
    alice = await TestUA.create({ user: 'alice', domain: DOMAIN, proxy: h.proxy() });
    all.push(alice);
  });
  after(() => h.stop());

  test('a UDP phone behind NAT: stored with received, and the call reaches its real address', async () => {
    const natty = await TestUA.create({
      user: 'natty',
      password: 'natty-pw',
      domain: DOMAIN,
      proxy: h.proxy(),
      contactHostPort: '10.0.0.5:5060',
    });
    all.push(natty);
    assert.equal((await natty.register({ expires: 600 })).status, 200);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`natty@${DOMAIN}`]);
    assert.deepEqual(look.contacts, [
      {
        ...look.contacts[0]!,
        address: 'sip:natty@10.0.0.5:5060',
        received: `sip:127.0.0.1:${natty.port};transport=udp`,
      },
    ]);
    natty.invitePolicy = { kind: 'answer' };
    const call = alice.call('natty');
    const res = await call.final;
    assert.equal(res.status, 200);
    const inv = natty.requests('INVITE').find((r) => r.callId() === call.callId)!;
    assert.equal(inv.uri, 'sip:natty@10.0.0.5:5060', 'the Request-URI stays the registered Contact');
    // The callee's Contact in the 200 is its private address too: in-dialog requests that name it
    // are still delivered to where it registered from.
    await call.ack(res);
    assert.equal((await call.bye(res)).status, 200);
    assert.ok(natty.requests('BYE').some((r) => r.callId() === call.callId));
  });

  test('a registration made for another device is not NAT: calls go to the registered Contact', async () => {
    // A provisioning tool (or sipp registering its UAS) registers dora's desk phone.
    const desk = await TestUA.create({ user: 'dora', domain: DOMAIN, proxy: h.proxy() });
    const tool = await TestUA.create({ user: 'dora', password: 'dora-pw', domain: DOMAIN, proxy: h.proxy() });
    all.push(desk, tool);
    assert.equal((await tool.register({ contacts: [`<${desk.contactUri}>`], expires: 600 })).status, 200);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`dora@${DOMAIN}`]);
    const c = look.contacts.find((x) => x.address === desk.contactUri)!;
    assert.equal(c.received, null);
    desk.invitePolicy = { kind: 'reject', status: 486 };
    const call = alice.call('dora');
    await call.final;
    assert.ok(
      desk.requests('INVITE').some((r) => r.callId() === call.callId),
      'the desk phone rang',
    );
    assert.equal(tool.requests('INVITE').length, 0);
  });

  test('a TCP phone behind NAT is reached over its own connection', async () => {
    const tessa = await TestUA.create({
      user: 'tessa',
      password: 'tessa-pw',
      domain: DOMAIN,
      proxy: h.proxy('TCP'),
      contactHostPort: '192.168.1.20:5060',
    });
    all.push(tessa);
    assert.equal((await tessa.register({ expires: 600 })).status, 200);
    const look = await h.rpc<{ contacts: UlContact[] }>('ul.lookup', [`tessa@${DOMAIN}`]);
    assert.match(look.contacts[0]!.received!, /^sip:127\.0\.0\.1:\d+;transport=tcp$/);
    tessa.invitePolicy = { kind: 'answer' };
    const call = alice.call('tessa');
    const res = await call.final;
    assert.equal(res.status, 200);
    const got = tessa.received.find((r) => r.msg.isRequest && r.msg.callId() === call.callId)!;
    assert.equal(got.source.protocol, 'TCP');
    await call.ack(res);
    await call.bye(res);
  });
});

describe('NAT: keepalive OPTIONS', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['kim', 'kim-pw'],
        ['lou', 'lou-pw'],
        ['max', 'max-pw'],
      ],
      // T1 = 20 ms: an unanswered OPTIONS times out after 64·T1 = 1.28 s.
      config: '[nat]\nkeepalive_interval = 1\n[timers]\nt1_ms = 20\nt2_ms = 400\ndrain_ms = 500\n',
    });
  });
  after(() => h.stop());

  test('NAT’d contacts get OPTIONS every interval; one that never answers is removed, others stay', async () => {
    const mk = async (user: string, contactHostPort?: string) => {
      const u = await TestUA.create({
        user,
        password: `${user}-pw`,
        domain: DOMAIN,
        proxy: h.proxy(),
        contactHostPort,
      });
      all.push(u);
      assert.equal((await u.register({ expires: 600 })).status, 200);
      return u;
    };
    const kim = await mk('kim', '10.1.1.1:5060'); // behind NAT, answers
    const lou = await mk('lou', '10.1.1.2:5060'); // behind NAT, gone silent
    const max = await mk('max'); // not behind NAT
    lou.answerOptions = false;
    await kim.waitForRequests('OPTIONS', 2, 4000);
    const ping = kim.requests('OPTIONS')[0]!;
    assert.equal(ping.uri, 'sip:kim@10.1.1.1:5060');
    await waitUntil(() => lou.requests('OPTIONS').length >= 3, 6000, 'three keepalives to lou');
    let gone = false;
    const end = Date.now() + 8000;
    while (!gone && Date.now() < end) {
      gone = await h.rpc('ul.lookup', [`lou@${DOMAIN}`]).then(
        () => false,
        () => true,
      );
      if (!gone) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(gone, 'lou was removed after unanswered keepalives');
    await h.rpc('ul.lookup', [`kim@${DOMAIN}`]); // still there
    await h.rpc('ul.lookup', [`max@${DOMAIN}`]);
    assert.equal(max.requests('OPTIONS').length, 0, 'contacts not behind NAT get no keepalives');
  });
});
