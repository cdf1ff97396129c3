/**
 * Replay protection for Digest nonces (RFC 2617 §3.2.2 / RFC 7616 §3.4: "the server can detect
 * request replays by maintaining its own copy of this count — if the same nc value is seen twice,
 * then the request is a replay"). For each nonce seen, the highest nc accepted; a request must
 * bring a higher one.
 *
 * The memory is bounded and forgets by itself: an entry is dropped once its nonce has expired
 * (an expired nonce is refused before it gets here), and when more than `maxEntries` nonces are
 * live the oldest entries are evicted. An evicted nonce could be replayed, so any nonce created no
 * later than the newest evicted one and not in memory is refused ('evicted'; the server answers
 * stale=true and the client simply retries with a fresh nonce).
 *
 * A nonce never seen here (e.g. issued by another server sharing the secret) is accepted with any
 * nc: replay detection is per server instance, validity needs no shared state.
 */

import { ownString } from '../message/own-string.js';

interface Entry {
  nc: number;
  createdAt: number;
  expiresAt: number;
}

/** Outcome of NonceCounter.use(). */
export type NonceUse = 'ok' | 'replay' | 'evicted';

export class NonceCounter {
  private readonly entries = new Map<string, Entry>();
  /** Creation time of the newest nonce evicted for lack of room (-Infinity: none yet). */
  private evictedUpTo = -Infinity;

  constructor(readonly maxEntries = 100_000) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  /** Number of nonces remembered. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Record use `nc` of `nonce` at time `now` if it is higher than any before.
   * @param createdAt  the nonce's creation time (from its authenticated time stamp)
   * @param expiresAt  when the nonce stops being valid; the entry can be forgotten after that
   */
  use(nonce: string, nc: number, createdAt: number, expiresAt: number, now: number): NonceUse {
    this.sweep(now);
    const e = this.entries.get(nonce);
    if (e !== undefined) {
      if (nc <= e.nc) return 'replay';
      e.nc = nc; // updating keeps the Map position: order stays "first seen"
      return 'ok';
    }
    if (createdAt <= this.evictedUpTo) return 'evicted';
    if (nc < 1) return 'replay';
    // Kept up to the nonce's lifetime: its own copy, not a view into the request (own-string.ts).
    this.entries.set(ownString(nonce), { nc, createdAt, expiresAt });
    while (this.entries.size > this.maxEntries) {
      const [k, old] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(k);
      if (old.createdAt > this.evictedUpTo) this.evictedUpTo = old.createdAt;
    }
    return 'ok';
  }

  /**
   * Drop expired entries from the head (oldest first seen). Entries are roughly in expiry order;
   * one that expires out of order waits until those before it go, and the size cap bounds it.
   */
  private sweep(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.expiresAt >= now) break;
      this.entries.delete(k);
    }
  }
}
