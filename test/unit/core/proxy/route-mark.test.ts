import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseUri, recordRouteUri, ROUTE_MARK_PARAM, RouteMarks, type SipUri } from '../../../../src/core/index.js';

const SECRET = 'a cluster secret of some length';
const dialog = { callId: 'c1@192.0.2.1', fromTag: 'caller-tag' };

describe('signed Record-Route marks', () => {
  const marks = new RouteMarks(SECRET);

  test('a mark verifies for its dialog from either side (From tag or To tag)', () => {
    const m = marks.mark(dialog);
    assert.match(m, /^[A-Za-z0-9_-]{16}$/, 'base64url, fits a URI parameter');
    // the caller's requests: From tag = the initial From tag
    assert.equal(marks.verify(m, dialog.callId, ['caller-tag', 'callee-tag']), true);
    // the callee's requests: To tag = the initial From tag
    assert.equal(marks.verify(m, dialog.callId, ['callee-tag', 'caller-tag']), true);
  });

  test('another dialog, another key, a missing or altered mark: refused', () => {
    const m = marks.mark(dialog);
    assert.equal(marks.verify(m, 'c2@192.0.2.1', ['caller-tag']), false, 'other Call-ID');
    assert.equal(marks.verify(m, dialog.callId, ['other-tag', 'callee-tag']), false, 'other tags');
    assert.equal(marks.verify(m, dialog.callId.toUpperCase(), ['caller-tag']), false, 'Call-ID is case-sensitive');
    assert.equal(new RouteMarks('another secret, another cluster').verify(m, dialog.callId, ['caller-tag']), false);
    for (const bad of [undefined, null, '', m.slice(1), m + 'A', m.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))]) {
      assert.equal(marks.verify(bad, dialog.callId, ['caller-tag']), false, `mark ${String(bad)}`);
    }
    assert.equal(marks.verify('!!!!!!!!!!!!!!!!', dialog.callId, ['caller-tag']), false, 'not base64url');
  });

  test('the separator keeps Call-ID and tag apart ("ab"+"c" is not "a"+"bc")', () => {
    const m = marks.mark({ callId: 'ab', fromTag: 'c' });
    assert.equal(marks.verify(m, 'a', ['bc']), false);
    assert.equal(marks.verify(m, 'ab', ['c']), true);
  });

  test('an initial request without From tag (RFC 2543) is marked with the empty tag', () => {
    const m = marks.mark({ callId: 'old', fromTag: '' });
    assert.equal(marks.verify(m, 'old', ['', 'callee-tag']), true);
    assert.equal(marks.verify(m, 'old', [undefined, 'callee-tag']), false);
  });

  test('the mark travels in the sig parameter of the Record-Route URI and is read back from it', () => {
    const m = marks.mark(dialog);
    const rr = recordRouteUri('192.0.2.5', 5070, 'TCP', m);
    assert.equal(rr, `<sip:192.0.2.5:5070;transport=tcp;lr;${ROUTE_MARK_PARAM}=${m}>`);
    const uri = parseUri(rr.slice(1, -1)) as SipUri;
    assert.equal(marks.verifyUri(uri, dialog.callId, ['x', 'caller-tag']), true);
    assert.equal(marks.verifyUri(parseUri('sip:192.0.2.5:5070;lr') as SipUri, dialog.callId, ['caller-tag']), false);
  });

  test('an empty secret is refused', () => {
    assert.throws(() => new RouteMarks(''), RangeError);
  });
});
