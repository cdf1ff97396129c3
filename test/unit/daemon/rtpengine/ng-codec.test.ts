/**
 * The ng wire format (src/daemon/rtpengine/ng-codec.ts): `<cookie> <bencoded dict>`, against
 * replies captured from rtpengine 10.5 (Debian rtpengine-daemon), and what a malformed datagram
 * gives (undefined, never a throw).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeNg, encodeNg } from '../../../../src/daemon/rtpengine/ng-codec.js';

// Captured from rtpengine 10.5.3.5 (offer of an SDP from 10.0.0.5, SIP-source-address, received-from 127.0.0.1).
const OFFER_SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  'm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:41001\r\n';
const OFFER_REPLY = `a1b2c3 d3:sdp${OFFER_SDP.length}:${OFFER_SDP}6:result2:oke`;
const WARNING = "Call-ID not found or tags didn't match";
const DELETE_UNKNOWN = `c0ffee d7:warning${WARNING.length}:${WARNING}6:result2:oke`;

describe('ng codec', () => {
  test('a request is the cookie, a space and the bencoded dictionary', () => {
    assert.equal(encodeNg('a1b2c3', { command: 'ping' }).toString(), 'a1b2c3 d7:command4:pinge');
    const offer = encodeNg('k', {
      command: 'offer',
      flags: ['SIP-source-address'],
      'received-from': ['IP4', '1.2.3.4'],
    });
    assert.equal(
      offer.toString(),
      'k d7:command5:offer5:flagsl18:SIP-source-addresse13:received-froml3:IP47:1.2.3.4ee',
      'keys sorted (bencode), lists as l...e',
    );
  });

  test('captured replies decode to text fields', () => {
    const offer = decodeNg(Buffer.from(OFFER_REPLY, 'latin1'));
    assert.equal(offer?.cookie, 'a1b2c3');
    assert.equal(offer?.dict.result, 'ok');
    assert.match(String(offer?.dict.sdp), /^m=audio 41000 RTP\/AVP 0\r$/m);
    const del = decodeNg(Buffer.from(DELETE_UNKNOWN));
    assert.deepEqual(del, {
      cookie: 'c0ffee',
      dict: { warning: WARNING, result: 'ok' },
    });
    const ping = decodeNg(Buffer.from('x d6:result4:pong3:numi42e4:listl1:ai-1eee'));
    assert.deepEqual(ping?.dict, { result: 'pong', num: 42, list: ['a', -1] });
  });

  test('malformed datagrams are undefined, never a throw', () => {
    for (const bad of [
      '',
      'nocookie',
      ' d6:result4:ponge',
      'c d6:resul',
      'c d6:result4:pong',
      'c i42e',
      'c l4:spame',
      'c 4:spam',
      'c d6:resulti1',
      'c d9999999999:xe',
      'c ' + 'l'.repeat(5000) + 'e'.repeat(5000),
      'x'.repeat(100) + ' d6:result4:ponge',
    ]) {
      assert.equal(decodeNg(Buffer.from(bad)), undefined, JSON.stringify(bad.slice(0, 40)));
    }
  });
});
