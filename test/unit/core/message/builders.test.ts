/**
 * Message builders: responses (RFC 3261 §8.2.6), ACK for a non-2xx (§17.1.1.3), CANCEL (§9.1),
 * new requests, and the random identifiers (branch, tag, Call-ID).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createAck,
  createCancel,
  createRequest,
  createResponse,
  messageToString,
  newBranch,
  newCallId,
  newTag,
  withoutCSeq,
  parseMessage,
  parseMessageText,
  reasonPhrase,
  serialize,
  validateMessage,
  type SipRequest,
  type SipResponse,
} from '../../../../src/core/index.js';
import { crlf } from '../../../helpers/memory-transport.js';

const INVITE = crlf(`INVITE sip:bob@biloxi.example.com SIP/2.0
v: SIP/2.0/UDP  pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.4
Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP far.example.com;branch=z9hG4bKp0
Max-Forwards: 69
Route: <sip:p1.example.com;lr>
Route: <sip:p2.example.com;lr>
To: Bob <sip:bob@biloxi.example.com>
f: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Timestamp: 54.2
Contact: <sip:alice@pc33.atlanta.example.com>
Content-Type: application/sdp
Content-Length: 4

v=0
`);

const invite = () => parseMessageText(INVITE) as SipRequest;

describe('createResponse (§8.2.6)', () => {
  test('copies Via fields byte for byte, From, To, Call-ID, CSeq; adds Content-Length 0', () => {
    const res = createResponse(invite(), 486, undefined, { toTag: 'xyz' });
    const text = messageToString(res);
    assert.equal(
      text,
      crlf(`SIP/2.0 486 Busy Here
v: SIP/2.0/UDP  pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.4
Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP far.example.com;branch=z9hG4bKp0
To: Bob <sip:bob@biloxi.example.com>;tag=xyz
f: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Content-Length: 0

`),
    );
    validateMessage(parseMessage(serialize(res)));
  });

  test('100 Trying: no To tag, copies Timestamp', () => {
    const res = createResponse(invite(), 100, undefined, { toTag: true });
    assert.equal(res.reason, 'Trying');
    assert.equal(res.toTag(), undefined);
    assert.equal(res.get('timestamp'), '54.2');
    assert.equal(createResponse(invite(), 180).get('timestamp'), undefined);
  });

  test('toTag: true generates one; a To that already has a tag keeps it', () => {
    const r1 = createResponse(invite(), 200, 'OK', { toTag: true });
    assert.match(r1.toTag()!, /^[A-Za-z0-9.-]{10}$/);
    const inDialog = invite();
    inDialog.set('to', '<sip:bob@biloxi.example.com>;tag=existing');
    assert.equal(createResponse(inDialog, 200, undefined, { toTag: 'new' }).toTag(), 'existing');
    assert.equal(createResponse(invite(), 180).toTag(), undefined, 'no tag unless asked');
  });

  test('custom reason, extra headers and a body with Content-Type', () => {
    const res = createResponse(invite(), 200, 'Fine', {
      headers: [['Contact', '<sip:bob@192.0.2.9>']],
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    });
    const back = parseMessage(serialize(res)) as SipResponse;
    assert.equal(back.reason, 'Fine');
    assert.equal(back.get('contact'), '<sip:bob@192.0.2.9>');
    assert.equal(back.get('content-type'), 'application/sdp');
    assert.equal(back.get('content-length'), '5');
    assert.equal(back.body.toString(), 'v=0\r\n');
  });

  test('default reason phrases, unknown codes take their class phrase (§8.1.3.2)', () => {
    assert.equal(reasonPhrase(180), 'Ringing');
    assert.equal(reasonPhrase(408), 'Request Timeout');
    assert.equal(reasonPhrase(481), 'Call/Transaction Does Not Exist');
    assert.equal(reasonPhrase(499), 'Bad Request');
    assert.equal(reasonPhrase(299), 'OK');
    assert.equal(reasonPhrase(699), 'Busy Everywhere');
  });
});

describe('createAck (§17.1.1.3)', () => {
  test('one Via (the top one), Routes, From, To of the response, Call-ID, CSeq ACK, same Request-URI', () => {
    const inv = invite();
    const res = createResponse(inv, 486, undefined, { toTag: 'bobtag' });
    const ack = createAck(inv, res);
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.uri, 'sip:bob@biloxi.example.com');
    assert.deepEqual(ack.getAll('via'), [
      'SIP/2.0/UDP  pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.4',
    ]);
    assert.deepEqual(ack.getAll('route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    assert.equal(ack.toTag(), 'bobtag');
    assert.equal(ack.fromTag(), '1928301774');
    assert.equal(ack.callId(), 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.deepEqual(ack.cseq(), { seq: 314159, method: 'ACK' });
    assert.equal(ack.maxForwards(), 69);
    assert.equal(ack.body.length, 0);
    validateMessage(parseMessage(serialize(ack)));
  });

  test('refuses a 2xx', () => {
    assert.throws(() => createAck(invite(), createResponse(invite(), 200)), RangeError);
  });
});

describe('createCancel (§9.1)', () => {
  test('same Request-URI, Call-ID, To, From, CSeq number; top Via only; Routes; no body', () => {
    const cancel = createCancel(invite());
    const text = messageToString(cancel);
    assert.equal(
      text,
      crlf(`CANCEL sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP  pc33.atlanta.example.com;branch=z9hG4bK776asdhds ;received=192.0.2.4
Max-Forwards: 69
Route: <sip:p1.example.com;lr>
Route: <sip:p2.example.com;lr>
f: Alice <sip:alice@atlanta.example.com>;tag=1928301774
To: Bob <sip:bob@biloxi.example.com>
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 CANCEL
Content-Length: 0

`),
    );
  });
});

describe('createRequest', () => {
  test('mandatory header fields (§8.1.1), From tag added, body framed', () => {
    const req = createRequest({
      method: 'MESSAGE',
      uri: 'sip:bob@example.com',
      via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport',
      from: '<sip:alice@example.com>',
      to: '<sip:bob@example.com>',
      cseq: 5,
      body: 'hi',
      contentType: 'text/plain',
    });
    const back = parseMessage(serialize(req)) as SipRequest;
    validateMessage(back);
    assert.equal(back.maxForwards(), 70);
    assert.match(back.fromTag()!, /^[A-Za-z0-9.-]{10}$/);
    assert.match(back.callId(), /^[A-Za-z0-9.-]{20}$/);
    assert.deepEqual(back.cseq(), { seq: 5, method: 'MESSAGE' });
    assert.equal(back.body.toString(), 'hi');
  });
});

describe('identifiers', () => {
  test('branches carry the magic cookie; tags and Call-IDs are tokens; no repeats in 20,000', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const b = newBranch();
      assert.ok(b.startsWith('z9hG4bK') && b.length === 23);
      seen.add(b);
    }
    assert.equal(seen.size, 20_000);
    assert.match(newTag(), /^[A-Za-z0-9.-]{10}$/);
    assert.match(newCallId('host.example.com'), /^[A-Za-z0-9.-]{20}@host\.example\.com$/);
  });

  test('no identifier holds `CSeq`, which SIPp takes for the CSeq header wherever it is', () => {
    // SIPp reads a response's CSeq method after the first `CSeq` in the message: the To tag
    // `uCSeqLoW-J` (seen in CI) made it abort a call on a 200.
    assert.equal(withoutCSeq('uCSeqLoW-J'), 'uCseqLoW-J');
    assert.equal(withoutCSeq('CSeqCSeqCCSeqq'), 'CseqCseqCCseqq');
    for (const kept of ['cseq', 'CSEQ', 'CSe', 'SeqC', 'Cs.eq']) assert.equal(withoutCSeq(kept), kept);
    for (let i = 0; i < 2000; i++) {
      for (const id of [newTag(), newBranch(), newCallId()]) assert.ok(!id.includes('CSeq'), id);
    }
  });

  test('characters are spread over the whole alphabet', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const ch of newTag()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    assert.equal(counts.size, 64);
    for (const n of counts.values()) assert.ok(n > 200 && n < 450, `count ${n}`);
  });
});
