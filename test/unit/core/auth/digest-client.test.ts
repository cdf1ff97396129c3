/**
 * Client side: choosing a challenge among a 401/407's headers, qop/nc/cnonce handling, opaque
 * echo, userhash, HA1 instead of password, and errors that never carry the secret.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkDigestResponse,
  computeHa1,
  DigestClient,
  DigestClientError,
  DigestServer,
  digestAuthorization,
  digestCredentials,
  hashWire,
  parseDigestCredentials,
  selectChallenge,
} from '../../../../src/core/index.js';

const base = { method: 'INVITE', uri: 'sip:bob@biloxi.com', username: 'alice', password: 'pw-Secret!' };

function clientError(fn: () => unknown, code: string): DigestClientError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DigestClientError);
    assert.equal(e.code, code);
    assert.ok(!e.message.includes(base.password), 'the password never appears in errors');
    return e;
  }
  assert.fail('expected a DigestClientError');
}

describe('selectChallenge', () => {
  test('the first Digest challenge with an algorithm we support, in the server’s order', () => {
    const values = [
      'Basic realm="x"',
      'Digest realm="r", nonce="n1", algorithm=SHA-512-256',
      'Digest realm="r", nonce="n2", algorithm=SHA-256',
      'Digest realm="r", nonce="n3", algorithm=MD5',
    ];
    assert.equal(selectChallenge(values)?.nonce, 'n2');
    assert.equal(selectChallenge(values, { algorithms: ['MD5'] })?.nonce, 'n3');
    assert.equal(selectChallenge(values, { realm: 'elsewhere' }), undefined);
    assert.equal(selectChallenge(['Digest realm="r"', 'garbage "', 'Basic realm="x"']), undefined);
    assert.equal(selectChallenge(['Basic realm="x", Digest realm="r", nonce="n4"'])?.nonce, 'n4');
  });
});

describe('digestAuthorization', () => {
  test('no qop offered: RFC 2069 form without cnonce/nc; algorithm echoed only when the server sent it', () => {
    const cr = parseDigestCredentials(
      digestAuthorization({
        ...base,
        challenge: 'Digest realm="atlanta.com", nonce="84a4cc6f3082121f32b42a2187831a9e"',
      }),
    );
    assert.deepEqual([cr.qop, cr.nc, cr.cnonce, cr.algorithm], [undefined, undefined, undefined, undefined]);
    const ha1 = computeHa1('alice', 'atlanta.com', base.password);
    assert.equal(
      cr.response,
      hashWire('MD5', `${ha1}:84a4cc6f3082121f32b42a2187831a9e:${hashWire('MD5', 'INVITE:sip:bob@biloxi.com')}`),
    );
  });

  test('qop: auth preferred, auth-int when asked or only offered, none forced; unknown qop refused', () => {
    const ch = (q: string) => `Digest realm="r", nonce="n", qop="${q}"`;
    assert.equal(digestCredentials({ ...base, challenge: ch('auth-int,auth') }).qop, 'auth');
    assert.equal(digestCredentials({ ...base, challenge: ch('auth-int') }).qop, 'auth-int');
    assert.equal(digestCredentials({ ...base, challenge: ch('auth,auth-int'), qop: 'auth-int' }).qop, 'auth-int');
    assert.equal(digestCredentials({ ...base, challenge: ch('auth'), qop: 'none' }).qop, undefined);
    clientError(() => digestCredentials({ ...base, challenge: ch('auth'), qop: 'auth-int' }), 'AUTH_QOP');
    clientError(() => digestCredentials({ ...base, challenge: ch('token') }), 'AUTH_QOP');
  });

  test('auth-int covers the body', () => {
    const ch = 'Digest realm="r", nonce="n", qop="auth-int"';
    const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n';
    const value = digestAuthorization({ ...base, challenge: ch, body, cnonce: 'c' });
    assert.equal(checkDigestResponse(value, { method: 'INVITE', password: base.password, body }), true);
    assert.equal(checkDigestResponse(value, { method: 'INVITE', password: base.password, body: body + 'x' }), false);
  });

  test('cnonce random by default, opaque echoed, nc in 8 hex digits', () => {
    const ch = 'Digest realm="r", nonce="n", qop="auth", opaque="xyz"';
    const a = digestCredentials({ ...base, challenge: ch, nc: 255 });
    const b = digestCredentials({ ...base, challenge: ch });
    assert.match(a.cnonce!, /^[0-9a-f]{32}$/);
    assert.notEqual(a.cnonce, b.cnonce);
    assert.equal(a.opaque, 'xyz');
    assert.equal(a.nc, '000000ff');
  });

  test('unsupported algorithm and missing secret are typed errors without the password', () => {
    clientError(
      () => digestCredentials({ ...base, challenge: 'Digest realm="r", nonce="n", algorithm=AKAv1-MD5' }),
      'AUTH_ALGORITHM',
    );
    const { password: _pw, ...noPw } = base;
    clientError(() => digestCredentials({ ...noPw, challenge: 'Digest realm="r", nonce="n"' }), 'AUTH_SECRET');
    // An MD5 HA1 cannot answer SHA-256.
    const md5 = computeHa1('alice', 'r', base.password);
    clientError(
      () => digestCredentials({ ...noPw, ha1: md5, challenge: 'Digest realm="r", nonce="n", algorithm=SHA-256' }),
      'AUTH_SECRET',
    );
  });

  test('userhash=true sends H(username:realm) (RFC 7616 §3.4.4)', () => {
    const c = digestCredentials({
      ...base,
      challenge: 'Digest realm="r", nonce="n", algorithm=SHA-256, userhash=true',
    });
    assert.equal(c.username, hashWire('SHA-256', 'alice:r'));
    assert.equal(c.userhash, true);
  });
});

describe('DigestClient against DigestServer', () => {
  test('nc counts up while the nonce is reused and restarts with a new challenge', () => {
    const server = new DigestServer({ secret: 's', algorithms: ['SHA-256', 'MD5'] });
    const ha1 = (w: { username: string; realm: string; algorithm: 'MD5' | 'SHA-256' }) =>
      computeHa1(w.username, w.realm, base.password, w.algorithm);
    const ctx = { method: 'INVITE', requestUri: base.uri, realm: 'biloxi.com', ha1 };
    const client = new DigestClient({ username: 'alice', password: base.password });
    clientError(() => client.authorize('INVITE', base.uri), 'AUTH_NO_CHALLENGE');
    assert.equal(client.onChallenge(server.challenge({ realm: 'biloxi.com' }))?.algorithm, 'SHA-256');
    const one = client.authorize('INVITE', base.uri);
    const two = client.authorize('INVITE', base.uri);
    assert.equal(parseDigestCredentials(one).nc, '00000001');
    assert.equal(parseDigestCredentials(two).nc, '00000002');
    assert.equal(server.verify(one, ctx).ok, true);
    assert.equal(server.verify(two, ctx).ok, true);
    assert.equal(server.verify(one, ctx).reason, 'replay');
    client.onChallenge(server.challenge({ realm: 'biloxi.com', stale: true }), ['MD5']);
    const again = client.authorize('INVITE', base.uri);
    assert.equal(parseDigestCredentials(again).nc, '00000001');
    assert.equal(parseDigestCredentials(again).algorithm, 'MD5');
    assert.equal(server.verify(again, ctx).ok, true);
  });

  test('a HA1 instead of the password', () => {
    const server = new DigestServer();
    const ha1 = computeHa1('alice', 'r', base.password);
    const client = new DigestClient({ username: 'alice', ha1 });
    client.onChallenge(server.challenge({ realm: 'r' }));
    const r = server.verify(client.authorize('INVITE', base.uri), { method: 'INVITE', requestUri: base.uri, ha1 });
    assert.equal(r.ok, true);
  });
});
