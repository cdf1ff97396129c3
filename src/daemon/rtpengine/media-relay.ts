/**
 * Media relay through rtpengine, call by call: the ng offer/answer/delete commands with the
 * flags sipd can choose from what it knows of each side (Kamailio's rtpengine_offer/answer/
 * delete). The routing API's `ctx.rtpengine` (route-media.ts) calls these; statistics and logs
 * are kept here.
 *
 * Flags: rtpengine always rewrites the media c=/m= lines to its own address and ports; for a
 * side behind NAT it also rewrites o= and the session c= (replace origin, session-connection)
 * and takes the address the SIP came from instead of the private one in the SDP
 * (SIP-source-address + received-from), as Kamailio's NAT examples do. Toward plain RTP
 * phones (every transport sipd has today) ICE candidates are removed.
 * TODO(WebRTC, with the TLS/WebSocket issue): a WS/WSS side needs ICE=force,
 * transport-protocol UDP/TLS/RTP/SAVPF, DTLS=passive and rtcp-mux-offer; the other side RTP/AVP.
 */
import type { Counter } from '../stats.js';
import type { Logger } from '../log.js';
import { textField, type NgDict } from './ng-codec.js';
import type { RtpengineSet } from './rtpengine-set.js';

export type MediaMode = 'nat' | 'always' | 'off';

/** One side of the call as sipd saw it. */
export interface MediaSide {
  /** where its SIP came from */
  readonly address: string;
  readonly transport: string;
  readonly natted: boolean;
}

export interface MediaLeg {
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag?: string;
}

export interface MediaCounters {
  readonly offers: Counter;
  readonly answers: Counter;
  readonly deletes: Counter;
  readonly errors: Counter;
}

/** A late offer (an INVITE without SDP) whose 2xx offer awaits the caller's answer in the ACK. */
interface LateOffer {
  readonly caller: MediaSide;
  /** the To tags of the 2xx offers rtpengine took (one per answering branch) */
  readonly calleeTags: Set<string>;
}

export class MediaRelay {
  /** Call-ID → its late offer; gone with the call's delete */
  private readonly late = new Map<string, LateOffer>();

  constructor(
    readonly set: RtpengineSet,
    readonly mode: MediaMode,
    /** rtpengine down or refusing: answer 503, or relay without media relay */
    readonly onFailure: '503' | 'relay',
    private readonly counters: MediaCounters,
    private readonly log: Logger,
  ) {}

  /** rtpengine relays this call (an offer of it succeeded and it was not deleted) */
  relaying(callId: string): boolean {
    return this.set.has(callId);
  }

  /** The rewritten SDP of an offer; throws when rtpengine could not take it (counted, logged). */
  async offer(leg: MediaLeg, sdp: string, side: MediaSide): Promise<string> {
    this.counters.offers.inc();
    const dict = { command: 'offer', ...legFields(leg), sdp, ...sideFlags(side) };
    return this.sdpOf('offer', leg, await this.run('offer', leg, () => this.set.offer(leg.callId, dict)));
  }

  /** The rewritten SDP of an answer (the to-tag is the answerer's). */
  async answer(leg: MediaLeg, sdp: string, side: MediaSide): Promise<string> {
    this.counters.answers.inc();
    const dict = { command: 'answer', ...legFields(leg), sdp, ...sideFlags(side) };
    return this.sdpOf('answer', leg, await this.run('answer', leg, () => this.set.forCall(leg.callId, dict)));
  }

  /**
   * Late offer (RFC 3261 §13.2.1): the 2xx to an INVITE without SDP carries the callee's offer.
   * rtpengine gets it with the tags swapped, as Kamailio sends an offer made in a reply: the
   * callee's To tag is the offerer's. The caller's ACK answers it (ackAnswer).
   */
  async lateOffer(
    leg: MediaLeg & { toTag: string },
    sdp: string,
    callee: MediaSide,
    caller: MediaSide,
  ): Promise<string> {
    const out = await this.offer({ callId: leg.callId, fromTag: leg.toTag, toTag: leg.fromTag }, sdp, callee);
    let l = this.late.get(leg.callId);
    if (!l) this.late.set(leg.callId, (l = { caller, calleeTags: new Set() }));
    l.calleeTags.add(leg.toTag);
    return out;
  }

  /** The rewritten SDP of an ACK that answers a late offer; undefined when it answers none. */
  ackAnswer(leg: MediaLeg, sdp: string): Promise<string> | undefined {
    const l = this.late.get(leg.callId);
    if (!l || !leg.toTag || !l.calleeTags.has(leg.toTag)) return undefined;
    return this.answer({ callId: leg.callId, fromTag: leg.toTag, toTag: leg.fromTag }, sdp, l.caller);
  }

  /** End the call's relay; a call rtpengine does not know is not an error (it may have timed out). */
  async delete(leg: MediaLeg): Promise<void> {
    this.late.delete(leg.callId);
    if (!this.set.has(leg.callId)) return;
    this.counters.deletes.inc();
    const dict = { command: 'delete', ...legFields(leg) };
    await this.run('delete', leg, () => this.set.forCall(leg.callId, dict, { end: true })).catch(() => undefined);
  }

  private async run(what: string, leg: MediaLeg, send: () => Promise<NgDict>): Promise<NgDict> {
    try {
      const reply = await send();
      const warning = textField(reply, 'warning');
      if (warning) this.log.warn({ callId: leg.callId, warning }, `rtpengine ${what}: warning`);
      return reply;
    } catch (err) {
      this.counters.errors.inc();
      this.log.error({ callId: leg.callId, reason: (err as Error).message }, `rtpengine ${what} failed`);
      throw err;
    }
  }

  private sdpOf(what: string, leg: MediaLeg, reply: NgDict): string {
    const sdp = textField(reply, 'sdp');
    if (sdp !== undefined) return sdp;
    this.counters.errors.inc();
    this.log.error({ callId: leg.callId }, `rtpengine ${what}: reply without sdp`);
    throw new Error(`rtpengine ${what}: reply without sdp`);
  }
}

function legFields(leg: MediaLeg): NgDict {
  const d: NgDict = { 'call-id': leg.callId, 'from-tag': leg.fromTag };
  if (leg.toTag) d['to-tag'] = leg.toTag;
  return d;
}

function sideFlags(side: MediaSide): NgDict {
  const d: NgDict = { ICE: 'remove' };
  if (side.natted) {
    d.replace = ['origin', 'session-connection'];
    d.flags = ['SIP-source-address'];
    d['received-from'] = [side.address.includes(':') ? 'IP6' : 'IP4', side.address];
  }
  return d;
}
