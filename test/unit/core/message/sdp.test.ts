/** SDP (RFC 8866) read by src/core/message/sdp.ts: session and media parts a route or a media relay reads. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSdp } from '../../../../src/core/index.js';

const OFFER = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=sendrecv',
  'm=video 0 RTP/AVP 31',
  'c=IN IP6 2001:db8::1',
  '',
].join('\r\n');

describe('parseSdp', () => {
  test('origin, session connection, media with their formats, attributes and own connection', () => {
    const sdp = parseSdp(OFFER)!;
    assert.equal(sdp.origin?.address, '192.168.1.20');
    assert.equal(sdp.origin?.sessionId, '2890844526');
    assert.deepEqual(sdp.connection, { netType: 'IN', addrType: 'IP4', address: '192.168.1.20' });
    assert.deepEqual(sdp.attributes, [['group', 'BUNDLE 0']]);
    assert.equal(sdp.media.length, 2);
    const [audio, video] = sdp.media;
    assert.deepEqual(
      [audio!.type, audio!.port, audio!.proto, audio!.formats],
      ['audio', 49170, 'RTP/AVP', ['0', '8', '101']],
    );
    assert.deepEqual(audio!.attributes, [
      ['rtpmap', '101 telephone-event/8000'],
      ['sendrecv', undefined],
    ]);
    assert.equal(audio!.connection, undefined, 'the session c= applies');
    assert.equal(video!.port, 0);
    assert.deepEqual(video!.connection, { netType: 'IN', addrType: 'IP6', address: '2001:db8::1' });
    assert.equal(sdp.text, OFFER);
  });

  test('LF line ends and a multicast TTL are read; a body without v= first is not SDP', () => {
    const sdp = parseSdp('v=0\nc=IN IP4 224.2.1.1/127\nm=audio 5004 RTP/AVP 0\n')!;
    assert.equal(sdp.connection?.address, '224.2.1.1');
    assert.equal(sdp.media[0]!.port, 5004);
    assert.equal(parseSdp('hello'), undefined);
    assert.equal(parseSdp(''), undefined);
  });
});
