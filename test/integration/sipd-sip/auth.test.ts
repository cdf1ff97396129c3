/**
 * Authentication and protection on the proxy side: 407 for INVITE and MESSAGE from local users,
 * no open relay, From must be the authenticated user, failures counted, a ban after repeated
 * failures (requests dropped and counted) and the per-source rate limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseDigestChallenge } from '../../../src/core/index.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { UdpPeer, waitFor } from '../../helpers/net.js';
import { sleep, TestUA } from '../../helpers/test-ua.js';

describe('caller authentication and relaying', () => {
  let h: SipdHarness;
  let alice: TestUA;
  let bob: TestUA;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: '[timers]\ndrain_ms = 500\n',
    });
    alice = await h.ua('alice', 'alice-pw');
    bob = await h.ua('bob', 'bob-pw');
    assert.equal((await bob.register({ expires: 600 })).status, 200);
  });
  after(() => h.stop());

  test('INVITE and MESSAGE from a local user are challenged with 407 Proxy-Authenticate', async () => {
    for (const method of ['INVITE', 'MESSAGE']) {
      const req = alice.build(method, { uri: `sip:bob@${DOMAIN}`, body: method === 'INVITE' ? 'v=0\r\n' : undefined });
      const res = await alice.send(req);
      assert.equal(res.status, 407, method);
      const ch = parseDigestChallenge(res.get('proxy-authenticate')!, 'proxy-authenticate');
      assert.equal(ch.realm, DOMAIN);
      assert.equal(res.has('www-authenticate'), false);
    }
    assert.equal(bob.requests('MESSAGE').length, 0, 'nothing reached bob');
    // With credentials the MESSAGE is relayed to bob's phone, which answers 200.
    const { final } = await alice.sendWithAuth((n) =>
      alice.build('MESSAGE', { uri: `sip:bob@${DOMAIN}`, callId: 'msg-1', cseq: 1 + n }),
    );
    assert.equal(final.status, 200);
    const [m] = await bob.waitForRequests('MESSAGE');
    assert.equal(m!.callId(), 'msg-1');
  });

  test('a request from another domain to a local user is not challenged', async () => {
    const outsider = await h.ua('zed', undefined, { domain: 'other.example' });
    const res = await outsider.send(outsider.build('MESSAGE', { uri: `sip:bob@${DOMAIN}`, callId: 'msg-ext' }));
    assert.equal(res.status, 200);
    assert.ok(bob.requests('MESSAGE').some((r) => r.callId() === 'msg-ext'));
  });

  test('no open relay: foreign to foreign is 403; a local user is challenged, then relayed', async () => {
    const target = await h.ua('x', undefined, { domain: 'far.example' });
    const foreignUri = `sip:x@127.0.0.1:${target.port}`;
    const outsider = await h.ua('zed', undefined, { domain: 'other.example' });
    const denied = await outsider.send(outsider.build('MESSAGE', { uri: foreignUri, callId: 'relay-1' }));
    assert.equal(denied.status, 403);
    const challenged = await alice.send(alice.build('MESSAGE', { uri: foreignUri, callId: 'relay-2' }));
    assert.equal(challenged.status, 407);
    assert.equal(target.requests('MESSAGE').length, 0);
    const { final } = await alice.sendWithAuth((n) =>
      alice.build('MESSAGE', { uri: foreignUri, callId: 'relay-3', cseq: 1 + n }),
    );
    assert.equal(final.status, 200);
    const [m] = await target.waitForRequests('MESSAGE');
    assert.equal(m!.callId(), 'relay-3');
    assert.equal(m!.count('via'), 2, 'relayed by sipd');
  });

  test('From must be the authenticated user (403 otherwise)', async () => {
    const { final } = await alice.sendWithAuth((n) =>
      alice.build('MESSAGE', {
        uri: `sip:bob@${DOMAIN}`,
        from: `<sip:bob@${DOMAIN}>;tag=spoof`,
        callId: 'spoof-1',
        cseq: 1 + n,
      }),
    );
    assert.equal(final.status, 403);
    assert.ok(!bob.requests('MESSAGE').some((r) => r.callId() === 'spoof-1'));
  });

  test('authentication failures are counted in stats.fetch', async () => {
    const before = await h.stats('auth.');
    const mallory = await h.ua('alice', 'wrong');
    const { final } = await mallory.sendWithAuth((n) =>
      mallory.build('MESSAGE', { uri: `sip:bob@${DOMAIN}`, callId: 'bad-1', cseq: 1 + n }),
    );
    assert.equal(final.status, 407, 'a wrong password gets a new challenge');
    const now = await h.stats('auth.');
    assert.equal(now['auth.failures']! - before['auth.failures']!, 1);
    assert.equal(now['auth.challenges']! - before['auth.challenges']!, 2);
  });
});

describe('protection: bans after repeated auth failures', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({
      users: [['alice', 'alice-pw']],
      config: '[protection]\nban_failures = 3\nban_window = 60\nban_time = 60\n[timers]\ndrain_ms = 500\n',
    });
  });
  after(() => h.stop());

  test('the failure that reaches ban_failures bans the source: its requests are dropped and counted', async () => {
    const mallory = await h.ua('alice', 'guess', { t1: 50 });
    for (let i = 0; i < 3; i++) assert.equal((await mallory.register()).status, 401);
    const s1 = await h.stats('security.', 'core.drop_requests');
    assert.equal(s1['security.bans'], 1);
    assert.equal(s1['security.banned'], 1);
    // Even good credentials from the banned address get no answer now (64·T1 = 3.2 s here).
    const alice = await h.ua('alice', 'alice-pw', { t1: 50 });
    await assert.rejects(alice.register(), /timeout/);
    const s2 = await h.stats('core.drop_requests');
    assert.ok(s2['core.drop_requests']! > s1['core.drop_requests']!, 'dropped requests are counted');
    const bans = await h.rpc<{ bans: Array<{ address: string; until: number }> }>('security.bans');
    assert.deepEqual(
      bans.bans.map((b) => b.address),
      ['127.0.0.1'],
    );
    // An administrator lifts the ban; the phone gets in.
    assert.deepEqual(await h.rpc('security.unban', ['127.0.0.1']), { address: '127.0.0.1', unbanned: true });
    assert.equal((await alice.register()).status, 200);
  });
});

describe('protection: per-source rate limit', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({
      config: '[protection]\nrate_limit = 5\nrate_window = 5\n[timers]\ndrain_ms = 500\n',
    });
  });
  after(() => h.stop());

  test('requests beyond rate_limit per window are dropped and counted', async () => {
    const peer = await UdpPeer.open();
    try {
      for (let i = 0; i < 8; i++) {
        const msg = [
          `OPTIONS sip:127.0.0.1:${h.udpPort} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKrate${i}`,
          'Max-Forwards: 70',
          `From: <sip:probe@other.example>;tag=r${i}`,
          `To: <sip:127.0.0.1:${h.udpPort}>`,
          `Call-ID: rate-${i}`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        await peer.send(msg, h.udpPort);
      }
      await waitFor(() => peer.received.length >= 5, 3000, '5 answers');
      await sleep(300);
      assert.equal(peer.received.length, 5, 'only rate_limit requests were answered');
      assert.ok(peer.texts().every((t) => t.startsWith('SIP/2.0 200 ')));
      const s = await h.stats('security.rate_limited', 'core.rcv_requests_options');
      assert.equal(s['security.rate_limited'], 3);
      assert.equal(s['core.rcv_requests_options'], 8);
    } finally {
      await peer.close();
    }
  });
});

describe('challenges are stateless (RFC 3261 §8.2.7, §26.1.5)', () => {
  let h: SipdHarness;
  let peer: UdpPeer;
  before(async () => {
    h = await SipdHarness.start({ users: [['alice', 'alice-pw']], config: '[timers]\ndrain_ms = 500\n' });
    peer = await UdpPeer.open();
    // 200 answers arrive in batches (sipd sends a turn's answers with one sendmmsg).
    peer.socket.setRecvBufferSize(4 << 20);
  });
  after(async () => {
    await peer.close();
    await h.stop();
  });

  const request = (method: string, i: number, extra: string[] = []) =>
    [
      `${method} sip:${method === 'REGISTER' ? DOMAIN : `bob@${DOMAIN}`} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKsl${method}${i}`,
      'Max-Forwards: 70',
      `From: <sip:alice@${DOMAIN}>;tag=sl${i}`,
      `To: <sip:${method === 'REGISTER' ? 'alice' : 'bob'}@${DOMAIN}>`,
      `Call-ID: stateless-${method}-${i}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:alice@127.0.0.1:${peer.port}>`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const toTagOf = (text: string) => /^To:.*;tag=([^;\r\n]+)/im.exec(text)?.[1];

  test('a flood of unauthenticated REGISTERs leaves no transaction behind; a copy of one gets the same To tag', async () => {
    const before = (await h.stats('tm.current'))['tm.current']!;
    for (let i = 0; i < 200; i++) await peer.send(request('REGISTER', i), h.udpPort);
    await waitFor(
      () => peer.texts().filter((t) => t.startsWith('SIP/2.0 401 ')).length === 200,
      5000,
      '200 challenges',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${peer.texts().length} answers, ${peer.texts().slice(0, 2).join('|')}`);
    });
    // A stateful 401 would stay Completed for Timer J (32 s on UDP) per request.
    assert.equal((await h.stats('tm.current'))['tm.current'], before);
    // A retransmitted REGISTER is answered afresh (no transaction absorbs it), with the same To tag.
    const first = peer.texts().find((t) => t.includes('Call-ID: stateless-REGISTER-7'))!;
    peer.received.length = 0;
    await peer.send(request('REGISTER', 7), h.udpPort);
    await waitFor(() => peer.received.length === 1, 3000, 'the copy answered');
    assert.match(peer.texts()[0]!, /^SIP\/2\.0 401 /);
    assert.ok(toTagOf(first));
    assert.equal(toTagOf(peer.texts()[0]!), toTagOf(first));
  });

  test('a 407 to an INVITE is sent once, not retransmitted; its ACK is absorbed and nothing is relayed', async () => {
    peer.received.length = 0;
    await peer.send(request('INVITE', 1, ['Content-Type: application/sdp']), h.udpPort);
    await waitFor(() => peer.texts().some((t) => t.startsWith('SIP/2.0 407 ')), 3000, 'the 407');
    const tag = toTagOf(peer.texts().find((t) => t.startsWith('SIP/2.0 407 '))!);
    // No ACK yet: a stateful 407 would be retransmitted after T1 (500 ms), 1 s, 2 s (Timer G).
    await sleep(1700);
    assert.equal(peer.texts().filter((t) => t.startsWith('SIP/2.0 407 ')).length, 1);
    const ack = request('INVITE', 1)
      .replace(/^INVITE /, 'ACK ')
      .replace('CSeq: 1 INVITE', 'CSeq: 1 ACK');
    await peer.send(ack.replace(/^(To: .*)$/m, `$1;tag=${tag}`), h.udpPort);
    await sleep(300);
    assert.deepEqual(
      peer.texts().map((t) => t.split('\r\n')[0]),
      ['SIP/2.0 100 Trying', 'SIP/2.0 407 Proxy Authentication Required'],
    );
    assert.equal((await h.stats('tm.current'))['tm.current'], 0);
  });
});
