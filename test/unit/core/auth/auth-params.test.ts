/**
 * Grammar of WWW-Authenticate / Proxy-Authenticate / Authorization / Proxy-Authorization values
 * (RFC 3261 §25.1, RFC 7235 §2.1) and the typed Digest views (RFC 2617 §3.2, RFC 7616 §3.3-3.4).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  credentialsForRealm,
  formatAuthValue,
  formatDigestChallenge,
  formatDigestCredentials,
  parseAuthValue,
  parseChallenges,
  parseDigestChallenge,
  parseDigestCredentials,
  parseMessage,
  SipParseError,
  validateMessage,
  type SipRequest,
} from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/fixtures.js';

function rejects(fn: () => unknown, header = 'authorization'): SipParseError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SipParseError, `expected SipParseError, got ${String(e)}`);
    assert.equal(e.code, 'SIP_ERR_HEADER_VALUE');
    assert.equal(e.status, 400);
    assert.equal(e.header, header);
    assert.match(e.reason, /^[\x20-\x7e]+$/);
    return e;
  }
  assert.fail('expected a SipParseError');
}

describe('auth-param grammar', () => {
  test('RFC 4475 regaut01: an unknown scheme parses from the torture message', () => {
    const msg = parseMessage(fixture('torture', 'rfc4475', 'regaut01.dat')) as SipRequest;
    validateMessage(msg);
    const v = parseAuthValue(msg.get('authorization')!);
    assert.equal(v.scheme, 'NoOneKnowsThisScheme');
    assert.equal(v.params.get('opaque-data'), 'here');
    assert.equal(v.raw, 'opaque-data=here');
    // …and it is not Digest, which the typed view says with a 400-able error.
    const e = rejects(() => parseDigestCredentials(v));
    assert.match(e.reason, /not Digest/);
  });

  test('unknown schemes whose text is not auth-params are kept opaque', () => {
    const v = parseAuthValue('Foo bar baz, "half');
    assert.equal(v.scheme, 'Foo');
    assert.equal(v.params.size, 0);
    assert.equal(v.raw, 'bar baz, "half');
  });

  test('token68 credentials (Basic)', () => {
    const v = parseAuthValue('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    assert.equal(v.token68, 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    assert.equal(formatAuthValue(v.scheme, [], v.token68), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  });

  test('commas and escaped quotes inside quoted strings, LWS everywhere, case-insensitive names', () => {
    const v = parseAuthValue(
      'Digest  USERNAME = "a, \\"b\\"" ,\tRealm="x,y"  ,NONCE=abc,uri="sip:u@h;p=1,2", response="00"',
    );
    assert.equal(v.params.get('username'), 'a, "b"');
    assert.equal(v.params.get('realm'), 'x,y');
    assert.equal(v.params.get('nonce'), 'abc');
    assert.equal(v.params.get('uri'), 'sip:u@h;p=1,2');
    assert.deepEqual([...v.quoted].sort(), ['realm', 'response', 'uri', 'username']);
    const cr = parseDigestCredentials(v);
    assert.equal(cr.username, 'a, "b"');
  });

  test('a scheme alone, and empty list elements', () => {
    assert.equal(parseAuthValue('Negotiate').scheme, 'Negotiate');
    const v = parseAuthValue('Digest realm="r",, nonce="n",');
    assert.deepEqual([...v.params.keys()], ['realm', 'nonce']);
  });

  test('unquoted values tolerate what broken user agents send (uri=sip:host)', () => {
    const v = parseAuthValue('Digest username=bob, uri=sip:example.com:5060;transport=udp, realm=r');
    assert.equal(v.params.get('uri'), 'sip:example.com:5060;transport=udp');
  });

  test('out-of-grammar Digest values are SipParseErrors naming the header', () => {
    rejects(() => parseAuthValue('Digest realm="unterminated'));
    rejects(() => parseAuthValue('Digest realm="a" nonce="b"'));
    rejects(() => parseAuthValue('Digest realm="a", realm="b"'));
    rejects(() => parseAuthValue('Digest realm'));
    rejects(() => parseAuthValue('Digest realm='));
    rejects(() => parseAuthValue('Digest realm="a\x01b"'));
    rejects(() => parseAuthValue(''));
    rejects(() => parseAuthValue('  '));
    rejects(() => parseAuthValue('Di"gest realm=a'));
    rejects(() => parseAuthValue('Digest realm="a", nonce', 'proxy-authorization'), 'proxy-authorization');
    const e = rejects(() => parseChallenges('Digest realm=', 'proxy-authenticate'), 'proxy-authenticate');
    assert.match(e.reason, /^Malformed Proxy-Authenticate: /);
  });

  test('any input gives a value or a SipParseError, and long runs parse in linear time', () => {
    // Deterministic pseudo-random strings over the characters that matter to this grammar.
    const alphabet = 'Digest realm=",\\ \t\r\nabc=/+~\x00\x7f\xe9';
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 3000; k++) {
      let v = rnd(3) === 0 ? 'Digest ' : '';
      for (let len = rnd(40); len > 0; len--) v += alphabet[rnd(alphabet.length)];
      for (const parse of [() => parseAuthValue(v), () => parseChallenges(v), () => parseDigestCredentials(v)]) {
        try {
          parse();
        } catch (e) {
          assert.ok(e instanceof SipParseError, `${JSON.stringify(v)}: ${String(e)}`);
        }
      }
    }
    const long = 'Foo a' + ' ,'.repeat(200_000) + 'x';
    assert.equal(parseAuthValue(long).scheme, 'Foo');
    assert.equal(parseChallenges('Digest realm="r"' + ', '.repeat(200_000)).length, 1);
  });

  test('several challenges in one value (RFC 7235 §4.1 example)', () => {
    const list = parseChallenges(
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Digest realm="r", nonce=n',
    );
    assert.deepEqual(
      list.map((c) => [c.scheme, Object.fromEntries(c.params)]),
      [
        ['Newauth', { realm: 'apps', type: '1', title: 'Login to "apps"' }],
        ['Basic', { realm: 'simple' }],
        ['Digest', { realm: 'r', nonce: 'n' }],
      ],
    );
  });

  test('formatting quotes what is not a token and escapes quotes and backslashes', () => {
    const s = formatAuthValue('X', [
      ['a', 'tok'],
      ['b', 'two words'],
      ['c', 'q"\\'],
      ['d', 'tok', true],
    ]);
    assert.equal(s, 'X a=tok, b="two words", c="q\\"\\\\", d="tok"');
    const back = parseAuthValue(s);
    assert.deepEqual(Object.fromEntries(back.params), { a: 'tok', b: 'two words', c: 'q"\\', d: 'tok' });
  });
});

describe('Digest challenge and credentials views', () => {
  test('challenge: defaults, qop list, stale, case-insensitive scheme', () => {
    const ch = parseDigestChallenge('digest realm="atlanta.com", nonce="n1", qop="auth, AUTH-INT", stale=TRUE');
    assert.equal(ch.realm, 'atlanta.com');
    assert.equal(ch.algorithm, 'MD5');
    assert.deepEqual(ch.qop, ['auth', 'auth-int']);
    assert.equal(ch.stale, true);
    assert.equal(ch.opaque, undefined);
    assert.deepEqual(parseDigestChallenge('Digest realm="r", nonce="n"').qop, []);
    rejects(() => parseDigestChallenge('Digest nonce="n"'), 'www-authenticate');
    rejects(() => parseDigestChallenge('Digest realm="r"', 'proxy-authenticate'), 'proxy-authenticate');
  });

  test('challenge round trip with RFC 7616 quoting (qop quoted, algorithm and stale bare)', () => {
    const s = formatDigestChallenge({
      realm: 'example.com',
      nonce: 'abc',
      opaque: 'o',
      stale: true,
      algorithm: 'SHA-256',
      qop: ['auth', 'auth-int'],
    });
    assert.equal(
      s,
      'Digest realm="example.com", nonce="abc", opaque="o", stale=true, algorithm=SHA-256, qop="auth,auth-int"',
    );
    const ch = parseDigestChallenge(s);
    assert.deepEqual(
      [ch.realm, ch.nonce, ch.opaque, ch.stale, ch.algorithm, ch.qop],
      ['example.com', 'abc', 'o', true, 'SHA-256', ['auth', 'auth-int']],
    );
  });

  test('credentials: required fields, qop needs nc and cnonce, nc is 8 hex digits', () => {
    const base = 'Digest username="bob", realm="r", nonce="n", uri="sip:r", response="0123"';
    const cr = parseDigestCredentials(base);
    assert.equal(cr.algorithm, undefined);
    assert.equal(cr.qop, undefined);
    for (const missing of ['username', 'realm', 'nonce', 'uri', 'response']) {
      const e = rejects(() => parseDigestCredentials(base.replace(new RegExp(`${missing}="[^"]*",? ?`), '')));
      assert.match(e.reason, new RegExp(`no ${missing}`));
    }
    rejects(() => parseDigestCredentials(`${base}, qop=auth, nc=00000001`));
    rejects(() => parseDigestCredentials(`${base}, qop=auth, cnonce="c"`));
    rejects(() => parseDigestCredentials(`${base}, qop=auth, cnonce="c", nc=1`));
    const q = parseDigestCredentials(`${base}, qop="AUTH", cnonce="c", nc=0000000A`);
    assert.equal(q.qop, 'auth');
    assert.equal(q.nc, '0000000A');
  });

  test('credentials: username* (RFC 7616 §3.4.4 ext-value) gives the UTF-8 bytes as a wire string', () => {
    const cr = parseDigestCredentials(
      `Digest username*=UTF-8''J%C3%A4s%C3%B8n, realm="r", nonce="n", uri="u", response="x"`,
    );
    assert.equal(cr.username, Buffer.from('Jäsøn', 'utf8').toString('latin1'));
    rejects(() => parseDigestCredentials(`Digest username*=latin1''x, realm="r", nonce="n", uri="u", response="x"`));
  });

  test('credentialsForRealm picks ours among several realms and skips what does not parse', () => {
    const values = [
      'NoOneKnowsThisScheme opaque-data=here',
      'Digest username="a", realm="ours.org"',
      'Digest username="a", realm="theirs.net", nonce="1", uri="sip:x", response="r"',
      'Digest username="b", realm="ours.org", nonce="2", uri="sip:x", response="r"',
    ];
    assert.equal(credentialsForRealm(values, 'ours.org')?.username, 'b');
    assert.equal(credentialsForRealm(values, 'theirs.net')?.nonce, '1');
    assert.equal(credentialsForRealm(values, 'nowhere'), undefined);
  });

  test('credentials round trip: qop and nc bare, the rest quoted (RFC 3261 §25.1)', () => {
    const s = formatDigestCredentials({
      username: 'bob',
      realm: 'biloxi.com',
      nonce: 'n',
      uri: 'sip:bob@biloxi.com',
      response: 'abc',
      algorithm: 'MD5',
      cnonce: 'c',
      opaque: '',
      qop: 'auth',
      nc: '00000001',
    });
    assert.equal(
      s,
      'Digest username="bob", realm="biloxi.com", nonce="n", uri="sip:bob@biloxi.com", response="abc", ' +
        'algorithm=MD5, cnonce="c", opaque="", qop=auth, nc=00000001',
    );
    const cr = parseDigestCredentials(s);
    assert.equal(cr.opaque, '');
    assert.equal(cr.uri, 'sip:bob@biloxi.com');
  });
});
