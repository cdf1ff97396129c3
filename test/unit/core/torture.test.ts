/**
 * RFC 4475 (SIP torture tests) and RFC 5118 (IPv6 torture tests): every message gets the verdict
 * of test/fixtures/torture/README.md. Valid messages parse with the right values and write back
 * byte for byte; invalid ones are rejected with the status a server sends (400, 505 for the
 * version) and a reason fit for its reason phrase.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  bareHost,
  decodeText,
  displayText,
  isSipUri,
  parseMessage,
  serialize,
  SipParseError,
  unescape,
  validateMessage,
  viaBranch,
  type AnyMessage,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../../../src/core/index.js';
import { fixture, fixturesDir } from '../../helpers/fixtures.js';

const load = (set: string, name: string) => fixture('torture', set, name);
const req = (m: AnyMessage) => {
  assert.ok(m.isRequest);
  return m as SipRequest;
};
const sipUri = (u: unknown) => {
  assert.ok(isSipUri(u as SipUri));
  return u as SipUri;
};

/** Parse + validate; returns the message or throws the SipParseError. */
function accept(set: string, name: string): AnyMessage {
  const m = parseMessage(load(set, name));
  validateMessage(m);
  return m;
}

function reject(set: string, name: string, status = 400): SipParseError {
  let err: unknown;
  try {
    validateMessage(parseMessage(load(set, name)));
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof SipParseError, `${name} must be rejected with a SipParseError, got ${String(err)}`);
  assert.equal(err.status, status, `${name}: status`);
  // A reason phrase must be one line of printable text.
  assert.match(err.reason, /^[\x20-\x7e]+$/);
  return err;
}

/** The message written back equals the bytes it came from (up to the end of its body). */
function roundTrips(set: string, name: string, m: AnyMessage) {
  const original = load(set, name);
  const out = serialize(m);
  assert.deepEqual(out, original.subarray(0, out.length), `${name} must write back byte for byte`);
}

const VALID_4475 = [
  'wsinv',
  'intmeth',
  'esc01',
  'escnull',
  'esc02',
  'lwsdisp',
  'longreq',
  'dblreq',
  'semiuri',
  'transports',
  'mpart01',
  'unreason',
  'noreason',
];
const INVALID_4475: Array<[string, number, RegExp]> = [
  ['badinv01', 400, /Via/],
  ['clerr', 400, /Content-Length/],
  ['ncl', 400, /Content-Length/],
  ['scalar02', 400, /CSeq/],
  ['scalarlg', 400, /CSeq/],
  ['quotbal', 400, /To/],
  ['ltgtruri', 400, /Request-URI/],
  ['lwsruri', 400, /start line/],
  ['lwsstart', 400, /start line/],
  ['trws', 400, /start line/],
  ['escruri', 400, /Request-URI/],
  ['baddate', 400, /Date/],
  ['regbadct', 400, /Contact/],
  ['badaspec', 400, /To/],
  ['baddn', 400, /From/],
  ['badvers', 505, /Version/],
  ['mismatch01', 400, /CSeq/],
  ['mismatch02', 400, /CSeq/],
  ['bigcode', 400, /status code/],
];
/** §3.2–3.4: must parse; the application reacts (proxy forwards, 416, 420, 483...). */
const APP_LEVEL_OK = [
  'badbranch',
  'unkscm',
  'novelsc',
  'unksm2',
  'bext01',
  'invut',
  'regaut01',
  'bcast',
  'zeromf',
  'cparam01',
  'cparam02',
  'regescrt',
  'sdp01',
  'inv2543',
];
/** §3.3: parse, then 400 at validation. */
const APP_LEVEL_400: Array<[string, RegExp]> = [
  ['insuf', /Missing/],
  ['multi01', /Multiple/],
  ['mcl01', /Content-Length/],
];

describe('RFC 4475 corpus', () => {
  test('fixtures hold all 49 messages', () => {
    const names = readdirSync(join(fixturesDir, 'torture', 'rfc4475')).filter((f) => f.endsWith('.dat'));
    assert.equal(names.length, 49);
    const covered = new Set([
      ...VALID_4475,
      ...INVALID_4475.map((x) => x[0]),
      ...APP_LEVEL_OK,
      ...APP_LEVEL_400.map((x) => x[0]),
    ]);
    assert.equal(covered.size, 49);
    for (const n of names) assert.ok(covered.has(n.replace(/\.dat$/, '')), `${n} has a verdict`);
  });

  for (const name of VALID_4475) {
    test(`valid: ${name} parses, validates and writes back byte for byte`, () => {
      roundTrips('rfc4475', `${name}.dat`, accept('rfc4475', `${name}.dat`));
    });
  }
  for (const [name, status, why] of INVALID_4475) {
    test(`invalid: ${name} is rejected with ${status}`, () => {
      assert.match(reject('rfc4475', `${name}.dat`, status).reason, why);
    });
  }
  for (const name of APP_LEVEL_OK) {
    test(`application level: ${name} parses and validates`, () => {
      roundTrips('rfc4475', `${name}.dat`, accept('rfc4475', `${name}.dat`));
    });
  }
  for (const [name, why] of APP_LEVEL_400) {
    test(`application level: ${name} parses, then fails validation with 400`, () => {
      assert.doesNotThrow(() => parseMessage(load('rfc4475', `${name}.dat`)));
      assert.match(reject('rfc4475', `${name}.dat`).reason, why);
    });
  }

  test('wsinv: values through folding and odd whitespace', () => {
    const m = req(accept('rfc4475', 'wsinv.dat'));
    assert.equal(m.method, 'INVITE');
    assert.equal(sipUri(m.requestUri()).host, 'chair-dnrc.example.com');
    assert.ok(sipUri(m.requestUri()).params.has('unknownparam'));
    assert.equal(m.toTag(), '1918181833n');
    assert.equal(m.fromTag(), '98asjd8');
    assert.equal(displayText(m.from()), 'J Rosenberg \\"');
    assert.equal(m.maxForwards(), 68);
    assert.deepEqual(m.cseq(), { seq: 9, method: 'INVITE' });
    assert.equal(m.callId(), 'wsinv.ndaksdj@192.0.2.1');
    const vias = m.vias();
    assert.equal(vias.length, 3);
    assert.deepEqual([vias[0]!.transport, vias[0]!.host, viaBranch(vias[0]!)], ['UDP', '192.0.2.2', '390skdjuw']);
    assert.deepEqual(
      [vias[1]!.transport, vias[1]!.host, viaBranch(vias[1]!)],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
    );
    assert.deepEqual(
      [vias[2]!.transport, vias[2]!.host, viaBranch(vias[2]!)],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    );
    const contacts = m.contacts();
    assert.ok(contacts !== '*' && contacts.length === 1);
    assert.equal(contacts[0]!.params.get('newparam'), 'newvalue');
    assert.equal(contacts[0]!.params.get('q'), '0.33');
    assert.ok(contacts[0]!.params.has('secondparam'));
    assert.equal(m.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.equal(m.get('subject'), '');
    assert.equal(m.routes()[0]!.uriText, 'sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    assert.equal(m.body.length, 150);
  });

  test('intmeth: unusual method, user and password characters', () => {
    const m = req(accept('rfc4475', 'intmeth.dat'));
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    assert.equal(m.cseq().method, m.method);
    const u = sipUri(m.requestUri());
    assert.equal(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(u.host, 'example.com');
    assert.equal(m.callId(), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(decodeText(m.get("extensionHeader-!.%*+_`'~")!), '\u{FEFF}\u5927\u505C\u96FB');
  });

  test('esc01, escnull, esc02: escapes kept as written and compared unescaped', () => {
    const a = req(accept('rfc4475', 'esc01.dat'));
    assert.equal(unescape(sipUri(a.requestUri()).user!), 'sips:user@example.com');
    assert.equal(unescape(sipUri(a.to().uri).user!), 'user');
    const b = req(accept('rfc4475', 'escnull.dat'));
    const c = b.contacts();
    assert.ok(c !== '*');
    assert.deepEqual(
      c.map((x) => unescape(sipUri(x.uri).user!)),
      ['\0', '\0\0'],
    );
    const d = req(accept('rfc4475', 'esc02.dat'));
    assert.equal(d.method, 'RE%47IST%45R');
    const dc = d.contacts();
    assert.ok(dc !== '*');
    assert.equal(dc.length, 2, 'C%6Fntact is an extension header, not Contact');
    assert.equal(d.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  });

  test('lwsdisp, semiuri, transports, dblreq, mpart01', () => {
    assert.equal(displayText(accept('rfc4475', 'lwsdisp.dat').from()), 'caller');
    const s = req(accept('rfc4475', 'semiuri.dat'));
    assert.deepEqual(
      [sipUri(s.requestUri()).user, sipUri(s.requestUri()).host],
      ['user;par=u%40example.net', 'example.com'],
    );
    assert.equal(s.getAll('accept').length, 6);
    const t = accept('rfc4475', 'transports.dat');
    assert.deepEqual(
      t.vias().map((v) => v.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
    const d = req(accept('rfc4475', 'dblreq.dat'));
    assert.equal(d.method, 'REGISTER');
    assert.equal(d.body.length, 0, 'octets after Content-Length are discarded');
    const mp = accept('rfc4475', 'mpart01.dat');
    assert.equal(mp.body.length, 553);
    const raw = load('rfc4475', 'mpart01.dat');
    assert.deepEqual(mp.body, raw.subarray(raw.length - 553));
  });

  test('responses: unusual and empty reason phrases', () => {
    const u = accept('rfc4475', 'unreason.dat') as SipResponse;
    assert.equal(u.status, 200);
    assert.match(decodeText(u.reason), /^= 2\*\*3 \* 5\*\*2 но сто девяносто девять/);
    const n = accept('rfc4475', 'noreason.dat') as SipResponse;
    assert.deepEqual([n.status, n.reason], [100, '']);
  });

  test('application-level values', () => {
    assert.equal(viaBranch(accept('rfc4475', 'badbranch.dat').topVia()!), 'z9hG4bK');
    assert.equal(req(accept('rfc4475', 'unkscm.dat')).requestUri().scheme, 'nobodyknowsthisscheme');
    assert.equal(req(accept('rfc4475', 'novelsc.dat')).requestUri().scheme, 'soap.beep');
    const u2 = accept('rfc4475', 'unksm2.dat');
    assert.deepEqual([u2.to().uri.scheme, u2.from().uri.scheme], ['isbn', 'http']);
    const b = accept('rfc4475', 'bext01.dat');
    assert.deepEqual(b.getAll('require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
    assert.deepEqual(b.getAll('proxy-require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    assert.equal(accept('rfc4475', 'bcast.dat').vias()[1]!.host, '255.255.255.255');
    assert.equal(accept('rfc4475', 'zeromf.dat').maxForwards(), 0);
    const c1 = accept('rfc4475', 'cparam01.dat').contacts();
    assert.ok(c1 !== '*' && c1[0]!.params.has('unknownparam') && !sipUri(c1[0]!.uri).params.has('unknownparam'));
    const c2 = accept('rfc4475', 'cparam02.dat').contacts();
    assert.ok(c2 !== '*' && !c2[0]!.params.has('unknownparam') && sipUri(c2[0]!.uri).params.has('unknownparam'));
    const r = accept('rfc4475', 'regescrt.dat').contacts();
    assert.ok(r !== '*');
    assert.equal(sipUri(r[0]!.uri).headers, 'Route=%3Csip:sip.example.com%3E');
    assert.equal(viaBranch(accept('rfc4475', 'inv2543.dat').topVia()!), undefined);
    assert.equal(accept('rfc4475', 'regaut01.dat').get('authorization'), 'NoOneKnowsThisScheme opaque-data=here');
  });
});

describe('RFC 5118 corpus', () => {
  const valid = [
    'ipv6-good',
    'port-ambiguous',
    'port-unambiguous',
    'via-received-param-with-delim',
    'via-received-param-no-delim',
    'ipv6-in-sdp',
    'mult-ip-in-header',
    'mult-ip-in-sdp',
    'ipv4-mapped-ipv6',
    'ipv6-correct-abnf-2-colons',
  ];
  for (const name of valid) {
    test(`valid: ${name}`, () => roundTrips('rfc5118', name, accept('rfc5118', name)));
  }
  test('invalid: ipv6-bad (unbracketed IPv6 in the Request-URI)', () => {
    assert.match(reject('rfc5118', 'ipv6-bad').reason, /Request-URI/);
  });
  test('invalid: ipv6-bug-abnf-3-colons (RFC 5954 corrects the ABNF: three colons are wrong)', () => {
    reject('rfc5118', 'ipv6-bug-abnf-3-colons');
  });
  test('IPv6 references in Request-URI, Via, Contact', () => {
    const g = req(accept('rfc5118', 'ipv6-good'));
    assert.equal(sipUri(g.requestUri()).host, '[2001:db8::10]');
    assert.equal(bareHost(sipUri(g.requestUri()).host), '2001:db8::10');
    assert.equal(g.topVia()!.host, '[2001:db8::9:1]');
    const amb = req(accept('rfc5118', 'port-ambiguous'));
    assert.deepEqual(
      [sipUri(amb.requestUri()).host, sipUri(amb.requestUri()).port],
      ['[2001:db8::10:5070]', undefined],
    );
    const unamb = req(accept('rfc5118', 'port-unambiguous'));
    assert.deepEqual([sipUri(unamb.requestUri()).host, sipUri(unamb.requestUri()).port], ['[2001:db8::10]', 5070]);
    assert.equal(
      accept('rfc5118', 'via-received-param-with-delim').topVia()!.params.get('received'),
      '[2001:db8::9:255]',
    );
    assert.equal(accept('rfc5118', 'via-received-param-no-delim').topVia()!.params.get('received'), '2001:db8::9:255');
    const mult = accept('rfc5118', 'mult-ip-in-header').vias();
    assert.deepEqual(
      mult.map((v) => [v.host, v.port ?? null]),
      [
        ['[2001:db8::9:1]', 6050],
        ['192.0.2.1', null],
        ['[2001:db8::9:255]', null],
      ],
    );
    assert.equal(accept('rfc5118', 'ipv4-mapped-ipv6').topVia()!.host, '[::ffff:192.0.2.10]');
  });
});

test('a parse error quoting raw bytes still gives a one-line printable reason', () => {
  const bytes = Buffer.from(
    'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\xff\r\nTo: <sip:x@y>\r\nFrom: <sip:a@b>;tag=1\r\n' +
      'Call-ID: 1\r\nCSeq: 1 OPTIONS\r\n\r\n',
    'latin1',
  );
  let err: unknown;
  try {
    validateMessage(parseMessage(bytes));
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof SipParseError);
  assert.match(err.reason, /^Malformed Via parameters: unexpected "\?"$/);
});
