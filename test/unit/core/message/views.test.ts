/**
 * Parsed views across clone() and removeFirst('via'): a relayed message keeps what was parsed
 * (issue 14: a proxy parsed each relayed response's Vias twice), and what a copy changes never
 * shows in the original, nor the reverse.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage, serialize, type SipRequest, type SipResponse } from '../../../../src/core/index.js';

const RESPONSE =
  'SIP/2.0 200 OK\r\n' +
  'Via: SIP/2.0/UDP proxy.example.com:5060;branch=z9hG4bKproxy1, SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKua1;rport=5070\r\n' +
  'Via: SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKfirst\r\n' +
  'From: <sip:alice@example.com>;tag=a1\r\n' +
  'To: <sip:bob@example.com>;tag=b1\r\n' +
  'Call-ID: views-1\r\n' +
  'CSeq: 1 INVITE\r\n' +
  'Content-Length: 0\r\n\r\n';

const REQUEST =
  'INVITE sip:bob@example.com SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKua2\r\n' +
  'Max-Forwards: 70\r\n' +
  'From: <sip:alice@example.com>;tag=a2\r\n' +
  'To: <sip:bob@example.com>\r\n' +
  'Call-ID: views-2\r\n' +
  'CSeq: 7 INVITE\r\n' +
  'Content-Length: 0\r\n\r\n';

describe('parsed views of copies', () => {
  test('removing the top Via of a copy leaves the next ones parsed and right, the original whole', () => {
    const res = parseMessage(Buffer.from(RESPONSE)) as SipResponse;
    assert.equal(res.vias().length, 3);
    const out = res.clone();
    assert.equal(out.removeFirst('via'), 'SIP/2.0/UDP proxy.example.com:5060;branch=z9hG4bKproxy1');
    assert.equal(out.topVia()?.host, '10.0.0.1');
    assert.equal(out.topVia()?.params.get('rport'), '5070');
    assert.deepEqual(
      out.vias().map((v) => v.params.get('branch')),
      ['z9hG4bKua1', 'z9hG4bKfirst'],
    );
    // The same views a fresh parse of the copy's bytes gives.
    const again = parseMessage(serialize(out)) as SipResponse;
    assert.deepEqual(
      again.vias().map((v) => [v.transport, v.host, v.port, v.params.get('branch')]),
      out.vias().map((v) => [v.transport, v.host, v.port, v.params.get('branch')]),
    );
    // The original still has its three.
    assert.equal(res.vias().length, 3);
    assert.equal(res.topVia()?.host, 'proxy.example.com');
    // The last Via of a line, then of the message.
    out.removeFirst('via');
    assert.equal(out.topVia()?.params.get('branch'), 'z9hG4bKfirst');
    out.removeFirst('via');
    assert.equal(out.topVia(), undefined);
    assert.deepEqual(out.vias(), []);
  });

  test('a copy starts with the views parsed so far and drops the ones whose header it changes', () => {
    const req = parseMessage(Buffer.from(REQUEST)) as SipRequest;
    assert.equal(req.callId(), 'views-2');
    assert.equal(req.from().params.get('tag'), 'a2');
    assert.equal(req.maxForwards(), 70);
    const copy = req.clone();
    assert.equal(copy.from(), req.from(), 'the parsed From is shared, not parsed again');
    copy.set('max-forwards', '69');
    copy.prepend('via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy2');
    copy.set('from', '<sip:carol@example.com>;tag=c1');
    assert.equal(copy.maxForwards(), 69);
    assert.equal(copy.topVia()?.params.get('branch'), 'z9hG4bKproxy2');
    assert.equal(copy.fromTag(), 'c1');
    // None of it reaches the original.
    assert.equal(req.maxForwards(), 70);
    assert.equal(req.topVia()?.params.get('branch'), 'z9hG4bKua2');
    assert.equal(req.fromTag(), 'a2');
    assert.equal(req.vias().length, 1);
  });
});
