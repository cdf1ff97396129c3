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

import { compactString } from '../message/own-string.js';

/** Outcome of NonceCounter.use(). */
export type NonceUse = 'ok' | 'replay' | 'evicted';

/** Slots of the times ring at first; it doubles when full and halves when mostly empty. */
const MIN_RING = 64;

/**
 * Layout: a nonce lives in memory for its whole lifetime (5 min), and a burst of 100,000
 * REGISTERs leaves 100,000 of them. An object per entry ({nc, createdAt, expiresAt}: 48 bytes,
 * plus 16 for each time stamp, which V8 boxes as a heap number) cost ~80 bytes per nonce; here
 * a nonce is its Map entry (the highest nc, a small integer V8 stores unboxed) plus 16 bytes in
 * a Float64Array ring holding its two times. Entries only ever leave from the head (expiry and
 * eviction both drop the oldest first seen), and a Map iterates in insertion order, so the ring
 * and the Map stay in the same order: the ring's head is the Map's first entry.
 */
export class NonceCounter {
  /** nonce → the highest nc accepted, in the order first seen */
  private readonly ncs = new Map<string, number>();
  /** createdAt, expiresAt of each entry of `ncs`, in the same order, from `head` (wrapping) */
  private times = new Float64Array(2 * MIN_RING);
  /** Slot of the first entry in `times`. */
  private head = 0;
  /** Creation time of the newest nonce evicted for lack of room (-Infinity: none yet). */
  private evictedUpTo = -Infinity;

  constructor(readonly maxEntries = 100_000) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  /** Number of nonces remembered. */
  get size(): number {
    return this.ncs.size;
  }

  /**
   * Record use `nc` of `nonce` at time `now` if it is higher than any before.
   * @param createdAt  the nonce's creation time (from its authenticated time stamp)
   * @param expiresAt  when the nonce stops being valid; the entry can be forgotten after that
   */
  use(nonce: string, nc: number, createdAt: number, expiresAt: number, now: number): NonceUse {
    this.sweep(now);
    const seen = this.ncs.get(nonce);
    if (seen !== undefined) {
      if (nc <= seen) return 'replay';
      this.ncs.set(nonce, nc); // updating keeps the Map position: order stays "first seen"
      return 'ok';
    }
    if (createdAt <= this.evictedUpTo) return 'evicted';
    if (nc < 1) return 'replay';
    this.push(createdAt, expiresAt);
    // Kept up to the nonce's lifetime: its own flat copy, not a view into the request (own-string.ts).
    this.ncs.set(compactString(nonce), nc);
    while (this.ncs.size > this.maxEntries) {
      const createdAtOld = this.times[2 * this.head]!;
      this.shift();
      if (createdAtOld > this.evictedUpTo) this.evictedUpTo = createdAtOld;
    }
    return 'ok';
  }

  /**
   * Drop expired entries from the head (oldest first seen). Entries are roughly in expiry order;
   * one that expires out of order waits until those before it go, and the size cap bounds it.
   */
  private sweep(now: number): void {
    while (this.ncs.size > 0 && this.times[2 * this.head + 1]! < now) this.shift();
    // After a burst has expired, the ring goes back to a size for the traffic that remains.
    const slots = this.times.length / 2;
    if (slots > MIN_RING && this.ncs.size < slots / 4) this.resize(slots / 2);
  }

  /** Times of a new last entry (the caller adds it to `ncs` next). */
  private push(createdAt: number, expiresAt: number): void {
    const slots = this.times.length / 2;
    if (this.ncs.size === slots) this.resize(slots * 2);
    const at = (this.head + this.ncs.size) % (this.times.length / 2);
    this.times[2 * at] = createdAt;
    this.times[2 * at + 1] = expiresAt;
  }

  /** Forget the first entry. */
  private shift(): void {
    const first = this.ncs.keys().next().value as string;
    this.ncs.delete(first);
    this.head = (this.head + 1) % (this.times.length / 2);
  }

  /** A ring of `slots` entries holding the current ones from slot 0. */
  private resize(slots: number): void {
    const next = new Float64Array(2 * slots);
    const old = this.times;
    const oldSlots = old.length / 2;
    for (let i = 0; i < this.ncs.size; i++) {
      const from = (this.head + i) % oldSlots;
      next[2 * i] = old[2 * from]!;
      next[2 * i + 1] = old[2 * from + 1]!;
    }
    this.times = next;
    this.head = 0;
  }
}
