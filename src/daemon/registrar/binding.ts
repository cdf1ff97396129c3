import { randomUUID } from 'node:crypto';
import { compactString } from '../../core/index.js';

/**
 * A registration binding (RFC 3261 §10): one Contact of an address-of-record, with what the
 * registrar must remember about it. The field set follows Kamailio's `location` table so that
 * bindings persist to it unchanged (see src/store).
 */
export interface Binding {
  /** address-of-record, canonical "user@domain" (user as written, domain lower-case) */
  aor: string;
  /** the Contact URI as the UA wrote it */
  contact: string;
  /** absolute expiry time, ms since the epoch; 0 means permanent (added by an administrator) */
  expires: number;
  /** preference 0–1 (q parameter), default 1 */
  q: number;
  callId: string;
  cseq: number;
  /** where the REGISTER really came from, as a SIP URI ("sip:203.0.113.7:5060;transport=udp") when behind NAT */
  received: string | undefined;
  /** Path header values (RFC 3327), comma-joined, if any */
  path: string | undefined;
  userAgent: string;
  /** +sip.instance (RFC 5626/5627), unquoted, if any */
  instance: string | undefined;
  regId: number;
  /** local socket the REGISTER arrived on ("udp:192.0.2.5:5060") */
  socket: string | undefined;
  /** unique id of the binding (Kamailio's ruid) */
  ruid: string;
  /** ms since the epoch */
  lastModified: number;
  /** connection the REGISTER came over, for TCP (0 when none) */
  connectionId: number;
}

/** Seconds until expiry, rounded up, or undefined for a permanent binding. */
export function secondsLeft(b: Binding, now: number): number | undefined {
  return b.expires === 0 ? undefined : Math.max(0, Math.ceil((b.expires - now) / 1000));
}

/**
 * A fresh ruid (a UUID). Kept for the binding's life, so flat: randomUUID()'s own result is a
 * chain of ~15 concatenations, ~480 bytes of heap instead of 56 (core's compactString()).
 */
export function newRuid(): string {
  return compactString(randomUUID());
}
