/**
 * DigestServer: challenges, stateless nonces that expire and cannot be forged, verification from a
 * stored HA1, replay refusal — driven by the client of digest-client.ts on a fake clock, the way a
 * registrar answering 401 and a UA retrying would exchange them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  computeHa1,
  DigestServer,
  digestAuthorization,
  parseDigestChallenge,
  parseDigestCredentials,
  parseMessageText,
  type DigestAlgorithmName,
  type DigestAuthorizeInput,
  type DigestServerOptions,
  type Ha1Query,
  type SipRequest,
  type VerifyContext,
} from '../../../../src/core/index.js';

const REALM = 'example.com';
const RURI = 'sip:example.com';
const USERS: Record<string, string> = { alice: 'wonderland', bob: 's3cret' };

/** A subscriber cache as sipd would hold it: HA1 per user and hash. */
function lookup(who: Ha1Query): string | undefined {
  const pw = USERS[who.username];
  return pw === undefined || who.realm !== REALM ? undefined : computeHa1(who.username, who.realm, pw, who.algorithm);
}

function setup(opts: DigestServerOptions = {}) {
  const clock = { t: 1_700_000_000_000 };
  const server = new DigestServer({ secret: 'cluster secret', now: () => clock.t, ...opts });
  return { clock, server };
}

const ctx = (over: Partial<VerifyContext> = {}): VerifyContext => ({
  method: 'REGISTER',
  requestUri: RURI,
  realm: REALM,
  ha1: lookup,
  ...over,
});

/** The client's answer to the first challenge of `server`. */
function answer(challenge: string, over: Partial<DigestAuthorizeInput> = {}): string {
  return digestAuthorization({
    challenge,
    method: 'REGISTER',
    uri: RURI,
    username: 'alice',
    password: 'wonderland',
    ...over,
  });
}

describe('DigestServer round trips', () => {
  for (const algorithm of ['MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess'] as DigestAlgorithmName[]) {
    for (const qop of ['auth', 'auth-int', 'none'] as const) {
      test(`${algorithm}, qop ${qop}: accepted`, () => {
        const { server } = setup({ algorithms: [algorithm], qop: qop === 'none' ? [] : [qop] });
        const [ch] = server.challenge({ realm: REALM });
        const body = Buffer.from('v=0\r\n');
        const r = server.verify(answer(ch!, { body }), ctx({ body }));
        assert.deepEqual(r, {
          ok: true,
          stale: false,
          username: 'alice',
          realm: REALM,
          algorithm,
          qop: qop === 'none' ? undefined : qop,
        });
      });
    }
  }

  test('challenge(): one header per algorithm, same nonce, preference order; stale and opaque', () => {
    const { server } = setup({ algorithms: ['SHA-256', 'MD5'], opaque: 'op' });
    const values = server.challenge({ realm: REALM, stale: true });
    assert.equal(values.length, 2);
    const [a, b] = values.map((v) => parseDigestChallenge(v));
    assert.deepEqual([a!.algorithm, b!.algorithm], ['SHA-256', 'MD5']);
    assert.equal(a!.nonce, b!.nonce);
    assert.match(a!.nonce, /^[A-Za-z0-9_-]{40}$/);
    assert.deepEqual([a!.realm, a!.stale, a!.opaque, a!.qop], [REALM, true, 'op', ['auth']]);
    assert.match(
      values[1]!,
      /^Digest realm="example\.com", nonce="[^"]+", opaque="op", stale=true, algorithm=MD5, qop="auth"$/,
    );
    assert.notEqual(server.challenge({ realm: REALM })[0], values[0], 'every challenge has a new nonce');
  });

  test('a client offered SHA-256 and MD5 may answer either; opaque must be echoed', () => {
    const { server } = setup({ algorithms: ['SHA-256', 'MD5'], opaque: 'op' });
    const [sha, md5] = server.challenge({ realm: REALM });
    assert.equal(server.verify(answer(sha!), ctx()).ok, true);
    // Both carry the same nonce, so its count goes on (a client answers one of them anyway).
    assert.equal(server.verify(answer(md5!, { nc: 2 }), ctx()).ok, true);
    const noOpaque = answer(md5!, { nc: 3 }).replace(/, opaque="op"/, '');
    assert.deepEqual(server.verify(noOpaque, ctx()), { ok: false, stale: false, reason: 'opaque', username: 'alice' });
  });

  test('a request parsed from the wire verifies with its own method and Request-URI', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    const auth = answer(ch!, { uri: 'sip:example.com;transport=tcp' });
    const msg = parseMessageText(
      'REGISTER sip:example.com;transport=tcp SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n' +
        'To: <sip:alice@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 2 REGISTER\r\n' +
        `Max-Forwards: 70\r\nAuthorization: ${auth}\r\nContent-Length: 0\r\n\r\n`,
    ) as SipRequest;
    const r = server.verify(msg.get('authorization')!, ctx({ method: msg.method, requestUri: msg.uri }));
    assert.equal(r.ok, true);
  });

  test('a UTF-8 username reaches the lookup decoded and matches a HA1 made from the Unicode string', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    const seen: string[] = [];
    const r = server.verify(answer(ch!, { username: 'Jörg', password: 'pässword' }), {
      ...ctx(),
      ha1: (who) => {
        seen.push(who.username);
        return computeHa1('Jörg', who.realm, 'pässword', who.algorithm);
      },
    });
    assert.deepEqual(seen, ['Jörg']);
    assert.equal(r.ok && r.username, 'Jörg');
  });
});

describe('DigestServer refusals', () => {
  const refuse = (reason: string, stale = false) => ({ ok: false, stale, reason, username: 'alice' });

  test('wrong password, unknown user, wrong realm, wrong uri, expected username', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(ch!, { password: 'guess' }), ctx()), refuse('response'));
    assert.deepEqual(server.verify(answer(ch!, { username: 'mallory' }), ctx()), {
      ...refuse('unknown-user'),
      username: 'mallory',
    });
    assert.deepEqual(server.verify(answer(ch!), ctx({ realm: 'other.org' })), refuse('realm'));
    assert.deepEqual(server.verify(answer(ch!, { uri: 'sip:other.org' }), ctx()), refuse('uri'));
    assert.deepEqual(server.verify(answer(ch!), ctx({ username: 'bob' })), refuse('username'));
    // A HA1 passed directly, and one of the wrong hash (an MD5 HA1 for SHA-256) counts as unknown.
    assert.equal(server.verify(answer(ch!), ctx({ ha1: computeHa1('alice', REALM, 'wonderland') })).ok, true);
    const sha = setup({ algorithms: ['SHA-256'] }).server;
    const [chSha] = sha.challenge({ realm: REALM });
    const md5Ha1 = computeHa1('alice', REALM, 'wonderland', 'MD5');
    assert.deepEqual(sha.verify(answer(chSha!), ctx({ ha1: md5Ha1 })), refuse('unknown-user'));
  });

  test('uri equal as a SIP URI (RFC 3261 §19.1.4) is accepted, a different one is not', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    assert.equal(server.verify(answer(ch!, { uri: 'sip:EXAMPLE.com' }), ctx()).ok, true);
    const [ch2] = server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(ch2!, { uri: 'sip:example.com:5060' }), ctx()), refuse('uri'));
    const lax = setup({ checkUri: false }).server;
    const [ch3] = lax.challenge({ realm: REALM });
    assert.equal(lax.verify(answer(ch3!, { uri: 'sip:example.com:5060' }), ctx()).ok, true);
  });

  test('an expired nonce with the right password is stale; with a wrong one it is a plain failure', () => {
    const { clock, server } = setup({ nonceExpires: 60 });
    const [ch] = server.challenge({ realm: REALM });
    clock.t += 60_000;
    assert.equal(server.verify(answer(ch!), ctx()).ok, true, 'still valid at exactly the lifetime');
    clock.t += 1;
    assert.deepEqual(server.verify(answer(ch!, { nc: 2 }), ctx()), refuse('stale', true));
    assert.deepEqual(server.verify(answer(ch!, { nc: 3, password: 'guess' }), ctx()), refuse('response'));
  });

  test('default lifetime is 300 s', () => {
    const { clock, server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    clock.t += 300_000;
    assert.equal(server.verify(answer(ch!), ctx()).ok, true);
    clock.t += 1;
    assert.equal(server.verify(answer(ch!, { nc: 2 }), ctx()).reason, 'stale');
  });

  test('forged, altered, foreign and other-realm nonces are plain failures, never stale', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    const nonce = parseDigestChallenge(ch!).nonce;
    // Made up, and the right length but random.
    for (const fake of ['dcd98b7102dd2f0e8b11d0f600bfb0c093', 'A'.repeat(40), nonce.slice(0, 39) + '!']) {
      assert.deepEqual(server.verify(answer(ch!.replace(nonce, fake)), ctx()), refuse('nonce'));
    }
    // Our nonce with its time stamp changed (made younger): the MAC no longer matches.
    const raw = Buffer.from(nonce, 'base64url');
    raw[5] = raw[5]! ^ 1;
    assert.deepEqual(server.verify(answer(ch!.replace(nonce, raw.toString('base64url'))), ctx()), refuse('nonce'));
    // Issued by a server with another secret.
    const [foreign] = setup({ secret: 'another secret' }).server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(foreign!), ctx()), refuse('nonce'));
    // Issued by us for another realm, presented for that realm: the nonce is bound to its realm.
    const [other] = server.challenge({ realm: 'other.org' });
    const moved = answer(other!).replace('realm="other.org"', `realm="${REALM}"`);
    assert.deepEqual(server.verify(moved, ctx()), refuse('nonce'));
  });

  test('nonce-count replay is refused; a higher nc is accepted', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    const first = answer(ch!, { cnonce: 'c1' });
    assert.equal(server.verify(first, ctx()).ok, true);
    assert.deepEqual(server.verify(first, ctx()), refuse('replay', true), 'same request again');
    assert.equal(server.verify(answer(ch!, { nc: 3 }), ctx()).ok, true);
    assert.deepEqual(server.verify(answer(ch!, { nc: 2 }), ctx()), refuse('replay', true), 'lower nc');
    assert.equal(server.trackedNonces, 1);
  });

  test('a replayed request with a forged response does not move the counter', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    assert.equal(server.verify(answer(ch!, { nc: 0x7fffffff, password: 'guess' }), ctx()).reason, 'response');
    assert.equal(server.verify(answer(ch!, { nc: 1 }), ctx()).ok, true);
  });

  test('a digest-uri naming the server itself is accepted only when the caller says it does', () => {
    const ours = (u: { host: string; port?: number | undefined }) => u.host === '192.0.2.1' && u.port === 5060;
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    assert.equal(server.verify(answer(ch!, { uri: 'sip:192.0.2.1:5060' }), ctx({ namesServer: ours })).ok, true);
    const [ch2] = server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(ch2!, { uri: 'sip:192.0.2.1:5060' }), ctx()), refuse('uri'));
    // Another port, or a user part, is not the server.
    const [ch3] = server.challenge({ realm: REALM });
    assert.deepEqual(
      server.verify(answer(ch3!, { uri: 'sip:192.0.2.1:5070' }), ctx({ namesServer: ours })),
      refuse('uri'),
    );
    const [ch4] = server.challenge({ realm: REALM });
    assert.deepEqual(
      server.verify(answer(ch4!, { uri: 'sip:carol@192.0.2.1:5060' }), ctx({ namesServer: ours })),
      refuse('uri'),
    );
  });

  test('qop offered: an answer without qop is refused by default (no downgrade to RFC 2069)', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(ch!, { qop: 'none' }), ctx()), refuse('qop'));
    const lax = setup({ allowNoQop: true, oneTimeNoQop: true }).server;
    const [ch2] = lax.challenge({ realm: REALM });
    assert.equal(lax.verify(answer(ch2!, { qop: 'none' }), ctx()).ok, true);
    assert.deepEqual(lax.verify(answer(ch2!, { qop: 'none' }), ctx()), refuse('replay', true));
  });

  test('without qop: nonce reuse allowed by default, refused with oneTimeNoQop', () => {
    const reuse = setup({ qop: [] }).server;
    const [ch] = reuse.challenge({ realm: REALM });
    assert.equal(reuse.verify(answer(ch!), ctx()).ok, true);
    assert.equal(reuse.verify(answer(ch!), ctx()).ok, true);
    const once = setup({ qop: [], oneTimeNoQop: true }).server;
    const [ch2] = once.challenge({ realm: REALM });
    assert.equal(once.verify(answer(ch2!), ctx()).ok, true);
    assert.deepEqual(once.verify(answer(ch2!), ctx()), refuse('replay', true));
  });

  test('qop and algorithm policy', () => {
    const { server } = setup({ allowNoQop: false });
    const [ch] = server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(ch!, { qop: 'none' }), ctx()), refuse('qop'));
    const [withInt] = setup({ qop: ['auth-int'] }).server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(withInt!), ctx({ body: '' })), refuse('qop'), 'auth-int not accepted');
    assert.throws(() => server.challenge({ realm: REALM, qop: ['auth-int'] }), RangeError);
    assert.throws(() => server.challenge({ realm: REALM, algorithms: ['SHA-256'] }), RangeError);
    const [sha] = setup({ algorithms: ['SHA-256'] }).server.challenge({ realm: REALM });
    assert.deepEqual(server.verify(answer(sha!), ctx()), refuse('algorithm'), 'SHA-256 not accepted');
    const intServer = setup({ qop: ['auth-int'] }).server;
    const [ci] = intServer.challenge({ realm: REALM });
    assert.deepEqual(intServer.verify(answer(ci!), ctx()), refuse('qop'), 'auth-int without the body');
    assert.deepEqual(intServer.verify(answer(ci!, { body: 'x' }), ctx({ body: 'y' })), refuse('response'));
  });

  test('malformed, non-Digest and userhash credentials', () => {
    const { server } = setup();
    assert.deepEqual(server.verify('NoOneKnowsThisScheme opaque-data=here', ctx()), {
      ok: false,
      stale: false,
      reason: 'malformed',
    });
    assert.equal(server.verify('Digest username="alice"', ctx()).reason, 'malformed');
    const [ch] = server.challenge({ realm: REALM });
    assert.equal(server.verify(`${answer(ch!)}, userhash=true`, ctx()).reason, 'userhash');
    // Credentials built by the caller get the checks the parser would have made.
    const built = parseDigestCredentials(answer(ch!));
    delete built.nc;
    assert.equal(server.verify(built, ctx()).reason, 'malformed');
  });
});

describe('verify() never throws on bad input', () => {
  test('every one-byte mutation of valid credentials gives a result, and a changed response never passes', () => {
    const { server } = setup();
    const [ch] = server.challenge({ realm: REALM });
    const good = answer(ch!, { cnonce: 'c' });
    const resp = good.indexOf('response="') + 10;
    let nc = 1;
    for (let i = 0; i < good.length; i++) {
      for (const b of ['"', ',', '=', ' ', '\\', 'x', '\x00', '0']) {
        if (good[i] === b) continue;
        const v = good.slice(0, i) + b + good.slice(i + 1);
        const r = server.verify(v.replace('nc=00000001', `nc=${(++nc).toString(16).padStart(8, '0')}`), ctx());
        assert.equal(typeof r.ok, 'boolean');
        if (i >= resp && i < resp + 32) assert.equal(r.ok, false, `response changed at ${i - resp}`);
      }
    }
  });
});

describe('several servers and key rotation', () => {
  test('two instances sharing the secret accept each other’s nonces; replay memory is per instance', () => {
    const clock = { t: 1_700_000_000_000 };
    const a = new DigestServer({ secret: 'shared', now: () => clock.t });
    const b = new DigestServer({ secret: 'shared', now: () => clock.t });
    const [ch] = a.challenge({ realm: REALM });
    assert.equal(b.verify(answer(ch!, { nc: 1 }), ctx()).ok, true);
    assert.equal(a.verify(answer(ch!, { nc: 2 }), ctx()).ok, true);
    assert.equal(b.verify(answer(ch!, { nc: 1 }), ctx()).reason, 'replay');
    assert.equal(a.verify(answer(ch!, { nc: 2 }), ctx()).reason, 'replay');
    clock.t += 301_000;
    assert.equal(b.verify(answer(ch!, { nc: 5 }), ctx()).reason, 'stale', 'expiry holds on every instance');
    // A server with a default (random) secret accepts none of them.
    assert.equal(new DigestServer({ now: () => clock.t }).verify(answer(ch!), ctx()).reason, 'nonce');
  });

  test('processes of one server (issuer): each counts only its own nonces; the others answer stale', () => {
    const clock = { t: 1_700_000_000_000 };
    const w0 = new DigestServer({ secret: 'shared', issuer: 0, now: () => clock.t });
    const w1 = new DigestServer({ secret: 'shared', issuer: 1, now: () => clock.t });
    const [ch] = w0.challenge({ realm: REALM });
    const first = answer(ch!, { nc: 1 });
    assert.equal(w0.verify(first, ctx()).ok, true);
    // Worker 1 has no count for it: accepting would let the used answer in again.
    assert.deepEqual(w1.verify(first, ctx()), { ok: false, stale: true, reason: 'other-issuer', username: 'alice' });
    assert.deepEqual(w1.verify(answer(ch!, { nc: 2 }), ctx()), {
      ok: false,
      stale: true,
      reason: 'other-issuer',
      username: 'alice',
    });
    assert.equal(w0.verify(first, ctx()).reason, 'replay');
    // A wrong password is still a plain failure there (stale only for a right answer).
    assert.equal(w1.verify(answer(ch!, { nc: 3, password: 'x' }), ctx()).reason, 'response');
    // Its own nonces it accepts.
    const [ch1] = w1.challenge({ realm: REALM });
    assert.equal(w1.verify(answer(ch1!), ctx()).ok, true);
    assert.throws(() => new DigestServer({ issuer: 256 }), RangeError);
  });

  test('previousSecrets keeps nonces of the old key valid during a rotation', () => {
    const [ch] = new DigestServer({ secret: 'old' }).challenge({ realm: REALM });
    assert.equal(new DigestServer({ secret: 'new', previousSecrets: ['old'] }).verify(answer(ch!), ctx()).ok, true);
    assert.equal(new DigestServer({ secret: 'new' }).verify(answer(ch!), ctx()).reason, 'nonce');
  });

  test('a nonce dated in the future beyond the clock skew is stale', () => {
    const clock = { t: 1_700_000_000_000 };
    const ahead = new DigestServer({ secret: 's', now: () => clock.t + 60_000 });
    const here = new DigestServer({ secret: 's', now: () => clock.t, clockSkew: 5 });
    const [ch] = ahead.challenge({ realm: REALM });
    assert.equal(here.verify(answer(ch!), ctx()).reason, 'stale');
  });
});

describe('replay memory stays bounded', () => {
  test('expired entries are forgotten and the cap evicts; an evicted nonce is stale, not replayable', () => {
    const { clock, server } = setup({ maxTrackedNonces: 3 });
    const chs = Array.from({ length: 5 }, () => {
      clock.t += 1000;
      return server.challenge({ realm: REALM })[0]!;
    });
    for (const ch of chs) assert.equal(server.verify(answer(ch), ctx()).ok, true);
    assert.equal(server.trackedNonces, 3);
    // The first two were evicted: even with a fresh nc they are refused (stale → new nonce).
    assert.equal(server.verify(answer(chs[0]!, { nc: 9 }), ctx()).reason, 'evicted');
    assert.equal(server.verify(answer(chs[4]!, { nc: 2 }), ctx()).ok, true);
    clock.t += 400_000;
    server.verify(answer(server.challenge({ realm: REALM })[0]!), ctx());
    assert.equal(server.trackedNonces, 1, 'expired nonces were swept');
  });
});
