/**
 * The Digest computation shared by server and client (RFC 2617 §3.2.2, RFC 7616 §3.4.1-3.4.3,
 * RFC 8760 for SHA-256 in SIP):
 *
 *     HA1      = H(username ":" realm ":" password)            (stored, see ha1.ts)
 *     HA1-sess = H(HA1 ":" nonce ":" cnonce)                   (algorithm "-sess")
 *     HA2      = H(method ":" digest-uri)                      (qop auth or none)
 *              = H(method ":" digest-uri ":" H(entity-body))   (qop auth-int)
 *     response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)   (qop present)
 *              = H(HA1 ":" nonce ":" HA2)                             (no qop, RFC 2069)
 *
 * Header values are latin1 strings (one char per byte), so the strings hashed here are hashed as
 * latin1: the digest covers exactly the bytes that were on the wire.
 */
import { nodeCrypto } from '../lazy-builtins.js';
import type { DigestAlgorithm } from './ha1.js';

/** Algorithm tokens of RFC 7616 §3.3 / RFC 8760 that we implement. */
export type DigestAlgorithmName = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

/** qop values (RFC 2617 §3.2.1). */
export type DigestQop = 'auth' | 'auth-int';

const ALGORITHMS: Record<string, DigestAlgorithmName> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/**
 * The algorithm an `algorithm=` value names, matched case-insensitively; an absent value means
 * MD5 (RFC 2617 §3.2.1). Undefined for an algorithm we do not implement (e.g. SHA-512-256).
 */
export function parseDigestAlgorithm(token: string | undefined): DigestAlgorithmName | undefined {
  return token === undefined ? 'MD5' : ALGORITHMS[token.toLowerCase()];
}

/** The hash function behind an algorithm (the one its HA1 is computed with). */
export function hashOf(algorithm: DigestAlgorithmName): DigestAlgorithm {
  return algorithm.startsWith('SHA-256') ? 'SHA-256' : 'MD5';
}

/** Length in hex digits of a hash of this algorithm (32 for MD5, 64 for SHA-256). */
export function hexLength(algorithm: DigestAlgorithmName): number {
  return hashOf(algorithm) === 'MD5' ? 32 : 64;
}

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** Lower-case hex hash of a latin1 string (wire bytes) or of raw bytes. */
export function hashWire(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  const h = nodeCrypto().createHash(NODE_HASH[algorithm]);
  if (typeof data === 'string') h.update(data, 'latin1');
  else h.update(data);
  return h.digest('hex');
}

/** What the response is computed from. All strings are wire (latin1) strings, unquoted. */
export interface DigestResponseInput {
  algorithm: DigestAlgorithmName;
  /** HA1 in hex, as stored: H(username:realm:password) with the algorithm's hash (not the -sess form). */
  ha1: string;
  nonce: string;
  method: string;
  /** The digest-uri, i.e. the `uri` parameter. */
  uri: string;
  /** Absent for the RFC 2069 form (no qop). */
  qop?: DigestQop | undefined;
  /** nonce-count as written: 8 hex digits (RFC 2617 §3.2.2). Required with qop. */
  nc?: string | undefined;
  /** Required with qop and with a -sess algorithm. */
  cnonce?: string | undefined;
  /** Message body, for qop=auth-int (a string is taken as latin1 bytes). Empty when absent. */
  body?: Uint8Array | string | undefined;
}

/** The `response` value (lower-case hex) for these inputs. */
export function computeDigestResponse(p: DigestResponseInput): string {
  const h = hashOf(p.algorithm);
  let ha1 = p.ha1.toLowerCase();
  if (p.algorithm.endsWith('-sess')) ha1 = hashWire(h, `${ha1}:${p.nonce}:${p.cnonce ?? ''}`);
  const a2 = p.qop === 'auth-int' ? `${p.method}:${p.uri}:${hashWire(h, p.body ?? '')}` : `${p.method}:${p.uri}`;
  const ha2 = hashWire(h, a2);
  if (p.qop === undefined) return hashWire(h, `${ha1}:${p.nonce}:${ha2}`);
  return hashWire(h, `${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`);
}

/**
 * Compare two hex digests without leaking, through timing, how many leading characters match.
 * Case-insensitive; unequal lengths are simply unequal (the length is no secret).
 */
export function digestEquals(expected: string, received: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'latin1');
  const b = Buffer.from(received.toLowerCase(), 'latin1');
  return a.length === b.length && nodeCrypto().timingSafeEqual(a, b);
}
