/**
 * No relay for strangers (issue 9), over real sockets: an attacker on 127.0.0.1 tries every way
 * to make sipd send a request or response to a foreign listener on 127.0.0.2 (UDP and TCP), which
 * must receive nothing at all:
 * - in-dialog INVITE/MESSAGE/ACK (To tag) with `Route: <sip:SIPD;lr>` unsigned, with a wrong
 *   mark, or with the mark of another dialog, followed by a foreign Route or with a foreign
 *   Request-URI; the strict-router form (§16.4: our Record-Route as Request-URI);
 * - an initial request with a pre-loaded Route naming sipd and then the foreign hop;
 * - a Request-URI with maddr naming the foreign host (initial and in-dialog);
 * - a stray response whose top Via names sipd and whose second Via names the foreign listener.
 * The attacker's status codes are asserted (403, 404; ACKs dropped and counted). Positive cases:
 * a call with Record-Route, its ACK, re-INVITEs and BYE from either side; a TCP caller and a UDP
 * callee (double Record-Route) with in-dialog requests both ways, and a tampered one refused;
 * OPTIONS to sipd itself answered 200 without a challenge; an authenticated local user may still
 * pre-load a Route.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createResponse,
  parseMessage,
  RouteMarks,
  serialize,
  type SipRequest,
  type SipResponse,
} from '../../../src/core/index.js';
import { ROUTE_KEY_FILE } from '../../../src/daemon/routing/route-secret.js';
import { dialogSides, sendInDialog } from '../../helpers/dialog.js';
import { freeUdpPort } from '../../helpers/procs.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { sleep, TcpPeer, UdpPeer, waitFor } from '../../helpers/net.js';
import { TestUA } from '../../helpers/test-ua.js';

const SECRET = 'relay-hardening test cluster secret';
const FOREIGN = '127.0.0.2';
/** How long a relay would take at most to show at the foreign listener after sipd decided. */
const SETTLE_MS = 400;

/** A TCP listener that records every connection and every byte. */
class ForeignTcp {
  connections = 0;
  data = '';
  private constructor(readonly server: Server) {}
  static async open(host: string): Promise<ForeignTcp> {
    const server = createServer();
    const f = new ForeignTcp(server);
    server.on('connection', (s) => {
      f.connections++;
      s.on('data', (d) => (f.data += d.toString('latin1')));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, host, () => r()));
    return f;
  }
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

let seq = 0;
interface RawInit {
  method: string;
  uri: string;
  /** the sender's address for Via */
  viaPort: number;
  proto?: 'UDP' | 'TCP';
  callId?: string;
  fromTag?: string;
  from?: string;
  toTag?: string;
  routes?: string[];
  cseq?: number;
}
/** A request as an attacker writes it. */
function raw(o: RawInit): { text: string; callId: string } {
  const n = ++seq;
  const callId = o.callId ?? `attack-${n}@127.0.0.1`;
  const method = o.method;
  const text = [
    `${method} ${o.uri} SIP/2.0`,
    `Via: SIP/2.0/${o.proto ?? 'UDP'} 127.0.0.1:${o.viaPort};branch=z9hG4bKatk${n};rport`,
    'Max-Forwards: 70',
    o.from ?? `From: <sip:mallory@evil.example>;tag=${o.fromTag ?? `m${n}`}`,
    `To: <sip:bob@${DOMAIN}>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
    ...(o.routes ?? []).map((r) => `Route: ${r}`),
    'Contact: <sip:mallory@127.0.0.1:9>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { text, callId };
}

describe('no relay for strangers', () => {
  let h: SipdHarness;
  let attacker: UdpPeer;
  let foreign: UdpPeer;
  let foreignTcp: ForeignTcp;
  let alice: TestUA;
  let bob: TestUA;
  const uas: TestUA[] = [];
  const marks = new RouteMarks(SECRET);

  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: `[auth]\nsecret = "${SECRET}"\n[timers]\nfr_ms = 2000\nfr_inv_ms = 3000\ndrain_ms = 500\n`,
    });
    attacker = await UdpPeer.open();
    foreign = await UdpPeer.open(FOREIGN);
    foreignTcp = await ForeignTcp.open(FOREIGN);
    alice = await TestUA.create({ user: 'alice', password: 'alice-pw', domain: DOMAIN, proxy: h.proxy() });
    bob = await TestUA.create({ user: 'bob', password: 'bob-pw', domain: DOMAIN, proxy: h.proxy() });
    uas.push(alice, bob);
    assert.equal((await bob.register({ expires: 600 })).status, 200);
    bob.invitePolicy = { kind: 'answer' };
  });
  after(async () => {
    // Whatever happened in between, nothing ever reached the foreign listener.
    await sleep(SETTLE_MS);
    const got = foreign.texts().map((t) => t.split('\r\n')[0]);
    await Promise.all(uas.map((u) => u.close()));
    await attacker.close();
    await foreign.close();
    await foreignTcp.close();
    await h.stop();
    assert.deepEqual(got, [], 'the foreign UDP listener received nothing');
    assert.equal(foreignTcp.connections, 0, 'nobody connected to the foreign TCP listener');
  });

  const ours = (extra = '') => `<sip:127.0.0.1:${h.udpPort};lr${extra}>`;
  const foreignRoute = (tcp = false) =>
    `<sip:${FOREIGN}:${tcp ? foreignTcp.port : foreign.port};lr${tcp ? ';transport=tcp' : ''}>`;
  const foreignUri = (tcp = false) =>
    `sip:victim@${FOREIGN}:${tcp ? foreignTcp.port : foreign.port}${tcp ? ';transport=tcp' : ''}`;

  /** Responses the attacker got for requests with this Call-ID and method. */
  function answers(callId: string, method: string): SipResponse[] {
    return attacker.received
      .map((r) => parseMessage(r.data))
      .filter((m): m is SipResponse => !m.isRequest && m.callId() === callId && m.cseq().method === method);
  }

  /** The attacker's final response for the request (sent over UDP). */
  async function finalFor(msg: { text: string; callId: string }): Promise<SipResponse> {
    const method = msg.text.split(' ')[0]!;
    const finals = () => answers(msg.callId, method).filter((r) => r.status >= 200);
    await waitFor(() => finals().length > 0, 5000, `a final response to ${method}`);
    return finals()[0]!;
  }

  async function attack(msg: { text: string; callId: string }): Promise<SipResponse> {
    await attacker.send(msg.text, h.udpPort);
    return finalFor(msg);
  }

  /** Wait until a statistic has grown by `n` (or 3 s passed); returns the growth. */
  async function grown(name: string, before: number, n: number): Promise<number> {
    const until = Date.now() + 3000;
    let now = (await h.stats(name))[name]!;
    while (now - before < n && Date.now() < until) {
      await sleep(20);
      now = (await h.stats(name))[name]!;
    }
    return now - before;
  }

  /** An ACK gets no answer: nothing comes back, and it is counted as a refused relay or a drop. */
  async function attackAck(msg: { text: string; callId: string }, counter: string): Promise<void> {
    const before = (await h.stats(counter))[counter]!;
    await attacker.send(msg.text, h.udpPort);
    assert.equal(await grown(counter, before, 1), 1, `counted in ${counter}`);
    await sleep(SETTLE_MS);
    assert.deepEqual(answers(msg.callId, 'ACK'), [], 'no answer to an ACK');
  }

  async function assertForeignSilent(): Promise<void> {
    await sleep(SETTLE_MS);
    assert.deepEqual(
      foreign.texts().map((t) => t.split('\r\n')[0]),
      [],
      'the foreign UDP listener received nothing',
    );
    assert.equal(foreignTcp.connections, 0, 'nobody connected to the foreign TCP listener');
  }

  /** A real call alice → bob through sipd: the 2xx (with sipd's signed Record-Route) and bob's INVITE. */
  async function realCall(caller = alice): Promise<{ res: SipResponse; invite: SipRequest }> {
    bob.invitePolicy = { kind: 'answer' };
    const call = caller.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    await waitFor(() => bob.requests('INVITE').some((r) => r.callId() === call.callId), 3000, 'INVITE at bob');
    return {
      res,
      invite: bob
        .requests('INVITE')
        .filter((r) => r.callId() === call.callId)
        .at(-1)!,
    };
  }

  test('in-dialog INVITE/MESSAGE with an unsigned Route naming sipd: 403, nothing relayed (foreign R-URI or foreign Route)', async () => {
    const before = (await h.stats('security.relay_denied'))['security.relay_denied']!;
    for (const method of ['INVITE', 'MESSAGE']) {
      const viaPort = attacker.port;
      const a = await attack(raw({ method, uri: foreignUri(), viaPort, toTag: 'x1', routes: [ours()] }));
      assert.equal(a.status, 403, `${method} to a foreign Request-URI`);
      assert.match(a.reason, /not signed/);
      const b = await attack(
        raw({ method, uri: `sip:bob@${DOMAIN}`, viaPort, toTag: 'x2', routes: [ours(), foreignRoute()] }),
      );
      assert.equal(b.status, 403, `${method} with a foreign Route after ours`);
      const c = await attack(
        raw({ method, uri: foreignUri(), viaPort, toTag: 'x3', routes: [`${ours()}, ${foreignRoute()}`] }),
      );
      assert.equal(c.status, 403, `${method} with both Route values in one header`);
    }
    const now = (await h.stats('security.relay_denied'))['security.relay_denied']!;
    assert.equal(now - before, 6, 'each refusal counted in security.relay_denied');
    await assertForeignSilent();
  });

  test('a wrong mark, or the mark of another dialog: 403; ACKs with them are dropped silently and counted', async () => {
    const { res } = await realCall();
    const rr = res.getAll('record-route')[0]!;
    assert.match(rr, /;sig=[lo][A-Za-z0-9_-]{16}>$/, 'sipd signs its Record-Route');
    const fromTag = res.fromTag()!;
    const toTag = res.toTag()!;
    const viaPort = attacker.port;
    const wrong = ours(`;sig=o${'A'.repeat(16)}`);
    // The route of a real dialog, replayed in another dialog (another Call-ID; or the same Call-ID, other tags).
    const cases: Array<[string, Partial<RawInit>]> = [
      ['wrong mark', { routes: [wrong, foreignRoute()], toTag: 't' }],
      ['other Call-ID', { routes: [rr, foreignRoute()], fromTag, toTag }],
      ['other tags', { routes: [rr, foreignRoute()], callId: res.callId(), fromTag: 'nope', toTag: 'nope2' }],
    ];
    for (const [what, o] of cases) {
      for (const method of ['INVITE', 'MESSAGE']) {
        const r = await attack(raw({ method, uri: foreignUri(), viaPort, ...o }));
        assert.equal(r.status, 403, `${method}, ${what}`);
      }
      await attackAck(raw({ method: 'ACK', uri: foreignUri(), viaPort, ...o }), 'security.relay_denied');
    }
    // An unsigned ACK and one that does not name sipd at all (dropped as before).
    await attackAck(
      raw({ method: 'ACK', uri: foreignUri(), viaPort, toTag: 'a', routes: [ours()] }),
      'security.relay_denied',
    );
    await attackAck(raw({ method: 'ACK', uri: foreignUri(), viaPort, toTag: 'a' }), 'core.drop_requests');
    await assertForeignSilent();
  });

  test('an in-dialog request that does not name sipd gets 404 (§12.2.2), as before', async () => {
    const r = await attack(raw({ method: 'MESSAGE', uri: foreignUri(), viaPort: attacker.port, toTag: 'z' }));
    assert.equal(r.status, 404);
    await assertForeignSilent();
  });

  test('over TCP: an unsigned in-dialog route to a foreign TCP hop gets 403 on the connection; nothing connects', async () => {
    const tcp = await TcpPeer.connect(h.tcpPort);
    try {
      const msg = raw({
        method: 'INVITE',
        uri: foreignUri(true),
        viaPort: tcp.localPort,
        proto: 'TCP',
        toTag: 'tcp1',
        routes: [`<sip:127.0.0.1:${h.tcpPort};transport=tcp;lr>`, foreignRoute(true)],
      });
      await tcp.write(msg.text);
      await waitFor(() => /^SIP\/2\.0 [2-6]\d\d /m.test(tcp.data), 5000, 'a final response over TCP');
      assert.match(tcp.data, /^SIP\/2\.0 403 /m);
    } finally {
      tcp.close();
    }
    await assertForeignSilent();
  });

  test('strict-router form (our Record-Route URI as Request-URI, §16.4): unsigned or another dialog’s mark gets 403', async () => {
    const { res } = await realCall();
    const rrUri = res.getAll('record-route')[0]!.replace(/^<|>$/g, '');
    const viaPort = attacker.port;
    for (const uri of [`sip:127.0.0.1:${h.udpPort};lr`, rrUri]) {
      const r = await attack(raw({ method: 'INVITE', uri, viaPort, toTag: 's', routes: [`<${foreignUri()}>`] }));
      assert.equal(r.status, 403, `Request-URI ${uri}`);
    }
    await assertForeignSilent();
  });

  test('an initial request with a pre-loaded Route to sipd and then a foreign hop: 403 Preload Route denied', async () => {
    const viaPort = attacker.port;
    for (const method of ['INVITE', 'MESSAGE']) {
      // To a registered local user: before, sipd sent it to the first Route left, the foreign hop.
      const r = await attack(raw({ method, uri: `sip:bob@${DOMAIN}`, viaPort, routes: [ours(), foreignRoute()] }));
      assert.equal(r.status, 403, method);
      assert.match(r.reason, /Preload Route denied/);
      const t = await attack(raw({ method, uri: `sip:bob@${DOMAIN}`, viaPort, routes: [foreignRoute(true)] }));
      assert.equal(t.status, 403, `${method} with only a foreign (TCP) Route`);
    }
    await assertForeignSilent();
  });

  test('maddr in the Request-URI does not steer sipd: 403 for strangers and in dialogs', async () => {
    const viaPort = attacker.port;
    const maddr = `;maddr=${FOREIGN}`;
    for (const uri of [`sip:bob@${DOMAIN}${maddr}`, `sip:bob@${DOMAIN}:${foreign.port}${maddr}`]) {
      const r = await attack(raw({ method: 'INVITE', uri, viaPort }));
      assert.equal(r.status, 403, uri);
      assert.match(r.reason, /maddr/);
    }
    const far = await attack(raw({ method: 'MESSAGE', uri: `sip:x@far.example${maddr}`, viaPort }));
    assert.equal(far.status, 403, 'a foreign domain needs an authenticated caller anyway');
    // A correctly signed in-dialog request may not use maddr to go elsewhere either.
    const callId = `maddr-${Date.now()}@127.0.0.1`;
    const signed = ours(`;sig=${marks.mark({ callId, fromTag: 'mf', scope: 'open' })}`);
    const uri = `sip:x@127.0.0.1:9${maddr};transport=udp`;
    const d = await attack(
      raw({ method: 'MESSAGE', uri, viaPort, callId, fromTag: 'mf', toTag: 'mt', routes: [signed] }),
    );
    assert.equal(d.status, 403);
    assert.match(d.reason, /maddr/);
    await assertForeignSilent();
  });

  test('a stray response whose top Via names sipd is dropped, not reflected to the second Via', async () => {
    const before = await h.stats('core.drop_replies', 'core.fwd_replies');
    for (const status of ['200 OK', '180 Ringing', '486 Busy Here']) {
      const text = [
        `SIP/2.0 ${status}`,
        `Via: SIP/2.0/UDP 127.0.0.1:${h.udpPort};branch=z9hG4bKnotours${status.slice(0, 3)}`,
        `Via: SIP/2.0/UDP ${FOREIGN}:${foreign.port};branch=z9hG4bKvictim`,
        `From: <sip:mallory@evil.example>;tag=a`,
        `To: <sip:victim@${FOREIGN}>;tag=b`,
        `Call-ID: stray-${status.slice(0, 3)}`,
        'CSeq: 1 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      await attacker.send(text, h.udpPort);
    }
    assert.equal(await grown('core.drop_replies', before['core.drop_replies']!, 3), 3, 'counted in core.drop_replies');
    const now = await h.stats('core.fwd_replies');
    assert.equal(now['core.fwd_replies']! - before['core.fwd_replies']!, 0);
    await assertForeignSilent();
  });

  test('a Via with maddr (or a foreign sent-by) does not aim the response at a third party: it goes to the sender', async () => {
    for (const [i, via] of [
      `Via: SIP/2.0/UDP ${FOREIGN}:${foreign.port};maddr=${FOREIGN};rport;branch=z9hG4bKrefl1`,
      `Via: SIP/2.0/UDP ${FOREIGN}:${foreign.port};rport;branch=z9hG4bKrefl2`,
    ].entries()) {
      const callId = `reflect-${i}@evil.example`;
      const text = [
        `OPTIONS sip:bob@${DOMAIN} SIP/2.0`,
        via,
        'Max-Forwards: 70',
        `From: <sip:mallory@evil.example>;tag=r${i}`,
        `To: <sip:bob@${DOMAIN}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      await attacker.send(text, h.udpPort);
      await waitFor(() => answers(callId, 'OPTIONS').length > 0, 5000, `the answer to ${callId} at the sender`);
    }
    await assertForeignSilent();
  });

  test('a signed route is relayed (the control for the cases above): in-dialog MESSAGE reaches its target', async () => {
    const friend = await UdpPeer.open();
    try {
      const callId = `signed-${Date.now()}@127.0.0.1`;
      const signed = ours(`;sig=${marks.mark({ callId, fromTag: 'callee-tag', scope: 'open' })}`);
      // From the callee's side: the initial From tag is now the To tag.
      const msg = raw({
        method: 'MESSAGE',
        uri: `sip:alice@127.0.0.1:${friend.port}`,
        viaPort: attacker.port,
        callId,
        fromTag: 'other-side',
        toTag: 'callee-tag',
        routes: [signed],
      });
      await attacker.send(msg.text, h.udpPort);
      await waitFor(() => friend.received.length > 0, 5000, 'the MESSAGE at its target');
      const got = parseMessage(friend.received[0]!.data) as SipRequest;
      assert.equal(got.method, 'MESSAGE');
      assert.equal(got.has('route'), false, 'sipd consumed its Route');
      await friend.send(serialize(createResponse(got, 200)), h.udpPort);
      assert.equal((await finalFor(msg)).status, 200, 'the answer came back through sipd');
    } finally {
      await friend.close();
    }
  });

  test('a real call: ACK for the 2xx, re-INVITE and BYE from the caller and from the callee follow the signed route', async () => {
    for (const hangup of ['caller', 'callee'] as const) {
      const { res, invite } = await realCall();
      assert.match(invite.getAll('record-route')[0]!, /;sig=/);
      await waitFor(() => bob.requests('ACK').some((r) => r.callId() === res.callId()), 3000, 'ACK for 2xx at bob');
      const { callerSide, calleeSide } = dialogSides(alice, bob, res, invite);
      bob.invitePolicy = { kind: 'answer' };
      const reinvite = await sendInDialog(callerSide, 'INVITE');
      assert.equal(reinvite.status, 200, 're-INVITE from the caller');
      const back = await sendInDialog(calleeSide, 'INVITE');
      assert.equal(back.status, 200, 're-INVITE from the callee');
      await waitFor(() => bob.requests('ACK').filter((r) => r.callId() === res.callId()).length >= 2, 3000, 'ACK');
      await waitFor(() => alice.requests('ACK').some((r) => r.callId() === res.callId()), 3000, 'ACK at alice');
      const msg = await sendInDialog(hangup === 'caller' ? callerSide : calleeSide, 'BYE');
      assert.equal(msg.status, 200, `BYE from the ${hangup}`);
      const at = hangup === 'caller' ? bob : alice;
      const bye = at.requests('BYE').find((r) => r.callId() === res.callId())!;
      assert.equal(bye.count('via'), 2, 'the BYE came through sipd');
      assert.equal(bye.has('route'), false);
    }
  });

  test("a stranger's own dialog with a local user does not open a relay: only requests from or to our user pass", async () => {
    // mallory is nobody's subscriber: her INVITE to bob is relayed unauthenticated (bob is ours),
    // so she holds a validly signed route for that dialog.
    const mallory = await TestUA.create({ user: 'mallory', domain: 'evil.example', proxy: h.proxy() });
    uas.push(mallory);
    bob.invitePolicy = { kind: 'answer' };
    const call = mallory.call(`sip:bob@${DOMAIN}`);
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    await waitFor(() => bob.requests('INVITE').some((r) => r.callId() === call.callId), 3000, 'INVITE at bob');
    const invite = bob
      .requests('INVITE')
      .filter((r) => r.callId() === call.callId)
      .at(-1)!;
    assert.match(res.getAll('record-route')[0]!, /;sig=l/, 'a stranger’s dialog is marked local');
    const { callerSide, calleeSide } = dialogSides(mallory, bob, res, invite);
    const before = await h.stats('security.relay_denied');
    // The signed route with a foreign target, from either "side" (she can swap the tags).
    for (const side of [callerSide, { ...calleeSide, ua: mallory }]) {
      for (const method of ['MESSAGE', 'INVITE']) {
        const r = await sendInDialog({ ...side, target: foreignUri() }, method);
        assert.equal(r.status, 403, `${method} to a foreign target`);
        assert.match(r.reason, /not a party/);
      }
      const r = await sendInDialog({ ...side, target: `sip:x@${DOMAIN}` }, 'MESSAGE', [...side.routes, foreignRoute()]);
      assert.equal(r.status, 403, 'a foreign Route after ours');
    }
    assert.ok((await grown('security.relay_denied', before['security.relay_denied']!, 5)) >= 5);
    // Talking to bob, and bob talking back, work as in any call.
    assert.equal((await sendInDialog(callerSide, 'MESSAGE')).status, 200, 'stranger → our user');
    assert.equal((await sendInDialog(calleeSide, 'MESSAGE')).status, 200, 'our user → stranger');
    assert.equal((await sendInDialog(calleeSide, 'BYE')).status, 200, 'BYE from our user');
    await assertForeignSilent();
  });

  test('double Record-Route (TCP caller, UDP callee): in-dialog requests cross both ways; a tampered value gets 403', async () => {
    const tcpAlice = await TestUA.create({
      user: 'alice',
      password: 'alice-pw',
      domain: DOMAIN,
      proxy: h.proxy('TCP'),
    });
    uas.push(tcpAlice);
    const { res, invite } = await realCall(tcpAlice);
    const rr = res.getAll('record-route');
    assert.equal(rr.length, 2, 'one Record-Route per transport');
    const sig = (v: string) => /;sig=([^;>]+)/.exec(v)?.[1];
    assert.ok(sig(rr[0]!) && sig(rr[0]!) === sig(rr[1]!), 'both carry the dialog’s mark');
    const { callerSide, calleeSide } = dialogSides(tcpAlice, bob, res, invite);
    assert.equal((await sendInDialog(calleeSide, 'INVITE')).status, 200, 'UDP → TCP re-INVITE');
    assert.equal((await sendInDialog(callerSide, 'MESSAGE')).status, 200, 'TCP → UDP MESSAGE');
    // Tamper with either value: the request is refused and reaches nobody.
    const tamper = (v: string) =>
      v.replace(/;sig=([^;>]+)/, (_m, s: string) => `;sig=${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`);
    const before = bob.requests('MESSAGE').length;
    for (const i of [0, 1]) {
      const routes = callerSide.routes.map((v, j) => (j === i ? tamper(v) : v));
      const r = await sendInDialog(callerSide, 'MESSAGE', routes);
      assert.equal(r.status, 403, `tampered value ${i}`);
    }
    const calleeRoutes = calleeSide.routes.map((v, j) => (j === 1 ? tamper(v) : v));
    assert.equal((await sendInDialog(calleeSide, 'MESSAGE', calleeRoutes)).status, 403, 'tampered from the callee');
    assert.equal(bob.requests('MESSAGE').length, before, 'no tampered request reached bob');
    assert.equal((await sendInDialog(calleeSide, 'BYE')).status, 200, 'BYE from the callee across transports');
  });

  test('OPTIONS to sipd itself gets 200 without a challenge, from a local user too (keepalive)', async () => {
    for (const uri of [`sip:${DOMAIN}`, `sip:${DOMAIN}:5999`, `sip:127.0.0.1:${h.udpPort}`]) {
      const r = await alice.send(alice.build('OPTIONS', { uri }));
      assert.equal(r.status, 200, uri);
      assert.match(r.get('allow') ?? '', /INVITE/);
    }
    const stranger = await attack(raw({ method: 'OPTIONS', uri: `sip:${DOMAIN}`, viaPort: attacker.port }));
    assert.equal(stranger.status, 200);
    // Not for a port sipd does not listen on at one of its addresses: that is someone else.
    const other = await alice.send(alice.build('OPTIONS', { uri: `sip:127.0.0.1:${foreign.port}` }));
    assert.notEqual(other.status, 200);
  });

  test('an authenticated local user may pre-load a Route (relay needs authentication, it is not forbidden)', async () => {
    const friend = await UdpPeer.open();
    try {
      const route: [string, string] = ['Route', `<sip:127.0.0.1:${friend.port};lr>`];
      const callId = `preload-${Date.now()}@127.0.0.1`;
      const sent = alice.sendWithAuth((attempt) =>
        alice.build('MESSAGE', { uri: `sip:bob@${DOMAIN}`, callId, cseq: 1 + attempt, headers: [route] }),
      );
      await waitFor(() => friend.received.length > 0, 5000, 'the MESSAGE at the pre-loaded hop');
      const got = parseMessage(friend.received[0]!.data) as SipRequest;
      assert.equal(got.callId(), callId);
      await friend.send(serialize(createResponse(got, 200)), h.udpPort);
      assert.equal((await sent).final.status, 200);
    } finally {
      await friend.close();
    }
  });
});

describe('signed Record-Route across a restart (auth.secret = "")', () => {
  let h: SipdHarness;
  let alice: TestUA;
  let bob: TestUA;
  before(async () => {
    // A fixed port, so that the Record-Route of a call made before the restart still names sipd.
    const port = await freeUdpPort();
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      listen: [`udp:127.0.0.1:${port}`],
      config: '[timers]\ndrain_ms = 500\n',
    });
    alice = await TestUA.create({ user: 'alice', password: 'alice-pw', domain: DOMAIN, proxy: h.proxy() });
    bob = await TestUA.create({ user: 'bob', password: 'bob-pw', domain: DOMAIN, proxy: h.proxy() });
    assert.equal((await bob.register({ expires: 600 })).status, 200);
  });
  after(async () => {
    await alice.close();
    await bob.close();
    await h.stop();
  });

  test('the generated key is kept in DATA_DIR/route-mark.key (0600): a call survives the restart', async () => {
    bob.invitePolicy = { kind: 'answer' };
    const call = alice.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    await call.ack(res);
    const keyFile = join(h.dir, 'data', ROUTE_KEY_FILE);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const key = readFileSync(keyFile, 'utf8');
    await h.restart();
    assert.equal(readFileSync(keyFile, 'utf8'), key, 'the same key after the restart');
    const bye = await call.bye(res);
    assert.equal(bye.status, 200, 'the BYE of a call set up before the restart is relayed');
    assert.ok(bob.requests('BYE').some((r) => r.callId() === call.callId));
  });
});
