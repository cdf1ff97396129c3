/**
 * One-shot timers of one constant delay, kept in arrival order: entries pushed with the same delay
 * fall due in the order they were pushed (the clock only moves forward), so a FIFO is already
 * deadline-ordered and needs neither a heap position nor a Timer object per entry. Only the
 * line's head is in the TimerQueue's heap, through the line's one Timer.
 *
 * Why (issue 14): every proxied call leaves four transactions lingering for a clean-up timer of a
 * constant duration (64·T1 = 32 s for RFC 6026 Accepted and Timer J, T4 for Timer K); one 80-byte
 * Timer object each, kept for 32 s, is copied by the scavenger and then marked by the
 * old-generation GC. An entry here is two array slots (16 bytes) in arrays that are reused.
 *
 * Entries cannot be cancelled: a target whose state moved on must ignore the call (a terminated
 * transaction does: terminate() is idempotent). A target is kept until its entry falls due.
 */
import type { Timer, TimerQueue, TimerTarget } from './timer-queue.js';

export class DelayLine implements TimerTarget {
  private targets: (TimerTarget | undefined)[] = new Array<TimerTarget | undefined>(16).fill(undefined);
  private deadlines = new Float64Array(16);
  /** index of the oldest entry (ring buffer: capacity is a power of two) */
  private head = 0;
  private count = 0;
  private readonly timer: Timer;

  constructor(
    private readonly queue: TimerQueue,
    /** the delay of every entry, ms */
    readonly delay: number,
    /** the kind passed to every target's onTimer */
    readonly kind: number,
  ) {
    this.timer = queue.timer(this, 0);
  }

  /** Number of pending entries. */
  get length(): number {
    return this.count;
  }

  /** Whether the line's own timer is in the queue's heap. */
  get armed(): boolean {
    return this.timer.armed;
  }

  /** Call `target.onTimer(kind)` `delay` ms from now. */
  push(target: TimerTarget): void {
    if (this.count === this.targets.length) this.grow();
    const mask = this.targets.length - 1;
    const i = (this.head + this.count) & mask;
    this.targets[i] = target;
    this.deadlines[i] = this.queue.clock.now() + this.delay;
    this.count++;
    if (!this.timer.armed) this.timer.start(this.delay);
  }

  /** Drop every entry (TimerQueue.clear). */
  clear(): void {
    this.timer.stop();
    this.targets.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  /** The line's timer: every entry now due is called, in order; then the timer waits for the next. */
  onTimer(): void {
    const now = this.queue.clock.now();
    const mask = this.targets.length - 1;
    while (this.count > 0 && this.deadlines[this.head]! <= now) {
      const target = this.targets[this.head]!;
      this.targets[this.head] = undefined;
      this.head = (this.head + 1) & mask;
      this.count--;
      try {
        target.onTimer(this.kind, this.timer);
      } catch (e) {
        // One faulty target must not stall the others: re-arm for the rest, then report.
        this.rearm(now);
        throw e;
      }
    }
    this.rearm(now);
  }

  private rearm(now: number): void {
    if (this.count > 0 && !this.timer.armed) this.timer.start(Math.max(0, this.deadlines[this.head]! - now));
  }

  /** Double the capacity, the entries copied in order to the start. */
  private grow(): void {
    const n = this.targets.length;
    const targets = new Array<TimerTarget | undefined>(2 * n).fill(undefined);
    const deadlines = new Float64Array(2 * n);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (n - 1);
      targets[k] = this.targets[i];
      deadlines[k] = this.deadlines[i]!;
    }
    this.targets = targets;
    this.deadlines = deadlines;
    this.head = 0;
  }
}
