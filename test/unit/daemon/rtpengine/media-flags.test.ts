/**
 * The ng flags sipd chooses per offer/answer from the sender's side and the transport the
 * rewritten SDP goes over: WebRTC toward WS/WSS, plain RTP from a browser toward a phone, ICE
 * removed between phones (whose SRTP profile is left alone), NAT rewriting for a NAT'd sender.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isWebRtc, mediaFlags, type MediaSide } from '../../../../src/daemon/rtpengine/media-flags.js';

const phone: MediaSide = { address: '192.0.2.10', transport: 'UDP', natted: false };
const browser: MediaSide = { address: '192.0.2.20', transport: 'WSS', natted: false };

describe('media flags', () => {
  test('WS and WSS are browsers, whatever the case; UDP, TCP and TLS are not', () => {
    for (const t of ['WS', 'WSS', 'wss', 'ws']) assert.equal(isWebRtc(t), true, t);
    for (const t of ['UDP', 'TCP', 'TLS', 'SCTP', '']) assert.equal(isWebRtc(t), false, t);
  });

  test("a phone's offer toward a browser: UDP/TLS/RTP/SAVPF, ICE forced, rtcp-mux offered, DTLS only (SDES off), rtpengine's default actpass", () => {
    assert.deepEqual(mediaFlags('offer', phone, 'WSS'), {
      'transport-protocol': 'UDP/TLS/RTP/SAVPF',
      ICE: 'force',
      'rtcp-mux': ['offer'],
      SDES: ['off'],
    });
  });

  test("a phone's answer toward a browser: rtcp-mux required and rtpengine takes the passive DTLS role (RFC 5763 §5)", () => {
    const f = mediaFlags('answer', phone, 'WS');
    assert.equal(f['transport-protocol'], 'UDP/TLS/RTP/SAVPF');
    assert.equal(f.ICE, 'force');
    assert.deepEqual(f['rtcp-mux'], ['require']);
    assert.equal(f.DTLS, 'passive');
  });

  test('a browser toward a phone over UDP or TLS: RTP/AVP, no ICE, RTCP demultiplexed', () => {
    for (const toward of ['UDP', 'TLS', 'TCP'])
      for (const kind of ['offer', 'answer'] as const)
        assert.deepEqual(
          mediaFlags(kind, browser, toward),
          { 'transport-protocol': 'RTP/AVP', ICE: 'remove', 'rtcp-mux': ['demux'] },
          `${kind} toward ${toward}`,
        );
  });

  test('between phones: ICE removed, the profile left as the phone wrote it (an SRTP phone keeps SRTP)', () => {
    assert.deepEqual(mediaFlags('offer', phone, 'UDP'), { ICE: 'remove' });
    assert.deepEqual(mediaFlags('answer', { ...phone, transport: 'TLS' }, 'TCP'), { ICE: 'remove' });
  });

  test('browser to browser: WebRTC both ways', () => {
    assert.equal(mediaFlags('offer', browser, 'WSS')['transport-protocol'], 'UDP/TLS/RTP/SAVPF');
  });

  test('a sender behind NAT: origin and session c= rewritten, its SIP source address used (IPv4 and IPv6)', () => {
    const f = mediaFlags('offer', { address: '203.0.113.7', transport: 'UDP', natted: true }, 'UDP');
    assert.deepEqual(f.replace, ['origin', 'session-connection']);
    assert.deepEqual(f.flags, ['SIP-source-address']);
    assert.deepEqual(f['received-from'], ['IP4', '203.0.113.7']);
    const v6 = mediaFlags('answer', { address: '2001:db8::7', transport: 'WSS', natted: true }, 'UDP');
    assert.deepEqual(v6['received-from'], ['IP6', '2001:db8::7']);
    assert.equal(v6['transport-protocol'], 'RTP/AVP', 'NAT and WebRTC flags together');
  });
});
