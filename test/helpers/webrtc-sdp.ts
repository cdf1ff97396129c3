/**
 * SDP a browser accepts from a test phone that has no media stack: ICE credentials, a DTLS
 * fingerprint (RFC 8122), the DTLS role (RFC 5763 §5: actpass in an offer, active in an answer),
 * BUNDLE and rtcp-mux (RFC 8843, RFC 5761) and one audio codec. No media flows (ICE never
 * completes); signalling tests need only that setRemoteDescription succeeds, so that the browser
 * answers a call or sends the ACK for one.
 */
import { randomBytes } from 'node:crypto';

function webrtcSdp(o: { mid: string; pt: string; codec: string; setup: 'actpass' | 'active' }): string {
  const fingerprint = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
  return [
    'v=0',
    `o=- ${Date.now()} 1 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${o.mid}`,
    `m=audio 9 UDP/TLS/RTP/SAVPF ${o.pt}`,
    'c=IN IP4 127.0.0.1',
    `a=mid:${o.mid}`,
    'a=sendrecv',
    'a=rtcp-mux',
    `a=ice-ufrag:${randomBytes(4).toString('hex')}`,
    `a=ice-pwd:${randomBytes(12).toString('hex')}`,
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=setup:${o.setup}`,
    `a=rtpmap:${o.pt} ${o.codec}`,
    '',
  ].join('\r\n');
}

/** An answer to a browser's audio offer: the offer's mid, Opus if offered (else its first codec). */
export function webrtcAnswer(offer: string): string {
  const lines = offer.split(/\r?\n/);
  const mid = lines.find((l) => l.startsWith('a=mid:'))?.slice(6) ?? '0';
  const m = lines.find((l) => l.startsWith('m=audio '));
  if (!m) throw new Error('the offer has no audio m-line');
  const opus = lines.find((l) => /^a=rtpmap:\d+ opus\/48000/i.test(l));
  const pt = opus ? /^a=rtpmap:(\d+)/.exec(opus)![1]! : m.split(' ')[3]!;
  const codec = opus ? opus.slice(`a=rtpmap:${pt} `.length) : 'PCMU/8000';
  return webrtcSdp({ mid, pt, codec, setup: 'active' });
}

/** An audio offer (Opus) for a call to a browser. */
export function webrtcOffer(): string {
  return webrtcSdp({ mid: '0', pt: '111', codec: 'opus/48000/2', setup: 'actpass' });
}
