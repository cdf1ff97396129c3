/**
 * Client side of Digest authentication (RFC 3261 §22.2-22.3, RFC 7616 §3.4, RFC 8760): from a
 * 401/407 challenge, compute the Authorization / Proxy-Authorization value of the retried request.
 * siptest uses it for SIPp's `[authentication username=… password=…]` and `-au/-ap`.
 *
 * Usernames and passwords are JS (Unicode) strings and are hashed as UTF-8; challenge values are
 * wire (latin1) strings as the message model holds them. Passwords never leave this module.
 */
import { SipException } from '../errors.js';
import { nodeCrypto } from '../lazy-builtins.js';
import { parseChallenges } from '../grammar/auth-params.js';
import { encodeText } from '../message/serializer.js';
import {
  formatDigestCredentials,
  parseDigestChallenge,
  type DigestChallenge,
  type DigestCredentialsInit,
} from './digest-headers.js';
import {
  computeDigestResponse,
  hashOf,
  hashWire,
  hexLength,
  parseDigestAlgorithm,
  type DigestAlgorithmName,
  type DigestQop,
} from './digest-math.js';

export type DigestClientErrorCode =
  | 'AUTH_NO_CHALLENGE' // nothing to answer (no usable Digest challenge)
  | 'AUTH_ALGORITHM' // the challenge asks for an algorithm we do not implement
  | 'AUTH_QOP' // no qop we can use among those offered
  | 'AUTH_SECRET'; // neither password nor a HA1 of the right length

/** A challenge this client cannot answer. The message never contains the password or HA1. */
export class DigestClientError extends SipException {
  constructor(
    readonly code: DigestClientErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DigestAuthorizeInput {
  /** A WWW-Authenticate / Proxy-Authenticate value, or one already parsed. */
  challenge: string | DigestChallenge;
  method: string;
  /** digest-uri: the Request-URI of the request being authorized (wire string). */
  uri: string;
  username: string;
  /** The password, or… */
  password?: string | undefined;
  /** …the HA1 (hex) for this username, the challenge's realm and its algorithm's hash. */
  ha1?: string | undefined;
  /** Body of the request, for qop=auth-int (a string is taken as latin1 bytes). */
  body?: Uint8Array | string | undefined;
  /** Preferred qop; default "auth" when offered, else "auth-int"; "none" forces the RFC 2069 form. */
  qop?: DigestQop | 'none' | undefined;
  /** Client nonce; default 16 random bytes in hex. */
  cnonce?: string | undefined;
  /** nonce-count, 1 for the first use of a nonce (default 1). */
  nc?: number | undefined;
}

function pickQop(offered: readonly string[], wanted: DigestQop | 'none' | undefined): DigestQop | undefined {
  if (offered.length === 0 || wanted === 'none') return undefined;
  if (wanted !== undefined) {
    if (offered.includes(wanted)) return wanted;
    throw new DigestClientError('AUTH_QOP', `server offers qop ${offered.join(',')}, not ${wanted}`);
  }
  if (offered.includes('auth')) return 'auth';
  if (offered.includes('auth-int')) return 'auth-int';
  throw new DigestClientError('AUTH_QOP', `no supported qop among ${offered.join(',')}`);
}

/** The fields of the credentials answering a challenge (formatDigestCredentials writes them). */
export function digestCredentials(input: DigestAuthorizeInput): DigestCredentialsInit {
  const ch =
    typeof input.challenge === 'string' ? parseDigestChallenge(input.challenge, 'www-authenticate') : input.challenge;
  const algorithm = parseDigestAlgorithm(ch.algorithm);
  if (algorithm === undefined) throw new DigestClientError('AUTH_ALGORITHM', `unsupported algorithm ${ch.algorithm}`);
  const qop = pickQop(ch.qop, input.qop);
  const hash = hashOf(algorithm);
  const user = encodeText(input.username);
  let ha1: string;
  if (input.password !== undefined) ha1 = hashWire(hash, `${user}:${ch.realm}:${encodeText(input.password)}`);
  else if (input.ha1 !== undefined && input.ha1.length === hexLength(algorithm)) ha1 = input.ha1;
  else throw new DigestClientError('AUTH_SECRET', `a password or a ${hash} HA1 is needed`);
  // RFC 7616 §3.4.2: the cnonce is needed with a qop, and by -sess algorithms in any case.
  const cnonce =
    qop !== undefined || algorithm.endsWith('-sess')
      ? (input.cnonce ?? nodeCrypto().randomBytes(16).toString('hex'))
      : undefined;
  const nc = qop !== undefined ? (input.nc ?? 1).toString(16).padStart(8, '0') : undefined;
  const response = computeDigestResponse({
    algorithm,
    ha1,
    nonce: ch.nonce,
    method: input.method,
    uri: input.uri,
    qop,
    nc,
    cnonce,
    body: input.body,
  });
  return {
    // RFC 7616 §3.4.4: with userhash=true the username is sent as H(username ":" realm).
    username: ch.userhash ? hashWire(hash, `${user}:${ch.realm}`) : user,
    realm: ch.realm,
    nonce: ch.nonce,
    uri: input.uri,
    response,
    algorithm: ch.params.has('algorithm') ? ch.algorithm : undefined,
    cnonce,
    opaque: ch.opaque,
    qop,
    nc,
    userhash: ch.userhash || undefined,
  };
}

/** The Authorization / Proxy-Authorization value answering a challenge. */
export function digestAuthorization(input: DigestAuthorizeInput): string {
  return formatDigestCredentials(digestCredentials(input));
}

/**
 * The challenge to answer among the WWW-Authenticate (or Proxy-Authenticate) values of a response:
 * the first Digest challenge whose algorithm is in `algorithms` (RFC 8760 §2.4: the server lists
 * them by preference), optionally for one realm. Values that do not parse are skipped.
 */
export function selectChallenge(
  values: readonly string[],
  opts: { algorithms?: readonly DigestAlgorithmName[]; realm?: string } = {},
): DigestChallenge | undefined {
  const supported = opts.algorithms ?? ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];
  for (const value of values) {
    let parsed;
    try {
      parsed = parseChallenges(value);
    } catch {
      continue;
    }
    for (const v of parsed) {
      if (v.scheme.toLowerCase() !== 'digest') continue;
      let ch: DigestChallenge;
      try {
        ch = parseDigestChallenge(v);
      } catch {
        continue;
      }
      const alg = parseDigestAlgorithm(ch.algorithm);
      if (alg === undefined || !supported.includes(alg)) continue;
      if (opts.realm !== undefined && ch.realm !== opts.realm) continue;
      return ch;
    }
  }
  return undefined;
}

/**
 * A user agent's Digest state for one peer: keeps the last challenge and counts nonce uses, so
 * that requests reusing a nonce send nc=00000002, 00000003… (RFC 7616 §3.4). A new challenge
 * (new nonce) starts again at 1.
 */
export class DigestClient {
  private current: DigestChallenge | undefined;
  private nc = 0;

  constructor(private readonly secret: { username: string; password?: string; ha1?: string }) {}

  /** The challenge in use, if any. */
  get challenge(): DigestChallenge | undefined {
    return this.current;
  }

  /** Take the challenge(s) of a 401/407; returns the one chosen, or undefined if none is usable. */
  onChallenge(
    values: string | readonly string[],
    algorithms?: readonly DigestAlgorithmName[],
  ): DigestChallenge | undefined {
    const ch = selectChallenge(typeof values === 'string' ? [values] : values, algorithms ? { algorithms } : {});
    if (ch !== undefined && ch.nonce !== this.current?.nonce) this.nc = 0;
    if (ch !== undefined) this.current = ch;
    return ch;
  }

  /** Credentials for the next request, using the current challenge with the next nonce-count. */
  authorize(method: string, uri: string, body?: Uint8Array | string, qop?: DigestQop | 'none'): string {
    if (this.current === undefined) throw new DigestClientError('AUTH_NO_CHALLENGE', 'no Digest challenge received');
    const value = digestAuthorization({
      ...this.secret,
      challenge: this.current,
      method,
      uri,
      body,
      qop,
      nc: this.nc + 1,
    });
    this.nc++;
    return value;
  }
}
