/**
 * sipd over WebSocket (RFC 7118), real sockets: a browser-like user agent registers over WSS
 * with the made-up `.invalid` host browsers write in Via and Contact (§5.2, §5.4) and is reached
 * over the connection it registered on; calls cross UDP↔WSS with a double Record-Route (RFC 3261
 * §16.6 step 4) and their ACK/BYE follow it both ways; a sips: request may leave over WSS
 * (RFC 5630 §3.1.3 treats it as TLS); ws: on IPv6 (::1) carries a call to a UDP phone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import type { TestUA } from '../../helpers/test-ua.js';
import { startSecureSipd } from '../../helpers/tls-certs.js';

const USERS: Array<[string, string]> = ['alice', 'carol', 'dave', 'erin'].map((u) => [u, `${u}-pw`]);
const BROWSER_HOST = 'k3j2h1df9a.invalid';

describe('sipd over WebSocket', () => {
  let sipd: Awaited<ReturnType<typeof startSecureSipd>>;
  let h: SipdHarness;
  const phones: Record<string, TestUA> = {};

  before(async () => {
    sipd = await startSecureSipd({
      users: USERS,
      listen: ['udp:127.0.0.1:0', 'wss:127.0.0.1:0', 'udp:[::1]:0', 'ws:[::1]:0'],
      config: '[timers]\nfr_ms = 1000\nfr_inv_ms = 1500\ndrain_ms = 300\n\n[nat]\nfix_register = false',
    });
    h = sipd.h;
    // alice is the browser: WSS, `.invalid` in Via and Contact, so only her connection leads to her.
    phones.alice = await h.ua('alice', 'alice-pw', {
      proxy: h.proxy('WSS'),
      tls: sipd.uaTls,
      viaHost: BROWSER_HOST,
      contactHostPort: BROWSER_HOST,
    });
    phones.carol = await h.ua('carol', 'carol-pw', { proxy: h.proxy('UDP') });
    phones.dave = await h.ua('dave', 'dave-pw', { proxy: h.proxy('WS', '::1'), viaHost: 'd4v3.invalid' });
    phones.erin = await h.ua('erin', 'erin-pw', { proxy: h.proxy('UDP', '::1') });
    for (const [u, p] of Object.entries(phones))
      assert.equal((await p.register({ expires: 600 })).status, 200, `${u} registers`);
  });
  after(() => sipd.stop());

  test('REGISTER over WSS with an .invalid Contact: stored with the connection it came over', async () => {
    const alice = phones.alice!;
    const reg = alice.responses().find((r) => r.cseq().method === 'REGISTER' && r.status === 200)!;
    assert.equal(reg.topVia()!.transport, 'WSS');
    assert.equal(reg.topVia()!.host, BROWSER_HOST);
    assert.match(reg.getAll('contact').join(','), new RegExp(`sip:alice@${BROWSER_HOST};transport=ws`));
    const ul = await h.rpc<unknown>('ul.lookup', [`sip:alice@${DOMAIN}`]);
    const text = JSON.stringify(ul);
    // Even with nat.fix_register off, a WebSocket contact gets its connection's source as received.
    assert.match(text, /transport=wss/, text);
    assert.equal(alice.layer.transports[0]!.connectionCount, 1, 'one connection to sipd');
    const st = await h.stats('net.ws_connections');
    assert.equal(st['net.ws_connections'], 2, 'alice (wss) and dave (ws on ::1)');
  });

  test('UDP caller to the WSS browser: reached over its connection, double Record-Route, ACK and BYE cross both ways', async () => {
    const { alice, carol } = phones as Required<typeof phones>;
    alice.invitePolicy = { kind: 'answer', ringMs: 20 };
    const call = carol.call('alice');
    const res = await call.final;
    assert.equal(res.status, 200);
    const inv = alice.received.find((r) => r.msg.isRequest && r.msg.method === 'INVITE')!;
    assert.equal(inv.source.protocol, 'WSS');
    assert.equal(alice.layer.transports[0]!.connectionCount, 1, 'the INVITE came over the registration connection');
    const rr = res.recordRoutes().map((r) => r.uriText);
    assert.equal(rr.length, 2, rr.join(' , '));
    assert.match(rr[0]!, new RegExp(`:${h.portOf('wss')};transport=ws;lr`));
    assert.match(rr[1]!, new RegExp(`:${h.udpPort};lr`));
    const acks = alice.requests('ACK').length;
    await call.ack(res);
    await alice.waitForRequests('ACK', acks + 1);
    assert.equal((await call.bye(res)).status, 200, 'BYE from UDP to the .invalid contact');
    assert.equal(alice.requests('BYE').at(-1)!.callId(), call.callId);
  });

  test('the WSS browser calls a UDP phone: 200, ACK, BYE from the browser', async () => {
    const { alice, carol } = phones as Required<typeof phones>;
    carol.invitePolicy = { kind: 'answer', ringMs: 20 };
    const call = alice.call('carol');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.equal(res.recordRoutes().length, 2);
    await call.ack(res);
    await carol.waitForRequests('ACK');
    assert.equal((await call.bye(res)).status, 200);
    assert.equal(carol.requests('BYE').at(-1)!.callId(), call.callId);
  });

  test('a sips: request may leave over WSS (secure like TLS)', async () => {
    const { alice, carol } = phones as Required<typeof phones>;
    alice.invitePolicy = { kind: 'reject', status: 486 };
    const r = await carol.call(`sips:alice@${DOMAIN}`).final;
    assert.equal(r.status, 486, 'the WSS browser got the sips: request');
    const refused = await alice.call(`sips:carol@${DOMAIN}`).final;
    assert.equal(refused.status, 480, 'not to a UDP phone');
    alice.invitePolicy = { kind: 'answer' };
  });

  test('IPv6: a WS phone on ::1 calls a UDP phone on ::1', async () => {
    const { dave, erin } = phones as Required<typeof phones>;
    erin.invitePolicy = { kind: 'answer', ringMs: 20 };
    const call = dave.call('erin');
    const res = await call.final;
    assert.equal(res.status, 200);
    const rr = res.recordRoutes().map((r) => r.uriText);
    assert.equal(rr.length, 2, rr.join(' , '));
    assert.match(rr[0]!, /^sip:\[::1\]:\d+;lr/);
    assert.match(rr[1]!, new RegExp(`\\[::1\\]:${h.portOf('ws', '::1')};transport=ws;lr`));
    await call.ack(res);
    assert.equal((await call.bye(res)).status, 200);
    erin.invitePolicy = { kind: 'answer', ringMs: 20 };
    // And back: erin reaches dave over his WS registration connection.
    const back = erin.call('dave');
    const r2 = await back.final;
    assert.equal(r2.status, 200);
    await back.ack(r2);
    assert.equal((await back.bye(r2)).status, 200);
  });
});
