/**
 * Transaction keys (RFC 3261 §17.1.3, §17.2.3).
 *
 * - Client side: a response matches the client transaction whose request carried the same
 *   branch in its top Via and the same CSeq method (a CANCEL shares its INVITE's branch).
 * - Server side, RFC 3261 clients (branch starts with the magic cookie z9hG4bK): branch,
 *   sent-by and method, where an ACK matches the INVITE.
 * - Server side, RFC 2543 clients (no cookie): Request-URI, To tag, From tag, Call-ID, CSeq and
 *   top Via. The To tag of an ACK is the one of the response the server sent, so RFC 2543
 *   transactions are indexed without To tag and method, and candidates are checked one by one.
 */
import type { Via } from '../grammar/via.js';
import { MAGIC_COOKIE, viaBranch, viaSentBy } from '../grammar/via.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { ServerTransaction } from './server.js';

const SEP = '\n';

/*
 * Keys are joined from an array, not concatenated: Array.prototype.join builds one flat string
 * with its own characters, while `+` makes "cons strings" whose pieces are slices of the
 * message's text. A key kept in a table for as long as its transaction lingers (up to 64·T1)
 * must not keep that text; join() gives such a key in one allocation, where a concatenation
 * needed a copy (ownString) that is itself a 32-byte view into a second string (issue 14).
 */

/** §17.1.3 key of a client transaction. */
export function clientKey(branch: string, method: string): string {
  return [branch, method].join(SEP);
}

/** The client transaction key a response belongs to, or undefined when its top Via has no branch. */
export function responseKey(res: SipResponse): string | undefined {
  const via = res.topVia();
  const branch = via === undefined ? undefined : viaBranch(via);
  return branch === undefined ? undefined : clientKey(branch, res.cseq().method);
}

export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE);
}

/** §17.2.3 key of the server transaction `req` belongs to (`method` overrides the request's). */
export function serverKey(via: Via, branch: string, method: string): string {
  return [branch, viaSentBy(via), method === 'ACK' ? 'INVITE' : method].join(SEP);
}

/** RFC 2543 fallback index key: everything but the To tag and the method. */
export function legacyKey(req: SipRequest, via: Via): string {
  return (
    req.uri +
    SEP +
    (req.fromTag() ?? '') +
    SEP +
    req.callId() +
    SEP +
    req.cseq().seq +
    SEP +
    via.transport +
    ' ' +
    viaSentBy(via) +
    ';' +
    (viaBranch(via) ?? '')
  );
}

/** Whether RFC 2543 candidate `tx` is the transaction of `req` (§17.2.3). */
export function legacyMatches(tx: ServerTransaction, req: SipRequest): boolean {
  const toTag = req.toTag();
  if (req.method === 'ACK') return tx.method === 'INVITE' && toTag === tx.responseToTag;
  return tx.method === req.method && toTag === tx.request.toTag();
}

/** Whether RFC 2543 candidate `tx` is the INVITE a CANCEL cancels (§9.2: same To, including tag). */
export function legacyCancels(tx: ServerTransaction, cancel: SipRequest): boolean {
  return tx.method === 'INVITE' && cancel.toTag() === tx.request.toTag();
}
