/**
 * An SDP answer a browser accepts for its WebRTC audio offer, for a test callee that has no
 * media stack: ICE credentials, a DTLS fingerprint (RFC 8122) and setup:active (RFC 5763 §5), the
 * offer's mid, BUNDLE and rtcp-mux (RFC 8843, RFC 5761), and one codec from the offer (Opus if
 * offered). No media flows (ICE never completes); signalling tests need only that the browser's
 * setRemoteDescription succeeds, so that it sends the ACK.
 */
import { randomBytes } from 'node:crypto';

export function webrtcAnswer(offer: string): string {
  const lines = offer.split(/\r?\n/);
  const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6) ?? '0';
  const m = lines.find((l) => l.startsWith('m=audio '));
  if (!m) throw new Error('the offer has no audio m-line');
  const opus = lines.find((l) => /^a=rtpmap:\d+ opus\/48000/i.test(l));
  const pt = opus ? /^a=rtpmap:(\d+)/.exec(opus)![1]! : m.split(' ')[3]!;
  const codec = opus ? opus.slice(`a=rtpmap:${pt} `.length) : 'PCMU/8000';
  const fingerprint = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  return [
    'v=0',
    `o=- ${Date.now()} 1 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mid}`,
    `m=audio 9 UDP/TLS/RTP/SAVPF ${pt}`,
    'c=IN IP4 127.0.0.1',
    `a=mid:${mid}`,
    'a=sendrecv',
    'a=rtcp-mux',
    `a=ice-ufrag:${randomBytes(4).toString('hex')}`,
    `a=ice-pwd:${randomBytes(12).toString('hex')}`,
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:active',
    `a=rtpmap:${pt} ${codec}`,
    '',
  ].join('\r\n');
}
