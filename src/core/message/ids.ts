/**
 * Identifiers that must be unique in space and time: Via branches (RFC 3261 §8.1.1.7, with the
 * magic cookie), From/To tags (§19.3, at least 32 bits of randomness) and Call-IDs (§8.1.1.4).
 *
 * Crypto-random and fast: random bytes come from a pool refilled 4 KiB at a time, and each byte
 * picks one of 64 token characters (6 bits per character, no modulo bias).
 */
import { createHash, randomFillSync } from 'node:crypto';
import { MAGIC_COOKIE } from '../grammar/via.js';
import type { SipRequest } from './message.js';

// 64 characters legal in a token (and in a Call-ID word): letters, digits, "-" and ".".
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.';
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

/** `n` random token characters (6 bits of entropy each), never containing `CSeq`. */
export function randomToken(n: number): string {
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[pool[used++]! & 63];
  return withoutCSeq(s);
}

/**
 * `token` with every `CSeq` in it spelt `Cseq`. SIPp finds a response's CSeq method by the first
 * `CSeq` anywhere in the message, case-sensitively (extract_cseq_method in its call.cpp): a To tag
 * of ours such as `uCSeqLoW-J`, which comes before the CSeq header, made it read the method as
 * garbage and abort the call on our 200 ("unexpected message"), about once in 2,400,000
 * ten-character tags (seen once in CI, in 24,000 answers). The spelling cannot make a new `CSeq`
 * (it adds no `S`), and it costs a negligible part of the entropy.
 */
export function withoutCSeq(token: string): string {
  return token.includes('CSeq') ? token.replaceAll('CSeq', 'Cseq') : token;
}

/** What every new branch carries after the magic cookie (see setBranchMarker). */
let branchPrefix = MAGIC_COOKIE;

/**
 * Put `marker` (token characters) after the magic cookie of every branch this process makes from
 * now on, or '' for none. A server of several processes sharing one socket marks its branches
 * with the process that sent the request, so a response landing in another process can be handed
 * to the one holding its client transaction (RFC 3261 §17.1.3 matches on the branch it sent).
 */
export function setBranchMarker(marker: string): void {
  if (!/^[A-Za-z0-9.!%*_+`'~-]*$/.test(marker)) throw new TypeError(`branch marker '${marker}' is not a token`);
  branchPrefix = MAGIC_COOKIE + marker;
}

/** A new RFC 3261 branch: `z9hG4bK` (+ the process's marker, if set) + 96 random bits. */
export function newBranch(): string {
  return branchPrefix + randomToken(16);
}

/** A new From/To tag (60 random bits). */
export function newTag(): string {
  return randomToken(10);
}

/** A new Call-ID (120 random bits), `@host` appended when a host is given. */
export function newCallId(host?: string): string {
  const id = randomToken(20);
  return host ? `${id}@${host}` : id;
}

/**
 * The To tag a stateless UAS gives its answer to `req` (RFC 3261 §8.2.7: "To header tags MUST be
 * generated for responses in a stateless manner - in a manner that will generate the same tag for
 * the same request consistently"): a digest of what every copy of a request shares and two
 * different requests do not (the top Via branch, Call-ID, From tag and CSeq), 64 bits as 16 hex
 * characters.
 */
export function statelessTag(req: SipRequest): string {
  const via = req.topVia();
  const key = `${via?.params.get('branch') ?? ''}\n${req.callId()}\n${req.fromTag() ?? ''}\n${req.get('cseq') ?? ''}`;
  return createHash('md5').update(key, 'latin1').digest('hex').slice(0, 16);
}
