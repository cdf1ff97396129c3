/**
 * Server side of Digest authentication, for a registrar answering 401 (WWW-Authenticate) or a
 * proxy answering 407 (Proxy-Authenticate), RFC 3261 §22.2-22.3:
 *
 *     const auth = new DigestServer({ secret, algorithms: ['SHA-256', 'MD5'] });
 *     // no or bad credentials:
 *     for (const v of auth.challenge({ realm, stale })) res.append('WWW-Authenticate', v);
 *     // credentials present:
 *     const r = auth.verify(value, { method, requestUri, realm, ha1: ({ username, realm, algorithm }) => … });
 *     if (!r.ok) → 401 with challenge({ realm, stale: r.stale })
 *
 * Nonces are stateless (nonce.ts); replays are refused per instance (nonce-counter.ts). HA1 comes
 * from the caller (its subscriber cache), never a password; nothing here logs.
 */
import { randomBytes } from 'node:crypto';
import { SipParseError } from '../errors.js';
import { parseUri, sipUriEquals, isSipUri, type SipUri } from '../grammar/uri.js';
import { decodeText, encodeText } from '../message/serializer.js';
import { parseDigestCredentials, formatDigestChallenge, type DigestCredentials } from './digest-headers.js';
import {
  computeDigestResponse,
  digestEquals,
  hashOf,
  hashWire,
  hexLength,
  parseDigestAlgorithm,
  type DigestAlgorithmName,
  type DigestQop,
} from './digest-math.js';
import type { DigestAlgorithm } from './ha1.js';
import { NonceCounter } from './nonce-counter.js';
import { NonceFactory, type NonceSecret } from './nonce.js';

export interface DigestServerOptions {
  /** HMAC key of the nonces; give every server of a cluster the same one. Default: random per instance. */
  secret?: NonceSecret | undefined;
  /** Former secrets still accepted during a key rotation. */
  previousSecrets?: readonly NonceSecret[] | undefined;
  /** Nonce lifetime in seconds (default 300, as Kamailio's `nonce_expire`). */
  nonceExpires?: number | undefined;
  /**
   * This process's number among processes sharing `secret` and answering for one server (a
   * multi-process sipd's workers): a nonce another of them made is answered stale=true (a fresh
   * nonce; the client retries), since only its maker tracks its nonce counts (replays).
   */
  issuer?: number | undefined;
  /** Tolerated clock skew between servers sharing a secret, seconds (default 5). */
  clockSkew?: number | undefined;
  /** Algorithms offered, in preference order (one header each, RFC 8760 §2.4) and accepted. Default ['MD5']. */
  algorithms?: readonly DigestAlgorithmName[] | undefined;
  /** qop values offered and accepted. Default ['auth']; [] offers none (RFC 2069 style). */
  qop?: readonly DigestQop[] | undefined;
  /**
   * Accept credentials without qop (RFC 2069 form, RFC 3261 §22.4) although qop was offered.
   * Default: only when no qop is offered; otherwise such an answer, which has no nc and hence no
   * replay protection, is refused (a downgrade, RFC 7616 §5.10).
   */
  allowNoQop?: boolean | undefined;
  /** Without qop there is no nc: accept each nonce once only (Kamailio `one_time_nonce`). Default false. */
  oneTimeNoQop?: boolean | undefined;
  /** Constant opaque sent in challenges; credentials must echo it. Default: none. */
  opaque?: string | undefined;
  /** Require the digest-uri to denote the Request-URI (RFC 2617 §3.2.2.5, see VerifyContext). Default true. */
  checkUri?: boolean | undefined;
  /** Most nonces tracked for nc replay (default 100 000). */
  maxTrackedNonces?: number | undefined;
  /** Clock in ms since the epoch (default Date.now). */
  now?: (() => number) | undefined;
}

export interface ChallengeOptions {
  /** Wire string; usually the served domain (RFC 3261 §22.1). */
  realm: string;
  /** Set when the last verify() answered stale. */
  stale?: boolean | undefined;
  /** Override the server's algorithms for this challenge (must be among those it accepts). */
  algorithms?: readonly DigestAlgorithmName[] | undefined;
  qop?: readonly DigestQop[] | undefined;
  domain?: string | undefined;
}

/** Who a HA1 is asked for: username and realm decoded from UTF-8 (for a database lookup). */
export interface Ha1Query {
  username: string;
  realm: string;
  /** The hash the HA1 must be made with (MD5 for MD5 and MD5-sess…). */
  algorithm: DigestAlgorithm;
}

export interface VerifyContext {
  /** Method of the request (for HA2). */
  method: string;
  /**
   * The Request-URI as received, compared with the credentials' uri: equal text or equal SIP URIs
   * (RFC 3261 §19.1.4).
   */
  requestUri: string;
  /**
   * Whether a SIP URI without user part names this server itself (its address and port, or a
   * domain it serves). A digest-uri that does is accepted too: SIPp and some phones put the
   * server's address there (`sip:host:port`) instead of the Request-URI. Default: none does.
   */
  namesServer?: ((uri: SipUri) => boolean) | undefined;
  /** Expected realm (wire string). Without it any realm we issued a nonce for is accepted. */
  realm?: string | undefined;
  /** Expected username, if the caller already knows it (compared after UTF-8 decoding). */
  username?: string | undefined;
  /** Message body; needed for qop=auth-int, which is refused when absent. */
  body?: Uint8Array | string | undefined;
  /** The stored HA1 (hex), or a lookup in the caller's cache; undefined = no such user. */
  ha1: string | ((who: Ha1Query) => string | undefined);
}

/** Why verification failed. */
export type VerifyFailure =
  | 'malformed' // not Digest or out of grammar
  | 'userhash' // RFC 7616 userhash, not supported
  | 'algorithm' // not among the accepted algorithms
  | 'qop' // qop not offered/accepted (or auth-int without a body)
  | 'realm' // not the expected realm
  | 'username' // not the expected username
  | 'uri' // digest-uri differs from the Request-URI
  | 'opaque' // opaque not echoed
  | 'nonce' // forged, altered, foreign or for another realm
  | 'unknown-user' // no HA1 for this username/realm/algorithm
  | 'response' // wrong response (wrong password)
  | 'stale' // valid response, nonce expired → stale=true
  | 'replay' // valid response, nc not higher than before (or one-time nonce reused) → stale=true
  | 'evicted' // valid response, nonce fell out of the replay memory → stale=true
  | 'other-issuer'; // valid response, nonce made by another process of this server (issuer) → stale=true

export type VerifyResult =
  | {
      ok: true;
      stale: false;
      reason?: undefined;
      /** Decoded from UTF-8: the subscriber that authenticated. */
      username: string;
      realm: string;
      algorithm: DigestAlgorithmName;
      qop: DigestQop | undefined;
    }
  /** `stale`: send a fresh challenge with stale=true; the client knew the password. */
  | { ok: false; stale: boolean; reason: VerifyFailure; username?: string };

const STALE = new Set<VerifyFailure>(['stale', 'replay', 'evicted', 'other-issuer']);

export class DigestServer {
  readonly algorithms: readonly DigestAlgorithmName[];
  readonly qop: readonly DigestQop[];
  private readonly allowNoQop: boolean;
  private readonly nonces: NonceFactory;
  private readonly counter: NonceCounter;
  private readonly now: () => number;
  private readonly opts: DigestServerOptions;

  constructor(opts: DigestServerOptions = {}) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.algorithms = opts.algorithms ?? ['MD5'];
    this.qop = opts.qop ?? ['auth'];
    this.allowNoQop = opts.allowNoQop ?? this.qop.length === 0;
    if (this.algorithms.length === 0) throw new RangeError('at least one digest algorithm is needed');
    this.nonces = new NonceFactory({
      secret: opts.secret ?? randomBytes(32),
      previousSecrets: opts.previousSecrets,
      lifetimeMs: (opts.nonceExpires ?? 300) * 1000,
      clockSkewMs: (opts.clockSkew ?? 5) * 1000,
      now: this.now,
      issuer: opts.issuer,
    });
    this.counter = new NonceCounter(opts.maxTrackedNonces ?? 100_000);
  }

  /** Nonces currently remembered for replay detection. */
  get trackedNonces(): number {
    return this.counter.size;
  }

  /**
   * Header values for a 401/407: one `Digest` challenge per algorithm, in preference order, all
   * with one fresh nonce (RFC 8760 §2.4, RFC 7616 §3.7). `algorithm=` is always written, MD5
   * included, so that a client can tell the headers apart.
   */
  challenge(opts: ChallengeOptions): string[] {
    const algorithms = opts.algorithms ?? this.algorithms;
    const qop = opts.qop ?? this.qop;
    // Offering what verify() would refuse is a configuration error, not something to send.
    if (algorithms.some((a) => !this.algorithms.includes(a)) || qop.some((q) => !this.qop.includes(q)))
      throw new RangeError('challenge() may only offer algorithms and qop values the server accepts');
    const nonce = this.nonces.create(opts.realm);
    return algorithms.map((algorithm) =>
      formatDigestChallenge({
        realm: opts.realm,
        domain: opts.domain,
        nonce,
        opaque: this.opts.opaque,
        stale: opts.stale,
        algorithm,
        qop,
      }),
    );
  }

  /**
   * Check credentials (a header value or parsed credentials) against a request. Cheap checks
   * first; the response is compared in constant time; stale/replay are only reported when the
   * response is right, as RFC 2617 §3.2.1 asks ("a valid digest for that nonce").
   */
  verify(credentials: string | DigestCredentials, ctx: VerifyContext): VerifyResult {
    let cr: DigestCredentials;
    try {
      cr = typeof credentials === 'string' ? parseDigestCredentials(credentials) : credentials;
    } catch (e) {
      if (e instanceof SipParseError) return fail('malformed');
      throw e;
    }
    const username = decodeText(cr.username);
    const failUser = (reason: VerifyFailure) => fail(reason, username);
    if (cr.userhash) return failUser('userhash');
    const algorithm = parseDigestAlgorithm(cr.algorithm);
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) return failUser('algorithm');
    const qop = cr.qop as DigestQop | undefined;
    if (qop === undefined ? !this.allowNoQop : !this.qop.includes(qop)) return failUser('qop');
    if (qop === 'auth-int' && ctx.body === undefined) return failUser('qop');
    // Parsed credentials are checked already; these may have been built by the caller.
    if (qop !== undefined && (cr.cnonce === undefined || !/^[0-9a-fA-F]{8}$/.test(cr.nc ?? '')))
      return failUser('malformed');
    if (algorithm.endsWith('-sess') && cr.cnonce === undefined) return failUser('malformed');
    if (ctx.realm !== undefined && cr.realm !== ctx.realm) return failUser('realm');
    if (ctx.username !== undefined && username !== ctx.username) return failUser('username');
    if (this.opts.checkUri !== false && !sameUri(cr.uri, ctx.requestUri, ctx.namesServer)) return failUser('uri');
    if (this.opts.opaque !== undefined && cr.opaque !== this.opts.opaque) return failUser('opaque');
    const n = this.nonces.check(cr.nonce, cr.realm);
    if (n.status === 'invalid') return failUser('nonce');

    const hash = hashOf(algorithm);
    const found =
      typeof ctx.ha1 === 'string' ? ctx.ha1 : ctx.ha1({ username, realm: decodeText(cr.realm), algorithm: hash });
    const known = found !== undefined && found.length === hexLength(algorithm);
    // An unknown user costs the same hashing as a known one (no user enumeration by timing).
    const expected = computeDigestResponse({
      algorithm,
      ha1: known ? found : '0'.repeat(hexLength(algorithm)),
      nonce: cr.nonce,
      method: ctx.method,
      uri: cr.uri,
      qop,
      nc: cr.nc,
      cnonce: cr.cnonce,
      body: ctx.body,
    });
    const right = digestEquals(expected, cr.response);
    if (!known) return failUser('unknown-user');
    if (!right) return failUser('response');
    if (n.status === 'expired') return failUser('stale');
    // Only the process that made the nonce counts its uses: elsewhere any nc would pass, and an
    // answer replayed under another Call-ID (it is not covered by the digest) would be accepted.
    if (this.opts.issuer !== undefined && n.issuer !== this.opts.issuer) return failUser('other-issuer');

    if (qop !== undefined || this.opts.oneTimeNoQop === true) {
      const nc = qop !== undefined ? parseInt(cr.nc!, 16) : 1;
      const now = this.now();
      const use = this.counter.use(cr.nonce, nc, n.createdAt, this.nonces.expiresAt(n.createdAt), now);
      if (use !== 'ok') return failUser(use === 'replay' ? 'replay' : 'evicted');
    }
    return { ok: true, stale: false, username, realm: decodeText(cr.realm), algorithm, qop };
  }
}

/**
 * Only the response math of some credentials, from a HA1 or a password: no nonce, realm, uri,
 * opaque or replay checks. For SIPp's `verifyauth` action in siptest scenarios and for tests; a
 * server uses DigestServer.verify(). False for malformed credentials or an unknown algorithm.
 */
export function checkDigestResponse(
  credentials: string | DigestCredentials,
  ctx: {
    method: string;
    ha1?: string | undefined;
    password?: string | undefined;
    body?: Uint8Array | string | undefined;
  },
): boolean {
  let cr: DigestCredentials;
  try {
    cr = typeof credentials === 'string' ? parseDigestCredentials(credentials) : credentials;
  } catch (e) {
    if (e instanceof SipParseError) return false;
    throw e;
  }
  const algorithm = parseDigestAlgorithm(cr.algorithm);
  if (algorithm === undefined || (cr.qop !== undefined && cr.qop !== 'auth' && cr.qop !== 'auth-int')) return false;
  const hash = hashOf(algorithm);
  const ha1 =
    ctx.password !== undefined ? hashWire(hash, `${cr.username}:${cr.realm}:${encodeText(ctx.password)}`) : ctx.ha1;
  if (ha1 === undefined || ha1.length !== hexLength(algorithm)) return false;
  const expected = computeDigestResponse({
    algorithm,
    ha1,
    nonce: cr.nonce,
    method: ctx.method,
    uri: cr.uri,
    qop: cr.qop as DigestQop | undefined,
    nc: cr.nc,
    cnonce: cr.cnonce,
    body: ctx.body,
  });
  return digestEquals(expected, cr.response);
}

function fail(reason: VerifyFailure, username?: string): VerifyResult {
  const r: VerifyResult = { ok: false, stale: STALE.has(reason), reason };
  if (username !== undefined) r.username = username;
  return r;
}

/**
 * The digest-uri names the Request-URI (RFC 2617 §3.2.2.5): equal text, or equal SIP URIs by
 * RFC 3261 §19.1.4 (user agents differ in escaping and in the case of the host); or, when the
 * caller says which URIs are its own, a digest-uri naming the server itself (see namesServer).
 */
function sameUri(digestUri: string, requestUri: string, namesServer?: (uri: SipUri) => boolean): boolean {
  if (digestUri === requestUri) return true;
  try {
    const a = parseUri(digestUri);
    if (!isSipUri(a)) return false;
    if (namesServer !== undefined && a.user === undefined && namesServer(a)) return true;
    const b = parseUri(requestUri);
    return isSipUri(b) && sipUriEquals(a, b);
  } catch {
    return false;
  }
}
