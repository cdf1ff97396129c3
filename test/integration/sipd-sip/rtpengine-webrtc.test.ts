/**
 * The media relay's flag choice against a real rtpengine (Debian rtpengine-daemon 10.5): a
 * browser's offer (test/fixtures/rtpengine/jssip-offer.sdp, as JsSIP in Chrome sends it over
 * WSS: UDP/TLS/RTP/SAVPF, ICE candidates, DTLS fingerprint, rtcp-mux, BUNDLE) reaches a UDP
 * phone as plain RTP/AVP without ICE or DTLS, and the phone's answer reaches the browser as
 * WebRTC (ICE, DTLS passive, rtcp-mux); and the other way round, a phone's offer toward a
 * browser and the browser's answer (jssip-answer.sdp). Also the sweep of calls whose end sipd
 * never saw: one rtpengine timed out itself is let go of, one older than max_call_time deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseSdp } from '../../../src/core/index.js';
import { silentLogger } from '../../../src/daemon/log.js';
import { MediaRelay, type MediaSide } from '../../../src/daemon/rtpengine/media-relay.js';
import { NgClient } from '../../../src/daemon/rtpengine/ng-client.js';
import { RtpengineSet } from '../../../src/daemon/rtpengine/rtpengine-set.js';
import { StatsRegistry } from '../../../src/daemon/stats.js';
import { fixture } from '../../helpers/fixtures.js';
import { sleep } from '../../helpers/net.js';
import { Rtpengine, rtpengineMissing } from '../../helpers/rtpengine.js';

const skip = rtpengineMissing();
const browser: MediaSide = { address: '127.0.0.1', transport: 'WSS', natted: false };
const phone: MediaSide = { address: '127.0.0.1', transport: 'UDP', natted: false };
const phoneSdp =
  'v=0\r\no=- 7 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
  'm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n';

/** What a receiver of the SDP sees of its first media line. */
function look(sdp: string) {
  const s = parseSdp(sdp);
  assert.ok(s, `an SDP: ${sdp}`);
  const m = s.media[0]!;
  const attr = (name: string) => sdp.split(/\r?\n/).filter((l) => l.startsWith(`a=${name}`));
  return {
    proto: m.proto,
    ice: attr('ice-ufrag').length > 0 || attr('candidate').length > 0,
    candidates: attr('candidate'),
    fingerprint: attr('fingerprint').length > 0,
    setup: attr('setup:')[0]?.slice('a=setup:'.length),
    rtcpMux: attr('rtcp-mux').length > 0,
    crypto: attr('crypto').length > 0,
    address: (m.connection ?? s.connection)!.address,
  };
}

function relay(rtp: Rtpengine, limits = { maxCallS: 0, checkS: 1 }) {
  const stats = new StatsRegistry();
  const c = (n: string) => stats.counter('rtpengine', n);
  const set = new RtpengineSet(
    [{ socket: rtp.socket, host: '127.0.0.1', port: rtp.ngPort, weight: 1 }],
    new NgClient({ timeoutMs: 500, retries: 2 }),
  );
  const counters = {
    offers: c('offers'),
    answers: c('answers'),
    deletes: c('deletes'),
    errors: c('errors'),
    expired: c('expired'),
  };
  return { media: new MediaRelay(set, 'always', '503', counters, silentLogger(), limits), counters, set };
}

describe('rtpengine: WebRTC flags chosen from the transports', { skip }, () => {
  let rtp: Rtpengine;
  let r: ReturnType<typeof relay>;
  before(async () => {
    rtp = await Rtpengine.start();
    r = relay(rtp);
  });
  after(async () => {
    r?.set.close();
    await rtp?.stop();
  });

  test("a browser's offer (WSS) reaches a UDP phone as plain RTP/AVP without ICE; the phone's answer reaches the browser as WebRTC", async () => {
    const leg = { callId: `webrtc-1-${Date.now()}`, fromTag: 'browser-tag' };
    const toPhone = look(await r.media.offer(leg, fixture('rtpengine', 'jssip-offer.sdp').toString(), browser, 'UDP'));
    assert.equal(toPhone.proto, 'RTP/AVP');
    assert.equal(toPhone.ice, false, 'no ICE toward the phone');
    assert.equal(toPhone.fingerprint, false, 'no DTLS toward the phone');
    assert.equal(toPhone.crypto, false, 'no SDES keys either');
    assert.equal(toPhone.rtcpMux, false, 'RTCP on its own port (rtcp-mux-demux)');
    assert.equal(toPhone.address, '127.0.0.1', "rtpengine's address, not the browser's 10.0.0.42");

    const toBrowser = look(await r.media.answer({ ...leg, toTag: 'phone-tag' }, phoneSdp, phone, 'WSS'));
    assert.equal(toBrowser.proto, 'UDP/TLS/RTP/SAVPF');
    assert.equal(toBrowser.ice, true, 'rtpengine answers as an ICE agent');
    assert.ok(
      toBrowser.candidates.every((l) => / 127\.0\.0\.1 /.test(l)),
      `candidates of rtpengine only: ${toBrowser.candidates.join(' | ')}`,
    );
    assert.equal(toBrowser.fingerprint, true, 'DTLS-SRTP');
    assert.equal(toBrowser.setup, 'passive', 'the browser offered actpass: rtpengine is the DTLS server');
    assert.equal(toBrowser.rtcpMux, true);
    assert.equal(toBrowser.crypto, false, 'no SDES toward a browser');
    await r.media.delete(leg);
    assert.deepEqual(await rtp.calls(), []);
  });

  test("a phone's offer reaches a browser (WS) as WebRTC with actpass; the browser's answer reaches the phone as plain RTP/AVP", async () => {
    const leg = { callId: `webrtc-2-${Date.now()}`, fromTag: 'phone-tag' };
    const toBrowser = look(await r.media.offer(leg, phoneSdp, phone, 'WS'));
    assert.equal(toBrowser.proto, 'UDP/TLS/RTP/SAVPF');
    assert.equal(toBrowser.ice, true);
    assert.equal(toBrowser.fingerprint, true);
    assert.equal(toBrowser.setup, 'actpass', 'an offerer must offer actpass (RFC 5763 §5)');
    assert.equal(toBrowser.rtcpMux, true, 'rtcp-mux offered');

    const answer = fixture('rtpengine', 'jssip-answer.sdp').toString();
    const toPhone = look(await r.media.answer({ ...leg, toTag: 'browser-tag' }, answer, browser, 'UDP'));
    assert.equal(toPhone.proto, 'RTP/AVP');
    assert.equal(toPhone.ice, false);
    assert.equal(toPhone.fingerprint, false);
    assert.equal(toPhone.rtcpMux, false);
    await r.media.delete(leg);
  });

  test('between two UDP phones nothing WebRTC is added', async () => {
    const leg = { callId: `plain-${Date.now()}`, fromTag: 'a' };
    const out = look(await r.media.offer(leg, phoneSdp, phone, 'UDP'));
    assert.deepEqual([out.proto, out.ice, out.fingerprint, out.rtcpMux], ['RTP/AVP', false, false, false]);
    await r.media.delete(leg);
  });
});

describe('rtpengine: calls whose end sipd never saw', { skip }, () => {
  let rtp: Rtpengine;
  before(async () => {
    rtp = await Rtpengine.start({ timeout: 2 });
  });
  after(async () => {
    await rtp?.stop();
  });

  test("rtpengine ended a call without media (its --timeout): the sweep's query finds it gone and sipd lets go of it", async () => {
    const r = relay(rtp, { maxCallS: 0, checkS: 1 });
    try {
      const leg = { callId: `silent-${Date.now()}`, fromTag: 'a' };
      await r.media.offer(leg, phoneSdp, phone, 'UDP');
      await r.media.answer({ ...leg, toTag: 'b' }, phoneSdp.replace('40000', '40002'), phone, 'UDP');
      assert.equal(r.set.sessions, 1);
      await r.media.sweep(Date.now() + 1000);
      assert.equal(r.set.sessions, 1, 'still in rtpengine: kept');
      const deadline = Date.now() + 15000;
      while ((await rtp.calls()).length > 0 && Date.now() < deadline) await sleep(250);
      assert.deepEqual(await rtp.calls(), [], 'rtpengine timed the call out');
      await r.media.sweep(Date.now() + 2000);
      assert.equal(r.set.sessions, 0, 'sipd forgot it too');
      assert.equal(r.counters.expired.value, 1);
      assert.equal(r.media.relaying(leg.callId), false);
    } finally {
      r.set.close();
    }
  });

  test('a call older than max_call_time is deleted in rtpengine by the sweep', async () => {
    const r = relay(rtp, { maxCallS: 3600, checkS: 60 });
    try {
      const leg = { callId: `long-${Date.now()}`, fromTag: 'a' };
      await r.media.offer(leg, phoneSdp, phone, 'UDP');
      await r.media.sweep(Date.now() + 60_000);
      assert.deepEqual(await rtp.calls(), [leg.callId], 'a minute old: kept');
      await r.media.sweep(Date.now() + 3600_000);
      assert.deepEqual(await rtp.calls(), [], 'an hour old: deleted');
      assert.equal(r.set.sessions, 0);
      assert.equal(r.counters.expired.value, 1);
      assert.equal(r.counters.deletes.value, 1);
    } finally {
      r.set.close();
    }
  });
});
