/**
 * One queue for every protocol timer: an indexed binary min-heap of deadlines driven by a single
 * clock wake-up (one Node timer for the whole process however many transactions are pending).
 *
 * Why not one setTimeout per timer: a proxy under load keeps tens of thousands of transactions
 * alive, each with two timers that are re-armed on every retransmission (RFC 3261 §17). Node
 * timers are cheap but not free (an object, a linked-list entry, a libuv handle refresh); a heap
 * entry is one small object that is re-armed in O(log n) without allocating.
 *
 * No closures per timer: a {@link Timer} is bound once to a {@link TimerTarget} (the transaction
 * object itself) and a numeric kind; when it fires the queue calls `target.onTimer(kind)`.
 */
import { systemClock, type Clock, type WakeHandle } from './clock.js';
import { DelayLine } from './delay-line.js';

/** Receives the expiry of its timers. `kind` tells which one (e.g. Timer A vs Timer B). */
export interface TimerTarget {
  onTimer(kind: number, timer: Timer): void;
}

/** A re-armable timer slot. Create with {@link TimerQueue.timer}. */
export class Timer {
  /** absolute deadline (clock scale) while armed */
  at = 0;
  /** insertion order, so timers with the same deadline fire first-in first-out */
  seq = 0;
  /** position in the heap, -1 when not armed */
  index = -1;
  /** the delay of the last start(), for doubling schedules (Timer A/E/G) */
  interval = 0;

  constructor(
    readonly queue: TimerQueue,
    readonly target: TimerTarget,
    readonly kind: number,
  ) {}

  get armed(): boolean {
    return this.index >= 0;
  }

  /** (Re)arm to fire `delayMs` from now; re-arming an armed timer moves it. */
  start(delayMs: number): void {
    this.interval = delayMs;
    this.queue.schedule(this, delayMs);
  }

  /** Disarm (no-op when not armed). */
  stop(): void {
    if (this.index >= 0) this.queue.cancel(this);
  }

  /** Milliseconds until it fires, or undefined when not armed. */
  remaining(): number | undefined {
    return this.index < 0 ? undefined : Math.max(0, this.at - this.queue.clock.now());
  }
}

export interface TimerQueueOptions {
  /**
   * Wake-ups fall on a grid of this many ms (0: each at the earliest deadline). A proxy at a few
   * hundred calls/s has a timer due almost every millisecond; each wake-up is a Node timer and a
   * call from libuv into JS. On a 5 ms grid the timers due within one step share a wake-up
   * (at most 200/s), each fires at most that much late, never early: RFC 3261's timers are
   * multiples of T1 (500 ms), and §17 asks for no precision finer than that.
   */
  coalesceMs?: number;
}

export class TimerQueue {
  readonly clock: Clock;
  private readonly heap: Timer[] = [];
  private seq = 0;
  private wake: WakeHandle | undefined;
  /** when the pending wake-up runs (a grid point when coalescing), Infinity when none */
  private wakeTime = Infinity;
  private firing = false;
  private readonly coalesceMs: number;
  private readonly onWake = (): void => this.fire();
  /** one-shot timers of a constant delay, by delay and kind (see `after`) */
  private readonly lines = new Map<number, DelayLine>();

  constructor(clock: Clock = systemClock, opts: TimerQueueOptions = {}) {
    this.clock = clock;
    const c = opts.coalesceMs ?? 0;
    if (!(c >= 0)) throw new RangeError(`coalesceMs must be >= 0 (got ${c})`);
    this.coalesceMs = c;
  }

  /** A new (unarmed) timer that reports to `target` with `kind`. */
  timer(target: TimerTarget, kind: number): Timer {
    return new Timer(this, target, kind);
  }

  /**
   * Call `target.onTimer(kind)` once, `delayMs` from now, without a Timer object: the entry waits
   * in a FIFO of that delay (delay-line.ts), cheaper to keep than a Timer when thousands of
   * targets wait for the same constant delay (transactions' clean-up timers, issue 14). It cannot
   * be stopped: the target must ignore a call its state no longer expects. Delays are whole ms;
   * `kind` is 0..63.
   */
  after(delayMs: number, target: TimerTarget, kind: number): void {
    if (!Number.isInteger(kind) || kind < 0 || kind >= 64) throw new RangeError(`kind must be 0..63 (got ${kind})`);
    const delay = Math.max(0, Math.ceil(delayMs));
    const key = delay * 64 + kind;
    let line = this.lines.get(key);
    if (line === undefined) this.lines.set(key, (line = new DelayLine(this, delay, kind)));
    line.push(target);
  }

  /** Number of armed timers (each pending `after` entry counts as one, a delay line's own timer not). */
  get size(): number {
    let n = this.heap.length;
    for (const line of this.lines.values()) n += line.length - (line.armed ? 1 : 0);
    return n;
  }

  /** Whether a clock wake-up is currently scheduled (at most one at any time). */
  get hasWakeup(): boolean {
    return this.wake !== undefined;
  }

  /** Arm `t` to fire `delayMs` from now (moving it if armed). */
  schedule(t: Timer, delayMs: number): void {
    const at = this.clock.now() + (delayMs > 0 ? delayMs : 0);
    t.at = at;
    t.seq = this.seq++;
    if (t.index < 0) {
      t.index = this.heap.length;
      this.heap.push(t);
      this.up(t.index);
    } else {
      // A moved timer's new seq is the largest, so it can only sink among equal deadlines.
      this.up(t.index);
      this.down(t.index);
    }
    if (at < this.wakeTime && !this.firing) this.arm(at);
  }

  /** Disarm `t`. The clock wake-up is left alone: if it fires with nothing due it re-arms later. */
  cancel(t: Timer): void {
    const i = t.index;
    if (i < 0) return;
    const last = this.heap.pop()!;
    t.index = -1;
    if (last !== t) {
      this.heap[i] = last;
      last.index = i;
      this.up(i);
      this.down(last.index);
    }
  }

  /** Disarm every timer and the clock wake-up. */
  clear(): void {
    for (const line of this.lines.values()) line.clear();
    for (const t of this.heap) t.index = -1;
    this.heap.length = 0;
    if (this.wake !== undefined) this.clock.cancelWake(this.wake);
    this.wake = undefined;
    this.wakeTime = Infinity;
  }

  /** Run every timer whose deadline has passed, in deadline order. Called by the clock wake-up. */
  fire(): void {
    this.wake = undefined;
    this.wakeTime = Infinity;
    this.firing = true;
    try {
      const now = this.clock.now();
      const heap = this.heap;
      while (heap.length > 0 && heap[0]!.at <= now) {
        const t = heap[0]!;
        // Pop the root: the last entry sifts down from the top (no sift-up needed).
        const last = heap.pop()!;
        t.index = -1;
        if (last !== t) {
          heap[0] = last;
          this.down(0);
        }
        t.target.onTimer(t.kind, t);
      }
    } finally {
      this.firing = false;
      // Re-arm even when a target threw, so one faulty callback cannot stall every other timer.
      if (this.heap.length > 0 && this.wake === undefined) this.arm(this.heap[0]!.at);
    }
  }

  private arm(at: number): void {
    const when = this.coalesceMs > 0 ? Math.ceil(at / this.coalesceMs) * this.coalesceMs : at;
    if (this.wake !== undefined) {
      // The pending wake-up (same grid point or earlier) serves this deadline too.
      if (when >= this.wakeTime) return;
      this.clock.cancelWake(this.wake);
    }
    this.wakeTime = when;
    this.wake = this.clock.wakeAt(when, this.onWake);
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const heap = this.heap;
    const t = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!this.less(t, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = t;
    t.index = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const t = heap[i]!;
    const at = t.at;
    const seq = t.seq;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let child = heap[l]!;
      if (l + 1 < n) {
        const r = heap[l + 1]!;
        if (r.at < child.at || (r.at === child.at && r.seq < child.seq)) {
          c = l + 1;
          child = r;
        }
      }
      if (child.at > at || (child.at === at && child.seq > seq)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = t;
    t.index = i;
  }
}
