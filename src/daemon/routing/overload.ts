/**
 * Overload control (issue 14): when sipd falls behind its input, new work is refused at once
 * with a stateless 503 and Retry-After (RFC 3261 §21.5.4), so that the calls already in progress
 * (their ACKs, BYEs and responses) get the time they need and the server keeps completing calls
 * near its capacity instead of spiralling: without it, every request waits in the socket buffer
 * longer than T1, the phones retransmit, the retransmissions are more work, and the kernel drops
 * datagrams of calls in progress, whose retransmissions are more work again.
 *
 * sipd is behind when the requests it reads have waited in a UDP socket longer than the limit
 * (UdpTransport.waitMs: the kernel's receive time stamp of the oldest datagram of each batch read,
 * SO_TIMESTAMPNS through the batched addon), or when a socket has stayed behind longer than the
 * limit (UdpTransport.backlogMs: datagrams left queued after every read) while the kernel keeps
 * dropping datagrams on it for want of room (UdpTransport.overflowing, SO_RXQ_OVFL): more
 * arrives than the one core handles, for whatever reason (too much offered, a host that gives the
 * process too little CPU, a slow route). A stall alone (a GC pause, a descheduled process) is not:
 * what it left queued waited no longer than the stall, and refusing calls for it cost more
 * completed calls than it saved when measured (issue 14, bench sipd-overload on a loaded host).
 * Nor is the slow draining after a stall: at 80 % load a queue left by a 50 ms pause takes ~200 ms
 * to drain (the core gains on the arrivals by a fifth of its speed), every read a full batch,
 * though the head of the queue is ever younger and nothing is lost. The backlog alone, the signal
 * before, refused thousands of digest REGISTERs at 60-80 % CPU that way (sipd-kamailio bench:
 * 503s at 5,650/s from a core that took 8,000/s clean with the control off). Without the addon
 * (node:dgram: no time stamps, no drop count) the backlog alone decides, as before. Stalls are
 * counted (core.loop_stalls: loop delays longer than the limit) and the worst loop delay of each
 * second is a gauge (core.loop_lag_ms), to tell the two apart from outside.
 * Requests inside a dialog, ACK and CANCEL, responses and retransmissions matched to a
 * transaction are never refused: they finish work already accepted. Nor is a request that answers
 * a challenge (it carries Authorization or Proxy-Authorization): refusing it would waste the work
 * of the 401/407 it answers, the way a digest REGISTER spirals (its first half refused costs
 * nothing, its second half refused costs the first's work).
 *
 * While behind, a share of the new requests is admitted (evenly spread), the rest refused: the
 * share shrinks while sipd is behind and grows back once no socket overflows and requests wait
 * less than half the limit (without the addon: once caught up): additive increase,
 * multiplicative decrease on the kernel's drops and the wait, the way TCP finds the rate a path
 * carries, down to MIN_SHARE. (Waiting until the queue was empty before growing kept the share
 * low for as long as the queue drained: digest REGISTERs offered at 1.5x the maximum completed
 * 2,767/s that way and 5,838/s this way, same run, `npm run bench -- sipd-overload
 * --load=register --max=5000 --before=...`.) A plain on/off switch refused every new request for
 * as long as the socket stayed behind, which on a CPU-starved host (where even refusing
 * everything does not keep up) was the whole load step: 4-11 % of the offered REGISTERs completed
 * at 1x in the bench, against 19-33 % with no control at all.
 *
 * On by default (limits.overload_backlog_ms = 200, issue 14): shedding once requests wait longer
 * keeps what sipd admits younger than the clients' T1 (500 ms, RFC 3261 §17.1.2.2), so that
 * retransmissions do not pile up behind the work they repeat. The kernel's queue is kept short too
 * (daemon/transport.ts UDP_RECV_BUFFER): past it the kernel drops the excess, and the drops make
 * sipd shed.
 *
 * The probe is a 10 ms timer while traffic flows, and a 100 ms one while sipd is idle (no message
 * received for a whole tick, nothing queued, every request admitted): an idle sipd woke 100 times
 * a second for it, 24 ms of CPU a second (2.4 % of a core) doing nothing, where Kamailio sleeps.
 * The first new request wakes the fast probe at once (overloaded() is asked for each); while idle,
 * a stall shows in the statistics 0 to 100 ms shorter than it was.
 */
import type { Counter, Gauge } from '../stats.js';

export interface OverloadOptions {
  /** ms a UDP socket may stay behind before new requests get 503; 0 turns the control off. */
  limitMs: number;
  /** The longest backlog (ms) of the server's UDP sockets now (0 when they keep up). */
  backlogMs: () => number;
  /**
   * The longest backlog (ms) of those sockets whose kernel queue is also overflowing (dropping
   * datagrams): only that one makes sipd shed. Without it, backlogMs decides.
   */
  overflowMs?: () => number;
  /**
   * How long (ms) the requests being read now have waited in the server's UDP sockets: over the
   * limit, sipd sheds (however slowly each request is handled). Without it, backlogMs stands in.
   */
  waitMs?: () => number;
  /** Counted for every event-loop stall longer than limitMs (STALL_MS when the control is off). */
  stalls?: Counter;
  /** Set to the worst event-loop delay of the last second. */
  lag?: Gauge;
  now?: () => number;
  /**
   * Messages received so far (all listeners): a tick that sees no new one, with nothing queued and
   * every request admitted, slows the probe to IDLE_TICK_MS. Without it the probe stays at TICK_MS.
   */
  activity?: () => number;
}

/**
 * The share of new requests admitted while behind shrinks by this factor every tick the backlog
 * is over the limit (to a fifth in 150 ms), and grows by ADMIT_STEP every tick no socket
 * overflows (back to all in 200 ms).
 */
const ADMIT_DECREASE = 0.9;
/**
 * A late tick shrinks the share at most as far as this many ticks would: the first batch read
 * after a 250 ms stall waited 250 ms, and one such reading is no reason to shed four fifths at
 * once (a standing overload keeps the wait up, tick after tick, and gets there in 150 ms anyway).
 */
const MAX_SHRINK_TICKS = 5;
const ADMIT_STEP = 0.05;
/**
 * The least share admitted. Where refusing costs about as much as the host gives sipd, the socket
 * stays behind whatever the share; below this, sipd would spend its CPU refusing and complete
 * nothing, while the kernel's short queue drops the excess for free.
 */
export const MIN_SHARE = 0.2;

/** How often the event loop's delay is sampled and the admitted share adjusted while traffic flows. */
export const TICK_MS = 10;
/** The probe's period while sipd is idle (10 timers/s instead of 100). */
export const IDLE_TICK_MS = 100;
/** A loop delay counted as a stall when the control is off (limitMs 0). */
const STALL_MS = 100;

export class OverloadGuard {
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  /** The period of the pending tick (TICK_MS, or IDLE_TICK_MS while idle). */
  private period = TICK_MS;
  /** activity() at the last tick */
  private lastActivity = -1;
  private windowStart = 0;
  private windowMax = 0;
  private readonly now: () => number;
  /** The share (0..1) of new requests without credentials admitted now. */
  private admitShare = 1;
  /** Admission credit: a request is admitted each time the shares accumulated reach 1 (evenly spread, no randomness). */
  private credit = 0;

  constructor(private readonly o: OverloadOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  get enabled(): boolean {
    return this.o.limitMs > 0;
  }

  /**
   * Whether a new request should be refused now. `answersChallenge` says whether it carries
   * credentials for a challenge sipd sent (asked only while sipd sheds): such a request is never
   * refused; the others are admitted at the current share.
   */
  overloaded(answersChallenge: () => boolean = () => false): boolean {
    if (this.period !== TICK_MS && this.timer) this.wake();
    if (!this.enabled || this.admitShare >= 1) return false;
    if (answersChallenge()) return false;
    this.credit += this.admitShare;
    if (this.credit < 1) return true;
    this.credit -= 1;
    return false;
  }

  /** The share of new requests (without credentials) admitted now, 0 to 1. */
  get admitted(): number {
    return this.admitShare;
  }

  /**
   * Adjusts the admitted share from the backlog now, for `elapsedMs` since the last adjustment
   * (one tick; more when the loop was late, as when each request takes long and a turn of 32
   * lasts longer than a tick: the share then moves as far as the ticks it missed would have).
   */
  adjust(elapsedMs = TICK_MS): void {
    if (!this.enabled) return;
    const ticks = Math.min(elapsedMs, 1000) / TICK_MS;
    const behind = this.o.backlogMs();
    // Shed more while requests wait longer than the limit, or while a socket overflows past it;
    // admit more once none overflows and requests wait under half the limit (the drops and the
    // wait are the congestion signals, as for TCP). Without either signal: the backlog, as before.
    const limit = this.o.limitMs;
    const overflowing = this.o.overflowMs === undefined ? behind : this.o.overflowMs();
    const wait = this.o.waitMs === undefined ? behind : this.o.waitMs();
    if (wait > limit || overflowing > limit)
      this.admitShare = Math.max(MIN_SHARE, this.admitShare * ADMIT_DECREASE ** Math.min(ticks, MAX_SHRINK_TICKS));
    else if (overflowing === 0 && wait <= limit / 2 && this.admitShare < 1)
      this.admitShare = Math.min(1, this.admitShare + ADMIT_STEP * ticks);
    if (this.admitShare >= 1) this.credit = 0;
  }

  /** Starts sampling the event loop's delay (also with the control off: the statistics stay). */
  start(): void {
    if (this.timer) return;
    this.expected = 0;
    this.period = TICK_MS;
    this.tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * One tick of the 10 ms timer, at `now`: how late it fired is how long the loop was busy or
   * stalled (statistics); then the admitted share is adjusted for the time since the last tick.
   * The first tick only starts the clock.
   */
  readonly sample = (now: number, next: number = TICK_MS): void => {
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
    const elapsed = this.expected === 0 ? TICK_MS : now - (this.expected - this.period);
    this.expected = now + next;
    this.period = next;
    this.adjust(elapsed);
  };

  /** The next tick's period: IDLE_TICK_MS when nothing arrived since the last tick and nothing is behind. */
  private nextPeriod(): number {
    const activity = this.o.activity;
    if (!activity) return TICK_MS;
    const seen = activity();
    const quiet = seen === this.lastActivity;
    this.lastActivity = seen;
    return quiet && this.admitShare >= 1 && this.o.backlogMs() === 0 ? IDLE_TICK_MS : TICK_MS;
  }

  private readonly tick = (): void => {
    const next = this.nextPeriod();
    this.sample(this.now(), next);
    this.timer = setTimeout(this.tick, next);
    this.timer.unref();
  };

  /**
   * A new request while the probe is idle: back to TICK_MS now (a tick at once, then every
   * TICK_MS), so that a burst after a quiet spell is watched as closely as steady traffic.
   */
  private wake(): void {
    clearTimeout(this.timer);
    this.lastActivity = -1;
    this.sample(this.now(), TICK_MS);
    this.timer = setTimeout(this.tick, TICK_MS);
    this.timer.unref();
  }
}
