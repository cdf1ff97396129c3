/**
 * The proxy's request checks and routing rules (RFC 3261 §16.3, §16.4, §16.6, §16.8) on real
 * sockets: Max-Forwards (483), OPTIONS to the server, Proxy-Require (420), URI scheme (416),
 * size limit (513 over UDP and TCP), strict routers upstream and downstream, Timer C (408), a
 * call from a TCP phone to a UDP phone (double Record-Route) and the graceful stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createResponse,
  parseMessage,
  RouteMarks,
  serialize,
  type SipRequest,
  type SipResponse,
} from '../../../src/core/index.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { TcpPeer, UdpPeer, waitFor } from '../../helpers/net.js';
import { TestUA } from '../../helpers/test-ua.js';

let seq = 0;
const SECRET = 'proxy-rules test secret, shared';
/** A request as raw text from a peer at 127.0.0.1:port. */
function raw(
  peerPort: number,
  first: string,
  extra: string[] = [],
  opts: { proto?: 'UDP' | 'TCP'; body?: string; method?: string } = {},
): string {
  const n = ++seq;
  const method = opts.method ?? first.split(' ')[0]!;
  const body = opts.body ?? '';
  return [
    first,
    `Via: SIP/2.0/${opts.proto ?? 'UDP'} 127.0.0.1:${peerPort};branch=z9hG4bKraw${n};rport`,
    `From: <sip:probe@other.example>;tag=p${n}`,
    `To: <sip:bob@${DOMAIN}>`,
    `Call-ID: raw-${n}`,
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function responses(peer: UdpPeer): SipResponse[] {
  return peer.received.map((r) => parseMessage(r.data) as SipResponse).filter((m) => !m.isRequest);
}

const all: TestUA[] = [];
after(async () => {
  await Promise.all(all.map((u) => u.close()));
});

describe('request checks', () => {
  let h: SipdHarness;
  let peer: UdpPeer;
  before(async () => {
    h = await SipdHarness.start({
      users: [['bob', 'bob-pw']],
      config: '[limits]\nmax_message_size = 4096\n[timers]\ndrain_ms = 500\n',
    });
    peer = await UdpPeer.open();
  });
  after(async () => {
    await peer.close();
    await h.stop();
  });

  async function ask(text: string): Promise<SipResponse> {
    const before = peer.received.length;
    await peer.send(text, h.udpPort);
    await waitFor(
      () =>
        responses(peer)
          .slice(before)
          .some((r) => r.status >= 200),
      3000,
      'a final response',
    );
    return peer.received
      .slice(before)
      .map((r) => parseMessage(r.data) as SipResponse)
      .find((r) => r.status >= 200)!;
  }

  test('Max-Forwards: 0 gets 483 Too Many Hops; an OPTIONS for the server itself gets 200 anyway', async () => {
    const r = await ask(raw(peer.port, `MESSAGE sip:bob@${DOMAIN} SIP/2.0`, ['Max-Forwards: 0']));
    assert.equal(r.status, 483);
    const o = await ask(raw(peer.port, `OPTIONS sip:127.0.0.1:${h.udpPort} SIP/2.0`, ['Max-Forwards: 0']));
    assert.equal(o.status, 200);
    assert.match(o.get('allow') ?? '', /INVITE/);
  });

  test('Proxy-Require with an unknown option is 420 with Unsupported; a tel: Request-URI is 416', async () => {
    const r = await ask(
      raw(peer.port, `MESSAGE sip:bob@${DOMAIN} SIP/2.0`, ['Max-Forwards: 70', 'Proxy-Require: foo']),
    );
    assert.equal(r.status, 420);
    assert.equal(r.get('unsupported'), 'foo');
    const t = await ask(raw(peer.port, 'MESSAGE tel:+15551234 SIP/2.0', ['Max-Forwards: 70']));
    assert.equal(t.status, 416);
  });

  test('a datagram over limits.max_message_size gets 513 Message Too Large', async () => {
    const big = 'x'.repeat(5000);
    const r = await ask(raw(peer.port, `MESSAGE sip:bob@${DOMAIN} SIP/2.0`, ['Max-Forwards: 70'], { body: big }));
    assert.equal(r.status, 513);
    const s = await h.stats('core.parse_errors');
    assert.ok(s['core.parse_errors']! >= 1);
  });

  test('over TCP, a Content-Length beyond the limit gets 513 before the connection is closed', async () => {
    const tcp = await TcpPeer.connect(h.tcpPort);
    try {
      const head = raw(tcp.localPort, `MESSAGE sip:bob@${DOMAIN} SIP/2.0`, ['Max-Forwards: 70'], { proto: 'TCP' });
      await tcp.write(head.replace('Content-Length: 0', 'Content-Length: 100000'));
      await waitFor(() => tcp.data.includes('\r\n\r\n') || tcp.closed, 3000, '513 or close');
      assert.match(tcp.data, /^SIP\/2\.0 513 /);
      await waitFor(() => tcp.closed, 3000, 'the connection closed');
    } finally {
      tcp.close();
    }
  });
});

describe('routing rules', () => {
  let h: SipdHarness;
  let alice: TestUA;
  let bob: TestUA;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: `[auth]\nmethods = []\nsecret = "${SECRET}"\n[timers]\nfr_inv_ms = 1000\ndrain_ms = 3000\n`,
    });
    alice = await TestUA.create({ user: 'alice', password: 'alice-pw', domain: DOMAIN, proxy: h.proxy() });
    bob = await TestUA.create({ user: 'bob', password: 'bob-pw', domain: DOMAIN, proxy: h.proxy() });
    all.push(alice, bob);
    assert.equal((await bob.register({ expires: 600 })).status, 200);
  });
  after(() => h.stop());

  async function established(): Promise<{ res: SipResponse; callId: string }> {
    bob.invitePolicy = { kind: 'answer' };
    const call = alice.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    return { res, callId: call.callId };
  }

  test('a request from a strict router (our Record-Route as Request-URI) is restored per §16.4', async () => {
    const { res, callId } = await established();
    const rr = res.getAll('record-route')[0]!.replace(/^<|>$/g, '');
    const target = bob.contactUri;
    // What a strict router before us sends: R-URI = our route URI, the remote target last in Route.
    const bye = alice.build('BYE', {
      uri: rr,
      to: res.get('to')!,
      from: (await firstInvite(bob, callId)).get('from')!,
      callId,
      cseq: 2,
      contact: null,
      headers: [['Route', `<${target}>`]],
    });
    assert.equal((await alice.send(bye)).status, 200);
    const got = bob.requests('BYE').find((r) => r.callId() === callId)!;
    assert.equal(got.uri, target, 'the Request-URI is the remote target again');
    assert.equal(got.has('route'), false);
  });

  test('a strict router downstream gets the Request-URI per §16.6 step 6', async () => {
    const strict = await UdpPeer.open();
    try {
      const target = `sip:carol@127.0.0.1:9`;
      const msg = raw(
        strict.port,
        `MESSAGE ${target} SIP/2.0`,
        [
          'Max-Forwards: 70',
          `Route: <sip:127.0.0.1:${h.udpPort};lr;sig=MARK>, <sip:strict@127.0.0.1:${strict.port}>`,
          `To: <sip:carol@far.example>;tag=dlg`,
        ].filter(Boolean),
      ).replace(`To: <sip:bob@${DOMAIN}>\r\n`, '');
      // An in-dialog request is relayed only along a Route sipd signed for its dialog (as a node of
      // the same cluster would have: same auth.secret).
      const parsed = parseMessage(Buffer.from(msg.replace(';sig=MARK', ''), 'latin1')) as SipRequest;
      const mark = new RouteMarks(SECRET).mark({ callId: parsed.callId(), fromTag: parsed.fromTag()!, scope: 'open' });
      await strict.send(msg.replace('MARK', mark), h.udpPort);
      await waitFor(() => strict.received.some((r) => r.data.toString('latin1').startsWith('MESSAGE ')), 3000, 'relay');
      const fwd = parseMessage(strict.received.find((r) => r.data.toString('latin1').startsWith('MESSAGE '))!.data);
      const req = fwd as SipRequest;
      assert.equal(req.uri, `sip:strict@127.0.0.1:${strict.port}`, 'the strict router is the Request-URI');
      assert.deepEqual(req.getAll('route'), [`<${target}>`], 'the old Request-URI goes last in Route');
      // Answer, so that sipd's transaction ends (the graceful stop below waits for work in progress).
      await strict.send(serialize(createResponse(req, 200)), h.udpPort);
      await waitFor(
        () => strict.received.some((r) => r.data.toString('latin1').startsWith('SIP/2.0 200')),
        3000,
        '200',
      );
    } finally {
      await strict.close();
    }
  });

  test('Timer C (timers.fr_inv_ms): an unanswered ringing branch is cancelled and the caller gets 408', async () => {
    bob.invitePolicy = { kind: 'ring' };
    const call = alice.call('bob');
    const before = await h.stats('tm.timeouts');
    const res = await call.final;
    assert.equal(res.status, 408);
    assert.ok(bob.requests('CANCEL').some((r) => r.callId() === call.callId));
    assert.equal((await h.stats('tm.timeouts'))['tm.timeouts']! - before['tm.timeouts']!, 1, 'counted in tm.timeouts');
  });

  test('a call from a TCP phone to a UDP phone: double Record-Route, ACK and BYE cross transports', async () => {
    const tcpAlice = await TestUA.create({ user: 'alice', domain: DOMAIN, proxy: h.proxy('TCP') });
    all.push(tcpAlice);
    bob.invitePolicy = { kind: 'answer' };
    const call = tcpAlice.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    const rr = res.getAll('record-route');
    assert.equal(rr.length, 2, 'one Record-Route per side');
    assert.match(rr[0]!, new RegExp(`127\\.0\\.0\\.1:${h.udpPort};lr`));
    assert.match(rr[1]!, new RegExp(`127\\.0\\.0\\.1:${h.tcpPort};transport=tcp;lr`));
    await call.ack(res);
    await bob.waitForRequests('ACK', bob.requests('ACK').length);
    assert.equal((await call.bye(res)).status, 200);
    const bye = bob.requests('BYE').find((r) => r.callId() === call.callId)!;
    assert.equal(bye.has('route'), false, 'both of our Route values were consumed');
    const ack = bob.requests('ACK').find((r) => r.callId() === call.callId)!;
    assert.ok(ack, 'the ACK crossed from TCP to UDP');
  });

  test('graceful stop: a ringing call still gets its answer, new requests get 503', async () => {
    bob.invitePolicy = { kind: 'ring' };
    const call = alice.call('bob');
    await call.ringing;
    const stopping = h.server.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    const late = await alice.send(alice.build('MESSAGE', { uri: `sip:bob@${DOMAIN}` }));
    assert.equal(late.status, 503);
    assert.equal(stopped, false, 'sipd waits for the call in progress');
    bob.answerPending(bob.requests('INVITE').at(-1)!.callId(), 486);
    assert.equal((await call.final).status, 486);
    await stopping;
    await h.restart();
  });
});

async function firstInvite(u: TestUA, callId: string): Promise<SipRequest> {
  await waitFor(() => u.requests('INVITE').some((r) => r.callId() === callId), 3000, 'INVITE');
  return u.requests('INVITE').find((r) => r.callId() === callId)!;
}
