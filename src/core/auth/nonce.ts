/**
 * Stateless server nonces (RFC 2617 §3.2.1 leaves their form to the server; RFC 7616 §5.4-5.5
 * recommends a time stamp and a private key). A nonce is 30 bytes in base64url (40 chars):
 *
 *     created (6 bytes, ms since the epoch) | random (9 bytes) | HMAC-SHA-256(secret, …)[0..15]
 *
 * The MAC covers the first 15 bytes and the realm, so a nonce cannot be forged, altered (e.g. made
 * younger) or used in another realm, and every server that knows the secret accepts the nonces of
 * the others without shared state (a cluster behind a load balancer). Replay is a separate matter:
 * see nonce-counter.ts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { StringTable } from '../message/own-string.js';

const TIME_BYTES = 6;
const RANDOM_BYTES = 9;
const MAC_BYTES = 15;
const BODY_BYTES = TIME_BYTES + RANDOM_BYTES;
const NONCE_CHARS = ((BODY_BYTES + MAC_BYTES) / 3) * 4;
const NONCE_RE = /^[A-Za-z0-9_-]+$/;
/** Domain separation: a MAC made for something else with the same secret is not a nonce. */
const LABEL = Buffer.from('sipkit digest nonce v1\0', 'latin1');

export type NonceSecret = string | Uint8Array;

/** Result of NonceFactory.check(). */
export type NonceStatus =
  /** Ours and young enough; `issuer` (with NonceOptions.issuer only): the process that made it. */
  | { status: 'valid'; createdAt: number; issuer?: number }
  /** Ours (the MAC is right) but too old, or dated too far in the future: answer stale=true. */
  | { status: 'expired'; createdAt: number; issuer?: number }
  /** Not made with any of our secrets, for this realm: a plain failure. */
  | { status: 'invalid' };

export interface NonceOptions {
  /** Key for new nonces. Servers that share it accept each other's nonces. */
  secret: NonceSecret;
  /** Former keys still accepted (key rotation without failing every client at once). */
  previousSecrets?: readonly NonceSecret[] | undefined;
  /** Lifetime in milliseconds (default 300 000, Kamailio's `nonce_expire` of 300 s). */
  lifetimeMs?: number | undefined;
  /** How far in the future a nonce's time may lie (clock skew between servers), ms; default 5000. */
  clockSkewMs?: number | undefined;
  /** Clock in ms since the epoch (injectable for tests). */
  now?: (() => number) | undefined;
  /** How many recently issued nonces are remembered to skip their MAC check (default 50 000; 0 = none). */
  maxIssued?: number | undefined;
  /**
   * Which of several processes sharing the secret made a nonce (0-255; a multi-process sipd's
   * worker index), written in its first random byte (64 random bits remain) and read back by
   * check(): only its issuer keeps its replay count (nonce-counter.ts), so the others refuse it
   * as stale instead of accepting it with any count.
   */
  issuer?: number | undefined;
}

/**
 * Random bytes drawn from a pooled buffer: one randomBytes() call per 455 nonces instead of one
 * each (a small synchronous randomBytes costs as much as the HMAC). The random part only makes
 * nonces unique; the MAC is what makes them unforgeable.
 */
let pool = Buffer.alloc(0);
let poolAt = 0;
function takeRandom(into: Buffer, at: number): void {
  if (poolAt + RANDOM_BYTES > pool.length) {
    pool = randomBytes(RANDOM_BYTES * 455);
    poolAt = 0;
  }
  pool.copy(into, at, poolAt, poolAt + RANDOM_BYTES);
  poolAt += RANDOM_BYTES;
}

const toKey = (s: NonceSecret) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

export class NonceFactory {
  readonly lifetimeMs: number;
  readonly clockSkewMs: number;
  private readonly keys: Buffer[];
  private readonly now: () => number;
  /**
   * Nonces this instance issued lately, with their realm: checking one of them needs no MAC (we
   * know it is ours). Bounded; older ones, or a peer's, are checked by their MAC as before.
   */
  private readonly issued = new Map<string, string>();
  private readonly maxIssued: number;
  /** The realms of `issued`, a few strings shared by every nonce. */
  private readonly realms = new StringTable(256);
  private readonly issuer: number | undefined;

  constructor(opts: NonceOptions) {
    this.keys = [opts.secret, ...(opts.previousSecrets ?? [])].map(toKey);
    if (this.keys[0]!.length === 0) throw new RangeError('nonce secret must not be empty');
    this.lifetimeMs = opts.lifetimeMs ?? 300_000;
    this.clockSkewMs = opts.clockSkewMs ?? 5_000;
    this.now = opts.now ?? Date.now;
    this.maxIssued = opts.maxIssued ?? 50_000;
    if (opts.issuer !== undefined && !(Number.isInteger(opts.issuer) && opts.issuer >= 0 && opts.issuer <= 255))
      throw new RangeError('nonce issuer must be an integer 0-255');
    this.issuer = opts.issuer;
  }

  private mac(key: Buffer, body: Buffer, realm: string): Buffer {
    return createHmac('sha256', key).update(LABEL).update(body).update(realm, 'latin1').digest().subarray(0, MAC_BYTES);
  }

  /** A fresh nonce for `realm` (wire string), dated now. */
  create(realm: string): string {
    const body = Buffer.allocUnsafe(BODY_BYTES);
    body.writeUIntBE(Math.max(0, Math.floor(this.now())), 0, TIME_BYTES);
    takeRandom(body, TIME_BYTES);
    if (this.issuer !== undefined) body[TIME_BYTES] = this.issuer;
    const nonce = Buffer.concat([body, this.mac(this.keys[0]!, body, realm)]).toString('base64url');
    if (this.maxIssued > 0) {
      if (this.issued.size >= this.maxIssued) {
        // Forget the oldest half (Map iterates in insertion order).
        let drop = this.issued.size >> 1;
        for (const k of this.issued.keys()) {
          if (drop-- <= 0) break;
          this.issued.delete(k);
        }
      }
      // The realm is often cut from the request (its domain): one shared copy, not a view that
      // would keep each challenged request's text alive for the nonce's lifetime.
      this.issued.set(nonce, this.realms.intern(realm));
    }
    return nonce;
  }

  /** Is `nonce` one of ours for `realm`, and is it still young? The MAC is compared in constant time. */
  check(nonce: string, realm: string): NonceStatus {
    if (nonce.length !== NONCE_CHARS || !NONCE_RE.test(nonce)) return { status: 'invalid' };
    const raw = Buffer.from(nonce, 'base64url');
    const body = raw.subarray(0, BODY_BYTES);
    const mac = raw.subarray(BODY_BYTES);
    const ours = this.issued.get(nonce) === realm;
    if (!ours && !this.keys.some((k) => timingSafeEqual(this.mac(k, body, realm), mac))) return { status: 'invalid' };
    const createdAt = body.readUIntBE(0, TIME_BYTES);
    const now = this.now();
    // RFC 2617 §3.2.1 stale: the nonce is authentic but no longer acceptable.
    const status = createdAt + this.lifetimeMs < now || createdAt > now + this.clockSkewMs ? 'expired' : 'valid';
    return this.issuer === undefined ? { status, createdAt } : { status, createdAt, issuer: body[TIME_BYTES]! };
  }

  /** When a nonce created at `createdAt` stops being valid (ms). */
  expiresAt(createdAt: number): number {
    return createdAt + this.lifetimeMs;
  }
}
