/**
 * Overload control (issue 14): when sipd falls behind its input, new work is refused at once
 * with a stateless 503 and Retry-After (RFC 3261 §21.5.4), so that the calls already in progress
 * (their ACKs, BYEs and responses) get the time they need and the server keeps completing calls
 * near its capacity instead of spiralling: without it, every request waits in the socket buffer
 * longer than T1, the phones retransmit, the retransmissions are more work, and the kernel drops
 * datagrams of calls in progress, whose retransmissions are more work again.
 *
 * sipd is behind when a UDP socket has had datagrams left queued after every read for longer
 * than `backlogMs` (core UdpTransport.backlogMs): more arrives than the one core handles, for
 * whatever reason (too much offered, a host that gives the process too little CPU). A stall alone
 * (a GC pause, a descheduled process) is not: the datagrams it left queued are read within a
 * few turns, and refusing calls for it cost more completed calls than it saved when measured
 * (issue 14, bench sipd-overload on a loaded host). Stalls are counted (core.loop_stalls: loop
 * delays longer than `backlogMs`) and the worst loop delay of each second is a gauge
 * (core.loop_lag_ms), to tell the two apart from outside.
 * Requests inside a dialog, ACK and CANCEL, responses and retransmissions matched to a
 * transaction are never refused: they finish work already accepted.
 *
 * Off by default (limits.overload_backlog_ms = 0): measured on a loaded 2-core host, sipd's socket
 * stayed "behind" for seconds while sipd still completed nearly every call, and refusing calls
 * then cost more completed calls than it saved. The event-loop statistics are kept either way.
 */
import type { Counter, Gauge } from '../stats.js';

export interface OverloadOptions {
  /** ms a UDP socket may stay behind before new requests get 503; 0 turns the control off. */
  limitMs: number;
  /** The longest backlog (ms) of the server's UDP sockets now (0 when they keep up). */
  backlogMs: () => number;
  /** Counted for every event-loop stall longer than limitMs (STALL_MS when the control is off). */
  stalls?: Counter;
  /** Set to the worst event-loop delay of the last second. */
  lag?: Gauge;
  now?: () => number;
}

/** How often the event loop's delay is sampled (100 timers/s: cheap). */
const TICK_MS = 10;
/** A loop delay counted as a stall when the control is off (limitMs 0). */
const STALL_MS = 100;

export class OverloadGuard {
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  private windowStart = 0;
  private windowMax = 0;
  private readonly now: () => number;

  constructor(private readonly o: OverloadOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  get enabled(): boolean {
    return this.o.limitMs > 0;
  }

  /** Whether new work should be refused now. */
  overloaded(): boolean {
    return this.enabled && this.o.backlogMs() > this.o.limitMs;
  }

  /** Starts sampling the event loop's delay (also with the control off: the statistics stay). */
  start(): void {
    if (this.timer) return;
    this.expected = 0;
    this.tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * One tick of the 10 ms timer, at `now`: how late it fired is how long the loop was busy or
   * stalled (statistics only). The first tick only starts the clock.
   */
  readonly sample = (now: number): void => {
    if (this.expected === 0) {
      this.windowStart = now;
    } else {
      const lag = Math.max(0, now - this.expected);
      if (lag > (this.o.limitMs || STALL_MS)) this.o.stalls?.inc();
      if (lag > this.windowMax) this.windowMax = lag;
      if (now - this.windowStart >= 1000) {
        this.o.lag?.set(Math.round(this.windowMax));
        this.windowMax = 0;
        this.windowStart = now;
      }
    }
    this.expected = now + TICK_MS;
  };

  private readonly tick = (): void => {
    this.sample(this.now());
    this.timer = setTimeout(this.tick, TICK_MS);
    this.timer.unref();
  };
}
