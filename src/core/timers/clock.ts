/**
 * Time for the protocol core. Everything that needs "now" or a wake-up asks a {@link Clock}, so
 * tests can swap in a {@link FakeClock} and step through a 32-second RFC 3261 timer schedule in
 * microseconds, deterministically.
 *
 * A clock offers exactly one kind of wake-up: "call me at time t". The {@link TimerQueue} keeps
 * all protocol timers (tens of thousands of them on a busy proxy) in one heap and asks the clock
 * for a single wake-up at the earliest deadline, so there is one Node timer however many
 * transactions are pending.
 */

/** Opaque handle of a scheduled wake-up. */
export type WakeHandle = unknown;

export interface Clock {
  /** Milliseconds on a monotonic scale (not wall-clock time; only differences mean something). */
  now(): number;
  /** Call `fn` once, at or soon after time `at` (same scale as now()). */
  wakeAt(at: number, fn: () => void): WakeHandle;
  /** Cancel a wake-up that has not fired yet (no-op otherwise). */
  cancelWake(handle: WakeHandle): void;
}

/**
 * The real clock: `performance.now()` (monotonic, immune to wall-clock steps) and one
 * `setTimeout` per wake-up. Wake-ups are unref'd by default so pending protocol timers alone do
 * not keep a process alive (open sockets do).
 */
export class SystemClock implements Clock {
  private readonly unref: boolean;

  constructor(opts: { unref?: boolean } = {}) {
    this.unref = opts.unref ?? true;
  }

  now(): number {
    return performance.now();
  }

  wakeAt(at: number, fn: () => void): WakeHandle {
    const delay = Math.max(0, Math.ceil(at - performance.now()));
    const t = setTimeout(fn, delay);
    if (this.unref) t.unref();
    return t;
  }

  cancelWake(handle: WakeHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}

/** The process-wide default clock. */
export const systemClock: Clock = new SystemClock();
