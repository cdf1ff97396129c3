/**
 * ng decoding against datagrams captured byte for byte from a real rtpengine 10.5.3.5 (Debian
 * rtpengine-daemon, user space) by test/helpers/capture-rtpengine.ts into
 * test/fixtures/rtpengine/*.bin: ping, the offer and answer of one call (a phone at 10.0.0.5
 * behind NAT, SIP-source-address), list, delete (with its statistics), a delete of the gone
 * call (a warning) and an unknown command (an error reply).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSdp } from '../../../../src/core/index.js';
import { decodeNg, encodeNg, textField, type NgDict } from '../../../../src/daemon/rtpengine/ng-codec.js';
import { fixture } from '../../../helpers/fixtures.js';

function captured(name: string): { cookie: string; dict: NgDict } {
  const d = decodeNg(fixture('rtpengine', `${name}.bin`));
  assert.ok(d, `${name}.bin decodes`);
  return d;
}

describe('ng replies captured from rtpengine 10.5', () => {
  test('ping: pong, with the cookie the request carried', () => {
    assert.deepEqual(captured('ping'), { cookie: 'cap40', dict: { result: 'pong' } });
  });

  test("offer and answer: rtpengine's SDP as text, media on its own address and ports", () => {
    for (const [name, origin] of [
      ['offer', '127.0.0.1'],
      ['answer', '192.168.1.20'],
    ] as const) {
      const { dict } = captured(name);
      assert.equal(dict.result, 'ok');
      const sdp = parseSdp(textField(dict, 'sdp')!);
      assert.ok(sdp, `${name}: an SDP`);
      assert.equal(sdp.connection?.address, '127.0.0.1', `${name}: c= is rtpengine's`);
      assert.equal(sdp.origin?.address, origin, `${name}: o= rewritten only with replace-origin (the offer)`);
      const port = sdp.media[0]!.port;
      assert.ok(port !== 4000 && port !== 5000, `${name}: not the phone's port`);
      assert.match(textField(dict, 'sdp')!, new RegExp(`a=rtcp:${port + 1}\\r\\n`));
    }
  });

  test('list: the Call-IDs rtpengine has', () => {
    assert.deepEqual(captured('list').dict, { calls: ['capture-1@10.0.0.5'], result: 'ok' });
  });

  test('delete: ok with the call statistics as nested dictionaries, lists and integers', () => {
    const { dict } = captured('delete');
    assert.equal(dict.result, 'ok');
    assert.equal(typeof dict.created, 'number');
    const tags = dict.tags as Record<string, NgDict>;
    assert.deepEqual(Object.keys(tags).sort(), ['ft1', 'tt1']);
    const media = (tags.ft1!.medias as NgDict[])[0]!;
    const rtp = (media.streams as NgDict[])[0]!;
    assert.deepEqual(rtp.endpoint, { family: 'IPv4', address: '127.0.0.1', port: 4000 }, 'SIP-source-address');
    assert.deepEqual(rtp.stats, { packets: 0, bytes: 0, errors: 0 });
    assert.deepEqual((dict.totals as NgDict).RTP, { packets: 0, bytes: 0, errors: 0 });
    // rtpengine writes keys in its own order, not bencode's sorted one ("created" before "SSRC"):
    // the decoder takes them as they come, and what sipd encodes (sorted) decodes to the same.
    const raw = fixture('rtpengine', 'delete.bin').toString('latin1');
    assert.ok(raw.indexOf('7:created') < raw.indexOf('4:SSRC'), 'unsorted keys in the capture');
    assert.deepEqual(decodeNg(encodeNg('cap64', dict)), { cookie: 'cap64', dict });
  });

  test('delete of a gone call: ok with a warning; an unknown command: an error with its reason', () => {
    assert.deepEqual(captured('delete-unknown').dict, {
      warning: "Call-ID not found or tags didn't match",
      result: 'ok',
    });
    const err = captured('error').dict;
    assert.equal(err.result, 'error');
    assert.equal(textField(err, 'error-reason'), 'Unrecognized command');
  });

  test('a captured reply cut short anywhere is undefined, never a throw', () => {
    const whole = fixture('rtpengine', 'delete.bin');
    for (let n = 0; n < whole.length; n += 7) assert.equal(decodeNg(whole.subarray(0, n)), undefined, `cut at ${n}`);
  });
});
