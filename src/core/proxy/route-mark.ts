/**
 * Signed Record-Route: a proxy that record-routes a dialog (RFC 3261 §16.6 step 4) puts a mark
 * in its Record-Route URI, an HMAC over the dialog's identifiers that stay constant for the
 * dialog's life: the Call-ID and the initial request's From tag (§12: the dialog ID is Call-ID
 * plus both tags, but the callee's tag is not known when the request is forwarded). Requests
 * within the dialog carry the URI back as a Route value (§12.2.1.1), so the proxy can tell, with
 * no state, that it record-routed the dialog the request claims to belong to: a stranger cannot
 * make a Route value that makes the proxy relay an in-dialog request.
 *
 * The caller's requests carry the initial From tag as their From tag, the callee's as their To
 * tag (§12.2.1.1): `verify` accepts either. Every proxy that knows the key accepts the marks of
 * the others (a cluster).
 *
 * A mark also carries the dialog's scope, decided when the proxy forwarded the initial request:
 * `open` when a party the proxy trusts is in it (the caller authenticated, or the proxy itself
 * chose a foreign target), `local` when a stranger called one of the proxy's registered users.
 * Either party holds the mark and can swap the tags, so the mark cannot say which party sends a
 * request; the scope lets the proxy refuse, in a stranger's dialog, in-dialog requests that
 * neither come from nor go to one of its users (request-router.ts).
 *
 *     mark = scope letter | base64url(HMAC-SHA-256(key, LABEL | scope | Call-ID | 0x00 | tag)[0..11])
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SipUri } from '../grammar/uri.js';
import { ownString } from '../message/own-string.js';

/** The Record-Route URI parameter that carries the mark. */
export const ROUTE_MARK_PARAM = 'sig';

const MAC_BYTES = 12;
const MARK_CHARS = 1 + (MAC_BYTES / 3) * 4;
const MARK_RE = /^[lo][A-Za-z0-9_-]+$/;

/** Who may use a dialog's route: see the header comment. */
export type MarkScope = 'open' | 'local';
const LETTER: Record<MarkScope, string> = { open: 'o', local: 'l' };
/** Domain separation: a MAC made for something else with the same key (a nonce) is not a mark. */
const LABEL = 'sipkit record-route mark v1\0';

/** The identifiers of a dialog that a mark covers. */
export interface DialogIds {
  callId: string;
  /** The initial request's From tag ('' when it had none, as RFC 2543 UAs). */
  fromTag: string;
}

export interface MarkedDialog extends DialogIds {
  scope: MarkScope;
}

/** The magic cookie (§8.1.1.7) and a marker of sipd's stateless branches. */
export const STATELESS_PREFIX = 'z9hG4bKsl-';

/** How many recent MACs RouteMarks keeps (oldest out first): a few seconds of calls at 300/s. */
const RECENT_MACS = 4096;

export class RouteMarks {
  private readonly key: Buffer;
  /** recent MACs by their input (letter | Call-ID | 0x00 | tag); never handed out to be changed */
  private readonly recent = new Map<string, Buffer>();

  constructor(secret: string | Uint8Array) {
    this.key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (this.key.length === 0) throw new RangeError('route mark secret must not be empty');
  }

  /** The mark for a dialog: what goes into the `sig` parameter of our Record-Route URI. */
  mark(d: MarkedDialog): string {
    const letter = LETTER[d.scope];
    return letter + this.mac(letter, d.callId, d.fromTag).toString('base64url');
  }

  /**
   * The scope of `mark` when it was made by us for the dialog with this Call-ID and one of `tags`
   * as the initial From tag (pass an in-dialog request's From and To tags: either direction);
   * undefined when it was not.
   */
  verify(
    mark: string | null | undefined,
    callId: string,
    tags: ReadonlyArray<string | undefined>,
  ): MarkScope | undefined {
    if (!mark || mark.length !== MARK_CHARS || !MARK_RE.test(mark)) return undefined;
    const letter = mark[0]!;
    const given = Buffer.from(mark.slice(1), 'base64url');
    if (given.length !== MAC_BYTES) return undefined;
    let ok = false;
    // A recent MAC that matches settles it: an ACK or BYE names the dialog's initial From tag
    // (whose MAC the INVITE's mark left in `recent`) and the callee's tag, whose MAC nobody needs.
    // What this tells by its timing (that the MAC is in `recent`), the cache told already.
    for (const tag of tags) {
      if (tag === undefined) continue;
      const mac = this.recent.get(letter + callId + '\0' + tag);
      if (mac !== undefined && timingSafeEqual(given, mac)) ok = true;
    }
    // Otherwise every candidate is computed and checked (no early exit): the time taken does
    // not tell which tag matched.
    if (!ok) {
      for (const tag of tags) if (tag !== undefined && timingSafeEqual(given, this.mac(letter, callId, tag))) ok = true;
    }
    if (!ok) return undefined;
    return letter === LETTER.open ? 'open' : 'local';
  }

  /** `verify` for the mark in a URI's `sig` parameter. */
  verifyUri(uri: SipUri, callId: string, tags: ReadonlyArray<string | undefined>): MarkScope | undefined {
    return this.verify(uri.params.get(ROUTE_MARK_PARAM), callId, tags);
  }

  /**
   * The Via branch for a request forwarded statelessly (§16.11: a function of the incoming
   * branch, so that retransmissions get the same), signed so that only responses to what sipd
   * itself forwarded are relayed back statelessly: a stray response is otherwise dropped.
   */
  statelessBranch(incomingBranch: string, callId: string): string {
    return STATELESS_PREFIX + this.mac('b', callId, incomingBranch).toString('base64url');
  }

  /** Whether `branch` (our top Via's) is statelessBranch() of the next Via's branch and this Call-ID. */
  verifyStatelessBranch(branch: string, incomingBranch: string, callId: string): boolean {
    if (!branch.startsWith(STATELESS_PREFIX)) return false;
    const given = Buffer.from(branch.slice(STATELESS_PREFIX.length), 'base64url');
    return given.length === MAC_BYTES && timingSafeEqual(given, this.mac('b', callId, incomingBranch));
  }

  /**
   * The MAC of letter | Call-ID | 0x00 | tag, from the recent ones when it was made lately: a
   * call's INVITE makes its mark, and its ACK and BYE check the same Call-ID and tags again (five
   * HMACs per call, ~7 % of sipd's CPU at 300 calls/s, most of it OpenSSL's set-up per HMAC).
   */
  private mac(letter: string, callId: string, tag: string): Buffer {
    const input = letter + callId + '\0' + tag;
    let mac = this.recent.get(input);
    if (mac !== undefined) return mac;
    // One update of LABEL | input: the label and the letter are ASCII, so their UTF-8 is their bytes.
    mac = createHmac('sha256', this.key)
      .update(LABEL + input, 'utf8')
      .digest()
      .subarray(0, MAC_BYTES);
    if (this.recent.size >= RECENT_MACS) this.recent.delete(this.recent.keys().next().value!);
    // The Call-ID is cut from a message: the key must not keep the message's text alive.
    this.recent.set(ownString(input), mac);
    return mac;
  }
}
