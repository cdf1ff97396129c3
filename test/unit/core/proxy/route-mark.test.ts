import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  parseUri,
  recordRouteUri,
  ROUTE_MARK_PARAM,
  RouteMarks,
  STATELESS_PREFIX,
  type SipUri,
} from '../../../../src/core/index.js';

const SECRET = 'a cluster secret of some length';
const dialog = { callId: 'c1@192.0.2.1', fromTag: 'caller-tag', scope: 'local' } as const;

describe('signed Record-Route marks', () => {
  const marks = new RouteMarks(SECRET);

  test('a mark verifies for its dialog from either side (From tag or To tag)', () => {
    const m = marks.mark(dialog);
    assert.match(m, /^l[A-Za-z0-9_-]{16}$/, 'scope letter + base64url, fits a URI parameter');
    // the caller's requests: From tag = the initial From tag
    assert.equal(marks.verify(m, dialog.callId, ['caller-tag', 'callee-tag']), 'local');
    // the callee's requests: To tag = the initial From tag
    assert.equal(marks.verify(m, dialog.callId, ['callee-tag', 'caller-tag']), 'local');
  });

  test('another dialog, another key, a missing or altered mark: refused', () => {
    const m = marks.mark(dialog);
    assert.equal(marks.verify(m, 'c2@192.0.2.1', ['caller-tag']), undefined, 'other Call-ID');
    assert.equal(marks.verify(m, dialog.callId, ['other-tag', 'callee-tag']), undefined, 'other tags');
    assert.equal(marks.verify(m, dialog.callId.toUpperCase(), ['caller-tag']), undefined, 'Call-ID is case-sensitive');
    assert.equal(new RouteMarks('another secret, another cluster').verify(m, dialog.callId, ['caller-tag']), undefined);
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    for (const bad of [undefined, null, '', m.slice(1), m + 'A', m.slice(0, 1) + flip(m[1]!) + m.slice(2)]) {
      assert.equal(marks.verify(bad, dialog.callId, ['caller-tag']), undefined, `mark ${String(bad)}`);
    }
    assert.equal(marks.verify('l!!!!!!!!!!!!!!!!', dialog.callId, ['caller-tag']), undefined, 'not base64url');
  });

  test('the scope is part of what is signed: a local mark relabelled open is refused', () => {
    const local = marks.mark(dialog);
    const open = marks.mark({ ...dialog, scope: 'open' });
    assert.equal(marks.verify(open, dialog.callId, ['caller-tag']), 'open');
    assert.notEqual(open.slice(1), local.slice(1));
    assert.equal(marks.verify('o' + local.slice(1), dialog.callId, ['caller-tag']), undefined);
    assert.equal(marks.verify('x' + local.slice(1), dialog.callId, ['caller-tag']), undefined);
  });

  test('the separator keeps Call-ID and tag apart ("ab"+"c" is not "a"+"bc")', () => {
    const m = marks.mark({ callId: 'ab', fromTag: 'c', scope: 'open' });
    assert.equal(marks.verify(m, 'a', ['bc']), undefined);
    assert.equal(marks.verify(m, 'ab', ['c']), 'open');
  });

  test('an initial request without From tag (RFC 2543) is marked with the empty tag', () => {
    const m = marks.mark({ callId: 'old', fromTag: '', scope: 'local' });
    assert.equal(marks.verify(m, 'old', ['', 'callee-tag']), 'local');
    assert.equal(marks.verify(m, 'old', [undefined, 'callee-tag']), undefined);
  });

  test('the mark travels in the sig parameter of the Record-Route URI and is read back from it', () => {
    const m = marks.mark(dialog);
    const rr = recordRouteUri('192.0.2.5', 5070, 'TCP', m);
    assert.equal(rr, `<sip:192.0.2.5:5070;transport=tcp;lr;${ROUTE_MARK_PARAM}=${m}>`);
    const uri = parseUri(rr.slice(1, -1)) as SipUri;
    assert.equal(marks.verifyUri(uri, dialog.callId, ['x', 'caller-tag']), 'local');
    assert.equal(
      marks.verifyUri(parseUri('sip:192.0.2.5:5070;lr') as SipUri, dialog.callId, ['caller-tag']),
      undefined,
    );
  });

  test('an empty secret is refused', () => {
    assert.throws(() => new RouteMarks(''), RangeError);
  });

  test('a mark is the documented HMAC: dialogs marked by another release or cluster node still verify', () => {
    // mark = scope letter | base64url(HMAC-SHA-256(key, LABEL | scope | Call-ID | 0x00 | tag)[0..11])
    const reference = (letter: string, callId: string, tag: string) =>
      letter +
      createHmac('sha256', Buffer.from(SECRET, 'utf8'))
        .update(Buffer.from('sipkit record-route mark v1\0', 'latin1'))
        .update(letter, 'latin1')
        .update(callId, 'utf8')
        .update(Buffer.from([0]))
        .update(tag, 'utf8')
        .digest()
        .subarray(0, 12)
        .toString('base64url');
    assert.equal(marks.mark(dialog), reference('l', dialog.callId, 'caller-tag'));
    const utf8 = { callId: 'ça-1@192.0.2.1', fromTag: 'tág', scope: 'open' } as const;
    assert.equal(marks.mark(utf8), reference('o', utf8.callId, utf8.fromTag), 'UTF-8 Call-ID and tag');
  });

  test('recently made MACs are reused without changing any answer, also once the oldest have been forgotten', () => {
    const m = new RouteMarks(SECRET);
    const first = m.mark(dialog);
    // More dialogs than RouteMarks remembers: the first one's MAC is made again when asked for.
    for (let i = 0; i < 5000; i++) m.mark({ callId: `c${i}@192.0.2.1`, fromTag: `t${i}`, scope: 'open' });
    assert.equal(m.verify(first, dialog.callId, ['caller-tag', 'callee-tag']), 'local');
    assert.equal(m.mark(dialog), first);
    assert.equal(
      m.verify(first, dialog.callId, ['callee-tag']),
      undefined,
      'a remembered MAC of another tag is not taken',
    );
    assert.equal(m.verify(first, 'other@192.0.2.1', ['caller-tag']), undefined, 'another Call-ID');
    assert.equal(m.verify(m.mark({ ...dialog, scope: 'open' }), dialog.callId, ['caller-tag']), 'open');
  });

  test('stateless branches: a function of the incoming branch and Call-ID, verifiable only with the key', () => {
    const marks = new RouteMarks('k1');
    const b = marks.statelessBranch('z9hG4bKabc', 'call-1');
    assert.ok(b.startsWith(STATELESS_PREFIX), 'magic cookie first (§8.1.1.7)');
    assert.match(b, /^[A-Za-z0-9_.!%*+`'~-]+$/, 'a token (§25.1)');
    assert.equal(marks.statelessBranch('z9hG4bKabc', 'call-1'), b, 'retransmissions get the same branch');
    assert.ok(marks.verifyStatelessBranch(b, 'z9hG4bKabc', 'call-1'));
    assert.ok(!marks.verifyStatelessBranch(b, 'z9hG4bKabd', 'call-1'), 'another next Via');
    assert.ok(!marks.verifyStatelessBranch(b, 'z9hG4bKabc', 'call-2'), 'another Call-ID');
    assert.ok(!new RouteMarks('k2').verifyStatelessBranch(b, 'z9hG4bKabc', 'call-1'), 'another key');
    assert.ok(!marks.verifyStatelessBranch('z9hG4bKother', 'z9hG4bKabc', 'call-1'));
  });
});
