/**
 * Pacing of new outgoing calls (SIPp's CallGenerationTask): the rate (-r per -rp, changed at run
 * time by keys, the control socket and -rate_increase), the limit of open calls (-l, by default
 * 3 × rate × call length), pause ('p'), and -users mode with its pool of free users and their
 * [$user] variable tables.
 */
import { monoUs } from './clock.js';
import type { RunOptions } from '../options/run-options.js';
import type { Scenario } from '../scenario/model.js';
import { newTable, type CallVariable } from '../scenario/variables.js';
import type { Stats } from '../stats/stats.js';

/**
 * Catch-up pacing (issue 15). Calls fall due by the clock; when the loop was held up (a garbage
 * collection, the JIT's first compilations, a busy machine) the calls of those milliseconds are
 * late. Opened in one cycle, they left as one burst of INVITEs, and their answers brought one burst
 * of ACKs and BYEs. On loopback the peer dropped what did not fit (`sipp -sn uas` reads one
 * datagram per loop turn from a receive buffer of twice its -buff_size of 64 KiB: about 100
 * datagrams), and each lost message came back as a retransmission 500 ms later (RFC 3261
 * §17.1.1.2 timer A), so a run of N calls at R/s ended long after N/R seconds with every call
 * successful. The backlog now opens at up to CATCH_UP times the rate: a stall of S ms is made up
 * in about S ms more, the calls keep their count and the run its average rate.
 */
const CATCH_UP = 2;
/**
 * What a cycle may open at once, in ms of the rate: BURST_MS, or twice the usual time between
 * cycles when the loop is busier than that (a cycle every 3 ms must open 3 ms of calls each time,
 * or the pacing itself would hold the rate down).
 */
const BURST_MS = 2;
/**
 * Back-pressure (issue 15): no new call opens while the replies being read have waited longer
 * than this in the socket (the kernel's receive time stamps, behindMs). At 14,000 calls/s a cold
 * siptest kept opening calls at full rate while it fell behind reading their replies: its own
 * socket dropped thousands, their retransmissions were more work again, and the run spiralled
 * to 6,000 calls/s with thousands failed. Held back, the calls stay due and the catch-up pacing
 * opens them once the replies are read (at up to CATCH_UP times the rate): the run keeps its
 * count and its average rate. Well under T1 (500 ms), above a turn's ordinary jitter.
 */
export const BEHIND_LIMIT_MS = 20;

export class CallGenerator {
  rate: number;
  openCallsAllowed: number;
  paused = false;
  private readonly freeUsers: number[] = [];
  private readonly userTables = new Map<number, CallVariable[]>();
  private lastRateChange = 0;
  private callsSince = 0;
  /** Calls the catch-up pacing lets open now (fractional: earned at CATCH_UP × the rate). */
  private credit = Infinity;
  /** When generate() last ran (clock ms). */
  private lastGenerate: number;
  /** The usual time between generate() runs (ms): a moving average over about 8 runs. */
  private cycleGapMs = 0;

  constructor(
    private readonly opts: RunOptions,
    private readonly scenario: Scenario,
    private readonly now: () => number,
    /** How long (ms) the replies being read now have waited in the socket (0: it keeps up). */
    private readonly behindMs: () => number = () => 0,
  ) {
    for (let i = 1; i <= opts.users; i++) this.freeUsers.push(i);
    this.lastGenerate = now();
    this.rate = opts.rate;
    this.openCallsAllowed = opts.limit;
    this.setRate(opts.rate);
  }

  /**
   * The run starts: the rate counts from now, or from the earlier `since` (clock ms; SIPp sets
   * the rate before it opens its sockets, so its first period runs while they open). A set-up
   * longer than one period gives one call at once, not the calls of the periods it took:
   * counting from no earlier than one period ago.
   */
  start(since?: number): void {
    const now = this.now();
    this.lastGenerate = now;
    if (since === undefined || this.rate <= 0) this.lastRateChange = now;
    else this.lastRateChange = Math.min(now, Math.max(since, now - Math.ceil(this.opts.ratePeriodMs / this.rate)));
  }

  /** SIPp's -l default: 3 × rate × max(call length, 1 s) / rate period. */
  setRate(rate: number): void {
    this.rate = Math.max(0, rate);
    this.lastRateChange = this.now();
    this.callsSince = 0;
    if (!this.opts.limitSet) {
      const length = Math.max(this.scenario.durationMs, this.opts.durationMs, 1000);
      this.openCallsAllowed = Math.trunc((3 * this.rate * length) / this.opts.ratePeriodMs) || 1;
    }
  }

  /** -users at run time (control socket "cset users N", + - * / keys). */
  setUsers(n: number): void {
    const target = Math.max(0, Math.trunc(n));
    while (this.opts.users < target) this.freeUsers.unshift(++this.opts.users);
    if (target < this.opts.users) {
      const drop = this.opts.users - target;
      this.freeUsers.splice(0, Math.min(drop, this.freeUsers.length));
      this.opts.users = target;
    }
    this.openCallsAllowed = target;
  }

  /** The [$user] variables of user `userId` (-users mode). */
  userTable(userId: number): CallVariable[] {
    let t = this.userTables.get(userId);
    if (!t) this.userTables.set(userId, (t = newTable(this.scenario.userVars.size)));
    return t;
  }

  /** A user for a new call: the next free one in -users mode, else 0 (none). */
  takeUser(): number {
    return this.opts.users >= 0 ? this.freeUsers.pop()! : 0;
  }

  /** A call of user `userId` ended; `current` open calls. */
  freeUser(userId: number, current: number): void {
    if (current > this.openCallsAllowed) return;
    this.freeUsers.unshift(userId);
  }

  /**
   * Open the calls the rate (or -users) asks for at `now`; `open` opens one and returns false when
   * no socket is ready (the rest is left for a later cycle).
   */
  generate(now: number, stats: Stats, open: () => boolean): void {
    if (this.paused || this.scenario.mode !== 'client') return;
    if (this.behindMs() > BEHIND_LIMIT_MS) return; // back-pressure: the calls stay due
    const usersMode = this.opts.users >= 0;
    const current = stats.current;
    const total = stats.totalCreated;
    let toOpen: number;
    if (usersMode) toOpen = this.freeUsers.length;
    else {
      const expected = Math.floor((now - this.lastRateChange) * (this.rate / this.opts.ratePeriodMs));
      toOpen = Math.min(expected - this.callsSince, this.pace(now));
    }
    if (total + toOpen > this.opts.stopAfter) toOpen = this.opts.stopAfter - total;
    if (!usersMode) this.callsSince += Math.max(0, toOpen);
    if (this.openCallsAllowed && current + toOpen > this.openCallsAllowed) toOpen = this.openCallsAllowed - current;
    if (toOpen <= 0) return; // most cycles (one per datagram): no clock read
    // Like SIPp, spend at most about a millisecond opening calls per cycle: after a stall the
    // backlog is spread over the next cycles instead of leaving in one burst.
    const budgetEnd = monoUs() + 1000;
    let i = 0;
    for (; i < toOpen; i++) {
      if (((i & 15) === 15 && monoUs() > budgetEnd) || !open()) {
        if (!usersMode) this.callsSince -= toOpen - i;
        break;
      }
    }
    if (!usersMode) this.credit -= i;
  }

  /**
   * How many calls the catch-up pacing lets this cycle open (see CATCH_UP): the credit earned
   * since the last cycle at CATCH_UP × the rate, up to a burst of BURST_MS of calls (at least one
   * call) or, when cycles are further apart than that, twice their usual gap.
   */
  private pace(now: number): number {
    const perMs = this.rate / this.opts.ratePeriodMs;
    const gap = now - this.lastGenerate;
    this.lastGenerate = now;
    const burst = Math.max(1, perMs * Math.max(BURST_MS, 2 * this.cycleGapMs));
    this.credit = Math.min(burst, this.credit + gap * perMs * CATCH_UP);
    // Updated after the burst is set: the stall's own gap must not widen the burst that makes up
    // for it. An average, not the longest recent gap: credit builds up to the burst between
    // stalls (it is earned faster than spent), and a burst widened by the last stall let the next
    // one out at once (measured: as many drops at the peer as without pacing).
    this.cycleGapMs += (gap - this.cycleGapMs) / 8;
    return Math.floor(this.credit);
  }

  /** When the generator should run next (ms), for the idle timer; undefined: not before a message. */
  nextAt(now: number): number | undefined {
    if (this.paused || this.scenario.mode !== 'client' || this.opts.users >= 0 || this.rate <= 0) return undefined;
    const msPerCall = this.opts.ratePeriodMs / Math.max(this.rate, 1);
    return Math.max(now + 1, this.lastRateChange + (this.callsSince + 1) * msPerCall);
  }
}
