/**
 * Media relay through rtpengine, call by call: the ng offer/answer/delete commands with the
 * flags chosen for each side (media-flags.ts; Kamailio's rtpengine_offer/answer/delete). The
 * routing API's `ctx.rtpengine` (route-media.ts) calls these; statistics and logs are kept here.
 *
 * Forked branches: each branch's offer and the answers of its responses carry the branch's Via
 * branch (`via-branch`, as Kamailio's module sends it), so that rtpengine keeps one media leg
 * per branch, and a branch that fails is deleted alone while the others ring on.
 *
 * No call stays behind: a BYE, CANCEL or failure deletes it (route-media.ts); a call whose BYE
 * never comes is deleted after [rtpengine] max_call_time, and one rtpengine ended itself (its
 * --timeout without media) is let go of once the sweep's `query` finds it gone.
 */
import type { Counter } from '../stats.js';
import type { Logger } from '../log.js';
import { mediaFlags, type MediaSide } from './media-flags.js';
import { textField, type NgDict } from './ng-codec.js';
import type { RtpengineSet } from './rtpengine-set.js';

export type { MediaSide } from './media-flags.js';
export type MediaMode = 'nat' | 'always' | 'off';

export interface MediaLeg {
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag?: string;
  /** the Via branch of one forked branch of an INVITE (rtpengine's via-branch) */
  readonly viaBranch?: string;
}

export interface MediaCounters {
  readonly offers: Counter;
  readonly answers: Counter;
  readonly deletes: Counter;
  readonly errors: Counter;
  /** calls the sweep deleted (max_call_time) or found gone from rtpengine */
  readonly expired: Counter;
}

/** The sweep of calls whose end sipd never saw. */
export interface SweepLimits {
  /** seconds after which a call is deleted whatever happens (0: never) */
  readonly maxCallS: number;
  /** seconds between two checks of one call in rtpengine (ng query) */
  readonly checkS: number;
}

/** ng queries one sweep sends at most: a large table is checked over several sweeps. */
const QUERIES_PER_SWEEP = 200;

/**
 * A late offer (an INVITE without SDP): the callee offers in its 2xx, or in a reliable 1xx
 * (RFC 3262 §5), and the caller answers in the ACK or the PRACK.
 */
interface LateOffer {
  readonly caller: MediaSide;
  /** each answering branch's offer rtpengine took, by the branch's To tag */
  readonly offers: Map<string, CalleeOffer>;
}

/** One branch's offer: what it sent, what rtpengine made of it, whether the caller answered. */
interface CalleeOffer {
  readonly transport: string;
  readonly sdp: string;
  readonly rewritten: string;
  answered: boolean;
}

export class MediaRelay {
  /** Call-ID → its late offer; gone with the call's delete */
  private readonly late = new Map<string, LateOffer>();
  /**
   * Call-ID → the tags of the dialog whose media rtpengine relays (its first 2xx). A forked call
   * can make more dialogs (2xx from two branches); the caller ends the others with a BYE, which
   * must not delete the media of the one it keeps.
   */
  private readonly dialogs = new Map<string, readonly [string, string]>();

  constructor(
    readonly set: RtpengineSet,
    readonly mode: MediaMode,
    /** rtpengine down or refusing: answer 503, or relay without media relay */
    readonly onFailure: '503' | 'relay',
    private readonly counters: MediaCounters,
    private readonly log: Logger,
    private readonly limits: SweepLimits = { maxCallS: 0, checkS: 60 },
  ) {}

  /** rtpengine relays this call (an offer of it succeeded and it was not deleted) */
  relaying(callId: string): boolean {
    return this.set.has(callId);
  }

  /**
   * The rewritten SDP of an offer `side` sent, for a peer reached over `toward` ("UDP",
   * "WSS"...); throws when rtpengine could not take it (counted, logged).
   */
  async offer(leg: MediaLeg, sdp: string, side: MediaSide, toward: string): Promise<string> {
    this.counters.offers.inc();
    const dict = { command: 'offer', ...legFields(leg), sdp, ...mediaFlags('offer', side, toward) };
    return this.sdpOf('offer', leg, await this.run('offer', leg, () => this.set.offer(leg.callId, dict)));
  }

  /** The rewritten SDP of an answer (the to-tag is the answerer's), for the offerer reached over `toward`. */
  async answer(leg: MediaLeg, sdp: string, side: MediaSide, toward: string): Promise<string> {
    this.counters.answers.inc();
    const dict = { command: 'answer', ...legFields(leg), sdp, ...mediaFlags('answer', side, toward) };
    return this.sdpOf('answer', leg, await this.run('answer', leg, () => this.set.forCall(leg.callId, dict)));
  }

  /**
   * Late offer (RFC 3261 §13.2.1): the 2xx to an INVITE without SDP carries the callee's offer,
   * or a reliable 1xx does (RFC 3262 §5). rtpengine gets it with the tags swapped, as Kamailio
   * sends an offer made in a reply: the callee's To tag is the offerer's. The caller's ACK or
   * PRACK answers it (answerLate). The same SDP again from the same branch (a retransmitted 1xx,
   * or the 2xx repeating the 1xx's offer, RFC 3262 §5) gets the same rewritten SDP without
   * asking rtpengine again.
   */
  async lateOffer(
    leg: MediaLeg & { toTag: string },
    sdp: string,
    callee: MediaSide,
    caller: MediaSide,
  ): Promise<string> {
    const known = this.late.get(leg.callId)?.offers.get(leg.toTag);
    if (known?.sdp === sdp) return known.rewritten;
    const rewritten = await this.offer(swapped(leg), sdp, callee, caller.transport);
    let l = this.late.get(leg.callId);
    if (!l) this.late.set(leg.callId, (l = { caller, offers: new Map() }));
    l.offers.set(leg.toTag, { transport: callee.transport, sdp, rewritten, answered: false });
    return rewritten;
  }

  /**
   * The rewritten SDP of an ACK or PRACK that answers a late offer of its branch (To tag);
   * undefined when it answers none, or the offer was answered already (a PRACK answered it, and
   * the ACK repeats nothing new).
   */
  answerLate(leg: MediaLeg, sdp: string): Promise<string> | undefined {
    const l = this.late.get(leg.callId);
    const o = leg.toTag ? l?.offers.get(leg.toTag) : undefined;
    if (!l || !leg.toTag || !o || o.answered) return undefined;
    o.answered = true;
    return this.answer(swapped(leg), sdp, l.caller, o.transport);
  }

  /** The 2xx of this dialog (caller's and callee's tags) took the call's media: the first one does. */
  confirmDialog(callId: string, callerTag: string, calleeTag: string): void {
    if (!this.dialogs.has(callId)) this.dialogs.set(callId, [callerTag, calleeTag]);
  }

  /**
   * End the call's relay; a call rtpengine does not know is not an error (it may have timed out).
   * A BYE of another dialog than the one whose media rtpengine relays (a forked call's second
   * 2xx, which went up with its own SDP) deletes nothing; the BYE of that one deletes the whole
   * call, the legs other branches were offered included.
   */
  async delete(leg: MediaLeg): Promise<void> {
    const d = this.dialogs.get(leg.callId);
    if (d && leg.fromTag && leg.toTag && !(d.includes(leg.fromTag) && d.includes(leg.toTag))) return;
    this.dialogs.delete(leg.callId);
    this.late.delete(leg.callId);
    if (!this.set.has(leg.callId)) return;
    this.counters.deletes.inc();
    const dict = { command: 'delete', ...legFields(d ? { callId: leg.callId, fromTag: '' } : leg) };
    await this.run('delete', leg, () => this.set.forCall(leg.callId, dict, { end: true })).catch(() => undefined);
  }

  /**
   * End one forked branch's media leg (its via-branch) while the call goes on: the branch
   * failed or was cancelled, another may still answer.
   */
  async deleteBranch(leg: MediaLeg & { viaBranch: string }): Promise<void> {
    if (!this.set.has(leg.callId)) return;
    this.counters.deletes.inc();
    const dict = { command: 'delete', ...legFields(leg) };
    await this.run('delete', leg, () => this.set.forCall(leg.callId, dict)).catch(() => undefined);
  }

  /**
   * Calls whose end sipd never saw (a BYE lost, a phone gone): those older than max_call_time
   * are deleted; the others, each once every checkS, are asked after (ng query) and let go of
   * when rtpengine no longer has them (its --timeout ended a call without media).
   */
  async sweep(now = Date.now()): Promise<void> {
    const { maxCallS, checkS } = this.limits;
    const old: string[] = [];
    const ask: string[] = [];
    for (const c of this.set.bound()) {
      if (maxCallS > 0 && now - c.since >= maxCallS * 1000) old.push(c.callId);
      else if (now - c.checked >= checkS * 1000 && ask.length < QUERIES_PER_SWEEP) ask.push(c.callId);
    }
    for (const callId of old) {
      this.counters.expired.inc();
      this.log.warn({ callId, maxCallS }, 'rtpengine: call longer than max_call_time, deleted');
      await this.delete({ callId, fromTag: '' });
    }
    for (const callId of ask) await this.check(callId, now);
  }

  /** One call asked after: gone from rtpengine (Unknown call-id) means gone for sipd too. */
  private async check(callId: string, now: number): Promise<void> {
    try {
      await this.set.forCall(callId, { command: 'query', 'call-id': callId });
      this.set.checked(callId, now);
    } catch (err) {
      if (!/unknown call-id/i.test((err as Error).message)) return; // no answer: asked again next sweep
      this.counters.expired.inc();
      this.log.info({ callId }, 'rtpengine: the call timed out there; sipd lets go of it');
      this.set.forget(callId);
      this.late.delete(callId);
      this.dialogs.delete(callId);
    }
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

/** A late offer's leg as rtpengine gets it: the callee, who offers, is the "from" side. */
function swapped(leg: MediaLeg): MediaLeg {
  return { callId: leg.callId, fromTag: leg.toTag ?? '', toTag: leg.fromTag };
}

function legFields(leg: MediaLeg): NgDict {
  // Without a from-tag (the sweep's delete) rtpengine deletes the whole call.
  const d: NgDict = { 'call-id': leg.callId };
  if (leg.fromTag) d['from-tag'] = leg.fromTag;
  if (leg.toTag) d['to-tag'] = leg.toTag;
  if (leg.viaBranch) d['via-branch'] = leg.viaBranch;
  return d;
}
