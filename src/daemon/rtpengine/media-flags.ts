/**
 * The ng flags of one offer or answer, chosen from what sipd knows of the side that sent the
 * SDP and of the transport the rewritten SDP goes over (Kamailio scripts pick the same by hand).
 *
 * - Always: rtpengine puts its own address and ports in the c=/m= lines.
 * - The sender behind NAT: o= and the session c= are rewritten too, and the address its SIP
 *   came from replaces the private one in its SDP (SIP-source-address + received-from).
 * - Toward a browser (the SDP goes over WS or WSS, RFC 7118): WebRTC media as RFC 8827 and
 *   RFC 8834 require it: UDP/TLS/RTP/SAVPF with DTLS-SRTP (no SDES keys: a browser takes none),
 *   rtpengine as a full ICE agent (ICE=force) and RTP/RTCP multiplexed (RFC 5761; offered, or
 *   required in an answer, as a browser always offers it). In an answer rtpengine takes the
 *   DTLS server role (DTLS=passive): the browser offered actpass and connects (RFC 5763 §5).
 *   An offer keeps rtpengine's default actpass, the only setup an offerer may use.
 * - From a browser toward a plain phone: RTP/AVP without ICE, RTCP on its own port
 *   (rtcp-mux-demux): rtpengine terminates DTLS-SRTP and ICE for the phone.
 * - Between two plain phones: ICE candidates are removed (they would name the phones' own
 *   addresses, not rtpengine's), and the profile is left alone (an SRTP phone keeps SRTP).
 */
import type { NgDict } from './ng-codec.js';

/** One side of the call as sipd saw it. */
export interface MediaSide {
  /** where its SIP came from */
  readonly address: string;
  /** the transport its SIP came over ("UDP", "TCP", "TLS", "WS", "WSS") */
  readonly transport: string;
  readonly natted: boolean;
}

/** A browser's transports: SIP over WebSocket (RFC 7118). */
export function isWebRtc(transport: string): boolean {
  const t = transport.toUpperCase();
  return t === 'WS' || t === 'WSS';
}

/**
 * The flags of an `offer` or `answer` whose SDP `from` sent and which goes to a peer reached
 * over `toward` (a transport name as in Via: "UDP", "WSS"...).
 */
export function mediaFlags(kind: 'offer' | 'answer', from: MediaSide, toward: string): NgDict {
  const d: NgDict = {};
  if (isWebRtc(toward)) {
    d['transport-protocol'] = 'UDP/TLS/RTP/SAVPF';
    d.ICE = 'force';
    d['rtcp-mux'] = [kind === 'offer' ? 'offer' : 'require'];
    d.SDES = ['off'];
    if (kind === 'answer') d.DTLS = 'passive';
  } else if (isWebRtc(from.transport)) {
    d['transport-protocol'] = 'RTP/AVP';
    d.ICE = 'remove';
    d['rtcp-mux'] = ['demux'];
  } else {
    d.ICE = 'remove';
  }
  if (from.natted) {
    d.replace = ['origin', 'session-connection'];
    d.flags = ['SIP-source-address'];
    d['received-from'] = [from.address.includes(':') ? 'IP6' : 'IP4', from.address];
  }
  return d;
}
