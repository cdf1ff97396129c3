/**
 * sipd over TLS (RFC 3261 §26.2) with certificates made by openssl for the test: user agents
 * register with digest and call each other over TLS (the INVITE reaches the callee over the
 * connection it registered on), a UDP caller reaches a TLS callee with a double Record-Route
 * (RFC 3261 §16.6 step 4, Kamailio's enable_double_rr) and the in-dialog ACK/BYE cross over it,
 * and a sips: request whose target is reachable over UDP only is refused with 480 instead of
 * leaving over a non-TLS hop (RFC 3261 §26.2.2, RFC 5630 §3.1.3). The relay hardening holds over
 * TLS as over UDP: an unsigned in-dialog Route and a pre-loaded Route to a foreign hop get 403 and
 * nothing reaches the foreign listener.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isSipUri } from '../../../src/core/index.js';
import { sleep, UdpPeer } from '../../helpers/net.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import type { TestUA } from '../../helpers/test-ua.js';
import { startSecureSipd } from '../../helpers/tls-certs.js';

const USERS: Array<[string, string]> = ['alice', 'bob', 'carol', 'dave'].map((u) => [u, `${u}-pw`]);

describe('sipd over TLS', () => {
  let sipd: Awaited<ReturnType<typeof startSecureSipd>>;
  let h: SipdHarness;
  const phones: Record<string, TestUA> = {};

  before(async () => {
    sipd = await startSecureSipd({
      users: USERS,
      listen: ['udp:127.0.0.1:0', 'tcp:127.0.0.1:0', 'tls:127.0.0.1:0'],
      config: '[timers]\nfr_ms = 1000\nfr_inv_ms = 1500\ndrain_ms = 300\n',
    });
    h = sipd.h;
    for (const [u, proto] of [
      ['alice', 'TLS'],
      ['bob', 'TLS'],
      ['carol', 'UDP'],
      ['dave', 'UDP'],
    ] as const) {
      phones[u] = await h.ua(u, `${u}-pw`, { proxy: h.proxy(proto), ...(proto === 'TLS' ? { tls: sipd.uaTls } : {}) });
      assert.equal((await phones[u].register({ expires: 600 })).status, 200, `${u} registers over ${proto}`);
    }
  });
  after(() => sipd.stop());

  test('REGISTER with digest over TLS; the binding is reached over its connection', async () => {
    const bob = phones.bob!;
    const [reg] = bob.responses().filter((r) => r.cseq().method === 'REGISTER' && r.status === 200);
    assert.ok(reg, 'a 200 for REGISTER');
    assert.match(reg.topVia()!.transport, /^TLS$/);
    assert.equal(bob.layer.transports[0]!.connectionCount, 1, 'one connection to sipd');
  });

  test('INVITE/200/ACK/BYE between two TLS user agents', async () => {
    const { alice, bob } = phones as Required<typeof phones>;
    bob.invitePolicy = { kind: 'answer', ringMs: 20 };
    const call = alice.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    const rr = res.recordRoutes();
    assert.equal(rr.length, 1, 'TLS in, TLS out: one Record-Route');
    assert.match(rr[0]!.uriText, new RegExp(`:${h.tlsPort};transport=tls;lr`));
    const inv = bob.received.find((r) => r.msg.isRequest && r.msg.method === 'INVITE')!;
    assert.equal(inv.source.protocol, 'TLS');
    assert.equal(bob.layer.transports[0]!.connectionCount, 1, 'the INVITE came over the registration connection');
    await call.ack(res);
    await bob.waitForRequests('ACK');
    assert.equal((await call.bye(res)).status, 200);
  });

  test('UDP caller to a TLS callee: double Record-Route, in-dialog requests cross transports', async () => {
    const { carol, bob } = phones as Required<typeof phones>;
    bob.invitePolicy = { kind: 'answer', ringMs: 20 };
    const call = carol.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    const rr = res.recordRoutes().map((r) => r.uriText);
    assert.equal(rr.length, 2, rr.join(' , '));
    // The callee side first (TLS), then the caller side (UDP, no transport parameter).
    assert.match(rr[0]!, new RegExp(`:${h.tlsPort};transport=tls;lr`));
    assert.match(rr[1]!, new RegExp(`:${h.udpPort};lr`));
    const uri = res.recordRoutes()[1]!.uri;
    assert.ok(isSipUri(uri) && !uri.params.has('transport'));
    const acksBefore = bob.requests('ACK').length;
    await call.ack(res);
    const acks = await bob.waitForRequests('ACK', acksBefore + 1);
    assert.equal(acks.at(-1)!.callId(), call.callId, 'the ACK crossed from UDP to TLS');
    assert.equal((await call.bye(res)).status, 200);
    assert.equal(bob.requests('BYE').at(-1)!.callId(), call.callId);
  });

  test('a sips: request is not sent over UDP: 480; over TLS it is', async () => {
    const { carol, dave, bob } = phones as Required<typeof phones>;
    const before = dave.requests('INVITE').length;
    const refused = await carol.call(`sips:dave@${DOMAIN}`).final;
    assert.equal(refused.status, 480);
    assert.equal(dave.requests('INVITE').length, before, 'nothing reached the UDP phone');
    bob.invitePolicy = { kind: 'reject', status: 486 };
    const toTls = await carol.call(`sips:bob@${DOMAIN}`).final;
    assert.equal(toTls.status, 486, 'the TLS phone got the sips: request');
    bob.invitePolicy = { kind: 'answer' };
  });

  test('relay hardening over TLS: an unsigned in-dialog Route and a pre-loaded Route to a foreign hop get 403', async () => {
    const alice = phones.alice!;
    const foreign = await UdpPeer.open('127.0.0.2');
    try {
      const ours = `<sip:127.0.0.1:${h.tlsPort};transport=tls;lr>`;
      const foreignRoute = `<sip:127.0.0.2:${foreign.port};lr>`;
      for (const method of ['INVITE', 'MESSAGE']) {
        const inDialog = alice.build(method, {
          uri: `sip:victim@127.0.0.2:${foreign.port}`,
          to: `<sip:victim@127.0.0.2>;tag=x1`,
          headers: [['Route', ours]],
        });
        const a = await alice.send(inDialog);
        assert.equal(a.status, 403, `${method} in dialog, unsigned`);
        assert.match(a.reason, /not signed/);
        // A stranger's From: a local user's would be challenged first (407), and may then use a preloaded Route.
        const preloaded = alice.build(method, {
          uri: `sip:bob@${DOMAIN}`,
          from: `<sip:mallory@evil.example>;tag=m-${method}`,
          headers: [
            ['Route', ours],
            ['Route', foreignRoute],
          ],
        });
        const b = await alice.send(preloaded);
        assert.equal(b.status, 403, `${method} preloaded`);
        assert.match(b.reason, /Preload Route denied/);
      }
      await sleep(200);
      assert.equal(foreign.received.length, 0, 'nothing reached the foreign hop');
    } finally {
      await foreign.close();
    }
  });
});
