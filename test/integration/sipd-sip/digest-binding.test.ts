/**
 * Digest credentials bound to their request (RFC 3261 §22.4, RFC 2617 §3.2.2.5, RFC 7616): an
 * answer without qop is refused when qop was offered (unless auth.allow_no_qop, and then each
 * nonce serves once), the digest uri must denote the Request-URI (or name sipd itself, SIPp's
 * form), and a repeated nonce count is refused. Attacker's view first: what reaches the callee.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  digestAuthorization,
  parseDigestChallenge,
  type DigestAuthorizeInput,
  type SipRequest,
  type SipResponse,
} from '../../../src/core/index.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { sleep, TestUA } from '../../helpers/test-ua.js';

/**
 * Send `make(0)`, take the challenge, and send `make(1)` with credentials computed the way `over`
 * says (another digest uri, no qop, a given nc…). Returns both answers and the credentials sent.
 */
async function answer(
  ua: TestUA,
  make: (attempt: number) => SipRequest,
  password: string,
  over: Partial<DigestAuthorizeInput> = {},
): Promise<{ first: SipResponse; final: SipResponse; credentials: string; header: string }> {
  const first = await ua.send(make(0));
  assert.ok(first.status === 401 || first.status === 407, `challenged, got ${first.status}`);
  const www = first.status === 401;
  const challenge = first.get(www ? 'www-authenticate' : 'proxy-authenticate')!;
  const again = make(1);
  const credentials = digestAuthorization({
    challenge,
    method: again.method,
    uri: again.uri,
    username: ua.aor.slice(4, ua.aor.indexOf('@')),
    password,
    ...over,
  });
  const header = www ? 'Authorization' : 'Proxy-Authorization';
  again.append(header, credentials);
  return { first, final: await ua.send(again), credentials, header };
}

const isStale = (res: SipResponse) =>
  parseDigestChallenge(res.get(res.status === 401 ? 'www-authenticate' : 'proxy-authenticate')!).stale === true;

describe('digest bound to its request (auth.allow_no_qop = false, the default)', () => {
  let h: SipdHarness;
  let alice: TestUA;
  let bob: TestUA;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
        ['carol', 'carol-pw'],
      ],
      config: '[timers]\ndrain_ms = 500\n',
    });
    alice = await h.ua('alice', 'alice-pw');
    bob = await h.ua('bob', 'bob-pw');
    assert.equal((await bob.register({ expires: 600 })).status, 200);
  });
  after(() => h.stop());

  const register = (ua: TestUA, callId: string) => (n: number) => {
    const r = ua.build('REGISTER', { uri: `sip:${DOMAIN}`, to: `<${ua.aor}>`, callId, cseq: 1 + n, contact: null });
    r.append('Contact', `<${ua.contactUri}>`);
    r.append('Expires', '600');
    return r;
  };
  const invite =
    (ua: TestUA, callId: string, uri = `sip:bob@${DOMAIN}`) =>
    (n: number) =>
      ua.build('INVITE', { uri, callId, cseq: 1 + n, body: 'v=0\r\n' });
  const message =
    (ua: TestUA, callId: string, uri = `sip:bob@${DOMAIN}`) =>
    (n: number) =>
      ua.build('MESSAGE', { uri, callId, cseq: 1 + n });

  test('an answer without qop, although qop="auth" was offered, is refused: REGISTER and INVITE', async () => {
    const before = await h.stats('auth.');
    const reg = await answer(alice, register(alice, 'noqop-reg'), 'alice-pw', { qop: 'none' });
    assert.match(reg.first.get('www-authenticate')!, /qop="auth"/);
    assert.doesNotMatch(reg.credentials, /qop=|nc=/);
    assert.equal(reg.final.status, 401, 'a new challenge');
    assert.equal(isStale(reg.final), false);
    const look = await h.rpc<{ contacts: unknown[] }>('ul.lookup', [`alice@${DOMAIN}`]).catch(() => ({ contacts: [] }));
    assert.equal(look.contacts.length, 0, 'nothing was stored');

    const inv = await answer(alice, invite(alice, 'noqop-inv'), 'alice-pw', { qop: 'none' });
    assert.equal(inv.final.status, 407);
    await sleep(200);
    assert.equal(bob.requests('INVITE').length, 0, 'nothing reached bob');
    const now = await h.stats('auth.');
    assert.equal(now['auth.failures']! - before['auth.failures']!, 2, 'each counts as a failure');
    assert.equal(now['auth.successes']! - before['auth.successes']!, 0);

    // The same user with qop=auth gets through: the refusal was the missing qop, not the password.
    assert.equal((await answer(alice, register(alice, 'qop-reg'), 'alice-pw')).final.status, 200);
  });

  test('a credential computed for one Request-URI is refused for another', async () => {
    // The INVITE goes to bob, the credentials were computed for carol (a captured answer).
    const inv = await answer(alice, invite(alice, 'uri-1'), 'alice-pw', { uri: `sip:carol@${DOMAIN}` });
    assert.equal(inv.final.status, 407);
    const msg = await answer(alice, message(alice, 'uri-2'), 'alice-pw', { uri: `sip:carol@${DOMAIN}` });
    assert.equal(msg.final.status, 407);
    // Another host, or sipd's address with another port, is no better.
    const other = await answer(alice, message(alice, 'uri-3'), 'alice-pw', { uri: 'sip:evil.example' });
    assert.equal(other.final.status, 407);
    const port = await answer(alice, message(alice, 'uri-4'), 'alice-pw', { uri: `sip:127.0.0.1:${h.udpPort + 1}` });
    assert.equal(port.final.status, 407);
    const reg = await answer(alice, register(alice, 'uri-5'), 'alice-pw', { uri: `sip:bob@${DOMAIN}` });
    assert.equal(reg.final.status, 401);
    await sleep(200);
    assert.equal(bob.requests('INVITE').length, 0, 'no INVITE reached bob');
    assert.ok(!bob.requests('MESSAGE').some((r) => r.callId().startsWith('uri-')), 'no MESSAGE reached bob');
  });

  test('the same URI written differently (§19.1.4) and sipd itself (SIPp form) are accepted', async () => {
    const msg = await answer(alice, message(alice, 'same-1'), 'alice-pw', { uri: `sip:bob@${DOMAIN.toUpperCase()}` });
    assert.equal(msg.final.status, 200);
    const [m] = await bob.waitForRequests('MESSAGE');
    assert.equal(m!.callId(), 'same-1');
    // SIPp: uri="sip:<sipd address>:<port>" for REGISTER sip:DOMAIN and for INVITE/MESSAGE alike.
    const sippForm = `sip:127.0.0.1:${h.udpPort}`;
    assert.equal((await answer(alice, register(alice, 'same-2'), 'alice-pw', { uri: sippForm })).final.status, 200);
    assert.equal((await answer(alice, message(alice, 'same-3'), 'alice-pw', { uri: sippForm })).final.status, 200);
    // A served domain without port names sipd as well (REGISTER sent to sipd's address).
    const toAddress = (n: number) => {
      const r = register(alice, 'same-4')(n);
      r.uri = sippForm;
      return r;
    };
    assert.equal((await answer(alice, toAddress, 'alice-pw', { uri: `sip:${DOMAIN}` })).final.status, 200);
  });

  test('a replayed answer (the same nonce count) is refused with stale=true and not relayed', async () => {
    const ok = await answer(alice, message(alice, 'replay-1'), 'alice-pw', { nc: 1 });
    assert.equal(ok.final.status, 200);
    await bob.waitForRequests('MESSAGE');
    const seen = bob.requests('MESSAGE').length;
    // The captured Proxy-Authorization, sent again on a new request for the same Request-URI.
    const copy = message(alice, 'replay-2')(1);
    copy.append(ok.header, ok.credentials);
    const res = await alice.send(copy);
    assert.equal(res.status, 407);
    assert.equal(isStale(res), true);
    await sleep(200);
    assert.equal(bob.requests('MESSAGE').length, seen, 'the replay reached nobody');
  });
});

describe('auth.allow_no_qop = true: an answer without qop serves once per nonce', () => {
  let h: SipdHarness;
  let alice: TestUA;
  let bob: TestUA;
  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config: '[auth]\nallow_no_qop = true\n[timers]\ndrain_ms = 500\n',
    });
    alice = await h.ua('alice', 'alice-pw');
    bob = await h.ua('bob', 'bob-pw');
    assert.equal((await bob.register({ expires: 600 })).status, 200);
  });
  after(() => h.stop());

  test('REGISTER without qop: 200 once; the same nonce again gets 401 stale=true', async () => {
    const make = (cseq: number) => {
      const r = alice.build('REGISTER', { uri: `sip:${DOMAIN}`, to: `<${alice.aor}>`, callId: 'once-reg', cseq });
      r.append('Expires', '600');
      return r;
    };
    const first = await answer(alice, (n) => make(1 + n), 'alice-pw', { qop: 'none' });
    assert.equal(first.final.status, 200);
    const again = make(3);
    again.append(first.header, first.credentials);
    const res = await alice.send(again);
    assert.equal(res.status, 401);
    assert.equal(isStale(res), true);
  });

  test('MESSAGE without qop: relayed once; the replay is refused and reaches nobody', async () => {
    const make = (callId: string) => (n: number) =>
      alice.build('MESSAGE', { uri: `sip:bob@${DOMAIN}`, callId, cseq: 1 + n });
    const first = await answer(alice, make('once-msg-1'), 'alice-pw', { qop: 'none' });
    assert.equal(first.final.status, 200);
    await bob.waitForRequests('MESSAGE');
    const replay = make('once-msg-2')(1);
    replay.append(first.header, first.credentials);
    const res = await alice.send(replay);
    assert.equal(res.status, 407);
    assert.equal(isStale(res), true);
    await sleep(200);
    assert.deepEqual(
      bob.requests('MESSAGE').map((r) => r.callId()),
      ['once-msg-1'],
    );
  });
});
