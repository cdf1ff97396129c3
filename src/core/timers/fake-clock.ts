/**
 * A clock for tests: time stands still until {@link FakeClock.advance} moves it, and wake-ups run
 * in deadline order with now() equal to their deadline, so a test observes exactly the instants
 * RFC 3261 prescribes (a retransmission at 500 ms is seen at 500 ms, not "some time before 600").
 */
import type { Clock, WakeHandle } from './clock.js';

interface FakeWake {
  at: number;
  seq: number;
  fn: (() => void) | undefined;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private wakes: FakeWake[] = [];
  private advancing = false;

  /** @param start the initial value of now() (default 0) */
  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  wakeAt(at: number, fn: () => void): WakeHandle {
    const w: FakeWake = { at, seq: this.seq++, fn };
    this.wakes.push(w);
    return w;
  }

  cancelWake(handle: WakeHandle): void {
    const w = handle as FakeWake;
    w.fn = undefined;
    const i = this.wakes.indexOf(w);
    if (i >= 0) this.wakes.splice(i, 1);
  }

  /** Number of wake-ups scheduled and not yet run (a TimerQueue keeps at most one). */
  get pendingWakeups(): number {
    return this.wakes.length;
  }

  /**
   * Move time forward by `ms`, running every wake-up that falls due on the way, each at its own
   * deadline (wake-ups scheduled by those callbacks run too if they fall within the window).
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ${ms} is not a non-negative number`);
    this.advanceTo(this.t + ms);
  }

  /** Move time forward to `target` (see advance). */
  advanceTo(target: number): void {
    if (this.advancing) throw new Error('FakeClock.advance called from a wake-up callback');
    this.advancing = true;
    try {
      for (;;) {
        const next = this.earliest();
        if (next === undefined || next.at > target) break;
        this.wakes.splice(this.wakes.indexOf(next), 1);
        if (next.at > this.t) this.t = next.at;
        const fn = next.fn;
        next.fn = undefined;
        fn?.();
      }
      if (target > this.t) this.t = target;
    } finally {
      this.advancing = false;
    }
  }

  private earliest(): FakeWake | undefined {
    let best: FakeWake | undefined;
    for (const w of this.wakes)
      if (best === undefined || w.at < best.at || (w.at === best.at && w.seq < best.seq)) best = w;
    return best;
  }
}
