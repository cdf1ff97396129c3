/**
 * `ctx.rtpengine` of the routing API (MediaRelayOps in route.ts) over the live MediaRelay: the
 * offer of a request's SDP before it is relayed, and the hooks that follow the relay by
 * themselves: the answer of a 1xx/2xx with SDP (the response waits for it, so the caller gets
 * rtpengine's SDP) and the delete when the request ends with a final failure (busy, CANCEL's
 * 487, timeouts, a failure hook's own answer). A BYE deletes through `delete()`. An INVITE
 * without SDP (late offer) is offered when its 2xx brings the callee's SDP and answered when the
 * caller's ACK brings its own: sipd's ack() (request-router.ts) calls ackMedia for that.
 */
import { bareHost, sameIp, type MessageSource, type SipRequest, type SipResponse } from '../../core/index.js';
import { bodyText } from '../routing/api/message-view.js';
import type { MediaRelayOps, RequestContext } from '../routing/api/route.js';
import { isPrivateAddress } from '../nat/nat.js';
import type { MediaLeg, MediaRelay, MediaSide } from './media-relay.js';

/** What the request context's relay() takes from an offer: the hooks to run on the branches' answers. */
export interface MediaHooks {
  onReply(res: SipResponse, source: MessageSource | undefined): Promise<void> | undefined;
  onFinal(status: number): void;
}

const OFFER_METHODS = new Set(['INVITE', 'UPDATE']);

export class RouteMedia implements MediaRelayOps {
  /** set by a successful offer: relay() arms the answer/delete hooks */
  hooks: MediaHooks | undefined;

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

  async offer(): Promise<boolean> {
    const r = this.relay;
    if (!r || !OFFER_METHODS.has(this.req.method) || this.ctx.answered) return true;
    const sdp = this.ctx.msg.sdp;
    if (!sdp) return this.armLateOffer(r);
    const leg = this.leg();
    try {
      this.req.body = await r.offer(leg, sdp.text, this.callerSide());
    } catch {
      if (r.onFailure === 'relay') return true;
      this.ctx.reply(503, 'Service Unavailable (media relay)');
      return false;
    }
    // A CANCEL came while rtpengine was asked: the request will not be relayed.
    if (this.ctx.answered) {
      if (!this.ctx.inDialog) void r.delete(leg);
      return false;
    }
    this.hooks = {
      onReply: (res, source) => this.answer(r, leg, res, source),
      // A failed re-INVITE or UPDATE leaves the call (and its media) as it was.
      onFinal: (status) => {
        if (status >= 300 && !this.ctx.inDialog) void r.delete(leg);
      },
    };
    return true;
  }

  delete(): Promise<void> {
    return this.relay?.delete(this.leg()) ?? Promise.resolve();
  }

  /**
   * An INVITE without a body (late offer): the offer comes in the 2xx, the answer in the ACK
   * (request-router's ack() calls ackMedia). A 1xx with SDP is not an offer here (no 100rel).
   */
  private armLateOffer(r: MediaRelay): boolean {
    if (this.req.method !== 'INVITE' || this.req.body.length > 0) return true;
    const leg = this.leg();
    const caller = this.callerSide();
    this.hooks = {
      onReply: (res, source) => {
        const toTag = res.toTag();
        if (res.status < 200 || res.status >= 300 || !toTag || !isSdp(res)) return undefined;
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

  private callerSide(): MediaSide {
    const s = this.ctx.source;
    return { address: s.address, transport: s.transport, natted: s.natted };
  }

  private leg(): MediaLeg {
    return { callId: this.req.callId(), fromTag: this.req.fromTag() ?? '', toTag: this.req.toTag() };
  }

  /** A 1xx/2xx with SDP answers our offer: rtpengine's answer replaces it before it goes up. */
  private answer(
    r: MediaRelay,
    leg: MediaLeg,
    res: SipResponse,
    source: MessageSource | undefined,
  ): Promise<void> | undefined {
    const toTag = res.toTag();
    if (res.status < 101 || res.status >= 300 || !toTag || !isSdp(res)) return undefined;
    return r.answer({ ...leg, toTag }, bodyText(res.body), calleeSide(res, source)).then(
      (sdp) => {
        res.body = sdp;
      },
      () => {
        // The caller would get an SDP pointing at the callee, not at rtpengine: logged by
        // MediaRelay; the response goes up as it came (its media may not flow through NAT).
      },
    );
  }
}

/**
 * An ACK's SDP answers the late offer of the call's 2xx (rtpengine's answer replaces it before
 * sipd forwards the ACK); undefined when the ACK answers no late offer.
 */
export function ackMedia(relay: MediaRelay, ack: SipRequest): Promise<void> | undefined {
  if (!isSdp(ack) || !relay.relaying(ack.callId())) return undefined;
  const leg = { callId: ack.callId(), fromTag: ack.fromTag() ?? '', toTag: ack.toTag() };
  return relay.ackAnswer(leg, bodyText(ack.body))?.then(
    (sdp) => {
      ack.body = sdp;
    },
    () => {
      // Logged by MediaRelay; the ACK goes on with the caller's SDP.
    },
  );
}

function calleeSide(res: SipResponse, source: MessageSource | undefined): MediaSide {
  const address = source?.remoteAddress ?? '';
  return { address, transport: source?.protocol ?? 'UDP', natted: responseNatted(res, address) };
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
