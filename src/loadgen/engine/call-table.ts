/**
 * The run's calls by Call-ID, and the calls that ended recently (SIPp's deadcall): a late message
 * for a dead call (a retransmission, a stray response) is counted and logged instead of starting a
 * new call or counting as out-of-call. A dead call is forgotten after -deadcall_wait without a
 * message for it.
 */
import type { RunOptions } from '../options/run-options.js';
import type { Call } from './call.js';

export interface DeadCall {
  reason: string;
  expires: number;
}

export class CallTable {
  private readonly live = new Map<string, Call>();
  private readonly dead = new Map<string, DeadCall>();
  /**
   * Dead Call-IDs in the order they expire (re-queued when a message kept them longer), with their
   * expiry times at the same index: two arrays rather than a pair per ended call, which lives for
   * -deadcall_wait (33 s) and so reached the old generation.
   */
  private readonly deadIds: string[] = [];
  private readonly deadExpires: number[] = [];
  /** Entries of the queue before this index are spent. */
  private deadHead = 0;

  constructor(
    private readonly opts: RunOptions,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.live.size;
  }

  get(callId: string): Call | undefined {
    return this.live.get(callId);
  }

  values(): IterableIterator<Call> {
    return this.live.values();
  }

  add(callId: string, call: Call): void {
    this.live.set(callId, call);
  }

  /** The call ended; with a `deadReason` (and -deadcall_wait) its Call-ID is kept as a dead call. */
  remove(callId: string, deadReason: string | undefined, initCall: boolean): void {
    this.live.delete(callId);
    if (deadReason !== undefined && this.opts.deadcallWaitMs > 0 && !initCall) {
      const expires = this.now() + this.opts.deadcallWaitMs;
      this.dead.set(callId, { reason: deadReason, expires });
      this.deadIds.push(callId);
      this.deadExpires.push(expires);
    }
  }

  /** A dead call a message arrived for: it is kept for another -deadcall_wait. */
  touchDead(callId: string): DeadCall | undefined {
    const d = this.dead.get(callId);
    if (d) d.expires = this.now() + this.opts.deadcallWaitMs;
    return d;
  }

  expireDead(now: number): void {
    const ids = this.deadIds;
    const at = this.deadExpires;
    let i = this.deadHead;
    while (i < ids.length && at[i]! <= now) {
      const id = ids[i]!;
      const d = this.dead.get(id);
      if (d && d.expires <= now) this.dead.delete(id);
      else if (d) {
        ids.push(id);
        at.push(d.expires);
      }
      i++;
    }
    // Dropping the expired head at every cycle would copy the whole queue (-deadcall_wait × rate
    // entries) each time: only once half of it is spent.
    if (i > 1024 && i * 2 > ids.length) {
      ids.splice(0, i);
      at.splice(0, i);
      i = 0;
    }
    this.deadHead = i;
  }
}
