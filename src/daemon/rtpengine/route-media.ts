/**
 * `ctx.rtpengine` of the routing API (MediaRelayOps in route.ts) over the live MediaRelay: hooks
 * that follow the relay by themselves: the offer of each branch's SDP as it is sent (the branch
 * waits for it), the answer of a 1xx/2xx with SDP (the response waits for it, so the caller gets
 * rtpengine's SDP), the delete of a forked branch that failed, and the delete when the request
 * ends with a final failure (busy, CANCEL's 487, timeouts, a failure hook's own answer). A
 * reliable 183's SDP (RFC 3262) is answered as any 1xx; an UPDATE or re-INVITE with SDP within
 * the dialog is offered again (default-route.ts). A BYE deletes through `delete()`. An INVITE
 * without SDP (late offer) is offered when its 2xx or a reliable 1xx brings the callee's SDP and
 * answered when the caller's ACK (sipd's ack() in request-router.ts calls ackMedia) or PRACK
 * brings its own.
 */
import { bareHost, sameIp, type MessageSource, type SipRequest, type SipResponse } from '../../core/index.js';
import { bodyText } from '../routing/api/message-view.js';
import type { MediaRelayOps, RequestContext } from '../routing/api/route.js';
import { isPrivateAddress } from '../nat/nat.js';
import type { MediaLeg, MediaRelay, MediaSide } from './media-relay.js';

/** What the request context's relay() takes from an offer: the hooks to run on the branches. */
export interface MediaHooks {
  /** each branch's own offer before it is sent (a status answers the request: 503 when rtpengine failed) */
  prepareBranch?(req: SipRequest, index: number, viaBranch: string, protocol: string): Promise<number | undefined>;
  onReply(res: SipResponse, source: MessageSource | undefined): Promise<void> | undefined;
  onFinal(status: number): void;
}

const OFFER_METHODS = new Set(['INVITE', 'UPDATE']);

export class RouteMedia implements MediaRelayOps {
  /** set by offer(): relay() arms the offer/answer/delete hooks */
  hooks: MediaHooks | undefined;
  /** the final status once it went upstream (an offer still in flight then deletes what it made) */
  private ended: number | undefined;
  /** the To tag of the first 2xx answered: later answers of other branches would take its media */
  private winner: string | undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly req: SipRequest,
    private readonly relay: MediaRelay | undefined,
  ) {}

  get configured(): boolean {
    return this.relay !== undefined;
  }

  get mode(): 'nat' | 'always' | 'off' {
    return this.relay?.mode ?? 'off';
  }

  get relaying(): boolean {
    return this.relay?.relaying(this.req.callId()) ?? false;
  }

  /**
   * Arm the offer: each branch of the relayed request is offered to rtpengine as it is sent,
   * with the transport it goes over (WebRTC flags toward WS/WSS) and, for an initial INVITE,
   * its own Via branch (via-branch: forked branches get a media leg each). A branch rtpengine
   * refuses answers the call 503 (or goes with its own SDP with on_failure = "relay").
   */
  offer(): Promise<boolean> {
    const r = this.relay;
    if (r && this.req.method === 'PRACK' && !this.ctx.answered) return this.prackAnswer(r);
    if (!r || !OFFER_METHODS.has(this.req.method) || this.ctx.answered) return Promise.resolve(true);
    const sdp = this.ctx.msg.sdp;
    if (!sdp) return Promise.resolve(this.armLateOffer(r));
    const forks = this.req.method === 'INVITE' && !this.ctx.inDialog;
    const text = sdp.text;
    const caller = this.callerSide();
    this.hooks = {
      prepareBranch: (req, _i, viaBranch, protocol) =>
        this.offerBranch(r, req, text, caller, protocol, forks ? viaBranch : undefined),
      onReply: (res, source) => this.onReply(r, res, source, forks),
      // A failed re-INVITE or UPDATE leaves the call (and its media) as it was.
      onFinal: (status) => {
        this.ended = status;
        if (status >= 300 && !this.ctx.inDialog) void r.delete(this.leg());
      },
    };
    return Promise.resolve(true);
  }

  delete(): Promise<void> {
    return this.relay?.delete(this.leg()) ?? Promise.resolve();
  }

  private async offerBranch(
    r: MediaRelay,
    req: SipRequest,
    sdp: string,
    caller: MediaSide,
    protocol: string,
    viaBranch: string | undefined,
  ): Promise<number | undefined> {
    try {
      req.body = await r.offer({ ...this.leg(), viaBranch }, sdp, caller, protocol);
    } catch {
      return r.onFailure === 'relay' ? undefined : 503;
    }
    // The call ended while rtpengine was asked (a CANCEL, the other branches failed): the
    // delete of the final answer found nothing yet, so this offer's session goes now.
    if (this.ended !== undefined && this.ended >= 300 && !this.ctx.inDialog) void r.delete(this.leg());
    return undefined;
  }

  /**
   * A 1xx/2xx with SDP answers the branch's offer: rtpengine's answer replaces it before it goes
   * up. A forked branch's failure deletes its own media leg (the final answer deletes the call).
   */
  private onReply(
    r: MediaRelay,
    res: SipResponse,
    source: MessageSource | undefined,
    forks: boolean,
  ): Promise<void> | undefined {
    const viaBranch = forks ? (res.topVia()?.params.get('branch') ?? undefined) : undefined;
    const toTag = res.toTag();
    if (res.status >= 300) {
      // After this turn: when this failure is the call's final answer, onFinal deletes it all.
      if (viaBranch)
        setImmediate(() => {
          if (this.ended === undefined || this.ended < 300) void r.deleteBranch({ ...this.leg(), viaBranch });
        });
      return undefined;
    }
    if (res.status < 101 || !toTag || !isSdp(res)) return undefined;
    // A 2xx answered: another branch's late 183 or 2xx must not take the caller's media (the
    // caller keeps the first 2xx, RFC 3261 §13.2.2.4, and sipd cancels the other branches).
    if (this.winner !== undefined && toTag !== this.winner) return undefined;
    if (res.status >= 200) this.win(r, toTag);
    const callee = calleeSide(res, source);
    return r.answer({ ...this.leg(), toTag, viaBranch }, bodyText(res.body), callee, this.ctx.source.transport).then(
      (sdp) => {
        res.body = sdp;
      },
      () => {
        // The caller would get an SDP pointing at the callee, not at rtpengine: logged by
        // MediaRelay; the response goes up as it came (its media may not flow through NAT).
      },
    );
  }

  /**
   * A PRACK with SDP answers the late offer of its reliable 1xx (RFC 3262 §5): rtpengine's answer
   * replaces it before sipd relays the PRACK.
   */
  private async prackAnswer(r: MediaRelay): Promise<boolean> {
    await answerLateOffer(r, this.req);
    return true;
  }

  /**
   * An INVITE without a body (late offer): the offer comes in the 2xx or in a reliable 1xx
   * (RFC 3262 §5), the answer in the ACK (request-router's ack() calls ackMedia) or in the PRACK
   * (prackAnswer). An unreliable 1xx's SDP is only a preview of the 2xx's offer (RFC 6337 §3.1)
   * and goes up as it came.
   */
  private armLateOffer(r: MediaRelay): boolean {
    if (this.req.method !== 'INVITE' || this.req.body.length > 0) return true;
    const leg = this.leg();
    const caller = this.callerSide();
    this.hooks = {
      onReply: (res, source) => {
        const toTag = res.toTag();
        if (res.status < 101 || res.status >= 300 || !toTag || !isSdp(res)) return undefined;
        if (res.status < 200 && !isReliable(res)) return undefined;
        // A second branch's 2xx (forked, answered before sipd's CANCEL reached it) goes up with
        // its own SDP: rtpengine relays one answer per caller tag, and an offer of this branch
        // answered in its ACK would take the caller's media from the first 2xx, which the
        // caller keeps (RFC 3261 §13.2.2.4; the other dialog it ends with a BYE).
        if (this.winner !== undefined && toTag !== this.winner) return undefined;
        if (res.status >= 200) this.win(r, toTag);
        return r.lateOffer({ ...leg, toTag }, bodyText(res.body), calleeSide(res, source), caller).then(
          (sdp) => {
            res.body = sdp;
          },
          () => {
            // Logged by MediaRelay: the 2xx goes up with the callee's own SDP, the ACK as it comes.
          },
        );
      },
      onFinal: (status) => {
        if (status >= 300 && !this.ctx.inDialog) void r.delete(leg);
      },
    };
    return true;
  }

  /** The first 2xx of a new call: its dialog keeps the media (a later BYE of another one deletes nothing). */
  private win(r: MediaRelay, toTag: string): void {
    this.winner = toTag;
    if (!this.ctx.inDialog) r.confirmDialog(this.req.callId(), this.req.fromTag() ?? '', toTag);
  }

  private callerSide(): MediaSide {
    const s = this.ctx.source;
    return { address: s.address, transport: s.transport, natted: s.natted };
  }

  private leg(): MediaLeg {
    return { callId: this.req.callId(), fromTag: this.req.fromTag() ?? '', toTag: this.req.toTag() };
  }
}

/**
 * An ACK's SDP answers the late offer of the call's 2xx (rtpengine's answer replaces it before
 * sipd forwards the ACK); undefined when the ACK answers no late offer.
 */
export function ackMedia(relay: MediaRelay, ack: SipRequest): Promise<void> | undefined {
  if (!relay.relaying(ack.callId())) return undefined;
  return answerLateOffer(relay, ack);
}

/** An ACK's or PRACK's SDP answering a late offer, replaced by rtpengine's; undefined when none. */
function answerLateOffer(relay: MediaRelay, req: SipRequest): Promise<void> | undefined {
  if (!isSdp(req)) return undefined;
  const leg = { callId: req.callId(), fromTag: req.fromTag() ?? '', toTag: req.toTag() };
  return relay.answerLate(leg, bodyText(req.body))?.then(
    (sdp) => {
      req.body = sdp;
    },
    () => {
      // Logged by MediaRelay; the request goes on with the caller's SDP.
    },
  );
}

/** A reliable provisional response (RFC 3262 §7.1: RSeq, and 100rel in Require). */
function isReliable(res: SipResponse): boolean {
  return res.get('rseq') !== undefined && /(^|,)\s*100rel\s*(,|$)/i.test(res.getAll('require').join(','));
}

function calleeSide(res: SipResponse, source: MessageSource | undefined): MediaSide {
  const address = source?.remoteAddress ?? '';
  const transport = (source?.protocol ?? 'UDP').toUpperCase();
  return { address, transport, natted: responseNatted(res, address) };
}

function isSdp(res: SipResponse | SipRequest): boolean {
  const type = (res.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/sdp' && res.body.length > 0;
}

/** The answerer is behind NAT: its Contact names a private address it did not send from (nat_uac_test 1). */
function responseNatted(res: SipResponse, source: string): boolean {
  try {
    const c = res.contacts();
    if (c === '*' || c.length === 0) return false;
    const u = c[0]!.uri;
    if (!('host' in u)) return false;
    const host = bareHost(u.host);
    return isPrivateAddress(host) && !sameIp(host, source);
  } catch {
    return false;
  }
}
