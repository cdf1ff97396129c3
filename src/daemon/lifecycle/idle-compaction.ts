/**
 * Memory back after a burst (issue 14: "RSS returns to within 1.5x of its idle value after load
 * stops"). V8 keeps the pages a burst made it grow into: after a REGISTER burst sipd's heap stayed
 * at 351 MB for ~150 MB of live objects, and V8's own memory reducer did not run while sipd was
 * quiet (it waits for allocation to slow after a major GC, which a quiet server may never do).
 * So sipd asks for a full, compacting collection itself once its traffic has gone quiet after a
 * burst, and once more when the transactions of that burst have gone (they linger Timer J/K/D,
 * up to 32 s on UDP, RFC 3261 §17.2.2), which frees the rest, and again when the registrations of
 * a burst have expired. A quiet server has no datagrams to
 * delay: the pause (tens of ms for 100,000 contacts) costs nothing then, and is never taken while
 * traffic flows.
 *
 * The collector is reached without --expose-gc on the command line (sipd is started by a shim):
 * the flag is set for a moment to get a `gc` function from a fresh context, then cleared so that
 * no other code (user routes) sees one.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { trimNativeMemory } from '../../core/index.js';

export interface IdleCompactionOptions {
  /** Messages received so far, all listeners. */
  messagesIn: () => number;
  /**
   * Objects that come and go with traffic, alive now: transactions and registrations. When many
   * have gone since the last compaction (a burst's transactions after Timer J, or a burst's
   * registrations after they expired), their pages are worth giving back.
   */
  live: () => number;
  /** A full garbage collection (default: V8's, see fullGc). */
  gc?: () => void;
  /** How often traffic is looked at, ms (default 250). */
  intervalMs?: number;
  now?: () => number;
}

/** Traffic below this many messages/s is quiet (a phone's re-REGISTER every hour is ~0.0006/s). */
export const QUIET_PER_S = 100;
/** A burst is traffic above this many messages/s: less does not grow the heap worth a collection. */
export const BURST_PER_S = 500;
/** The message rate is taken over this long (a second's spike is no burst). */
const RATE_WINDOW_MS = 5000;
/** Live objects (transactions, registrations) that must have gone since the last compaction for another one to be worth it. */
const GONE_ITEMS = 1000;
/** Fewer than this many went since the last look: what was going has gone. */
const SETTLED_ITEMS = 100;
/** At most one compaction this often. */
const MIN_GAP_MS = 20_000;

let gcFn: (() => void) | undefined;

/**
 * V8's full collection, got once (see the file comment), made to compact every page. A plain full
 * collection moves objects only off the pages V8's heuristics pick, so a heap that a burst filled
 * with short-lived objects keeps its pages: in a test, 300 MB of objects with one in twenty left
 * alive stayed at 261 MB of heap (15 MB used) after gc(), and went to 49 MB with compaction
 * forced (137 ms on this 2-core host; sipd only does it while quiet). The flag is set for this
 * collection only, so that collections under load keep V8's cheaper choice. Then glibc's malloc is
 * asked to return its free pages (malloc_trim, through the UDP addon when it is built).
 */
export function fullGc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
  }
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gcFn();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  // The C heap likewise keeps what Buffers, SQLite and TLS allocated during the burst.
  trimNativeMemory();
}

/**
 * When to compact. Looked at four times a second (a few counters). A compaction is worth it when
 * the traffic is quiet and either a burst was seen since the last one, or much of what was alive
 * then (or came since) has gone and has stopped going. The objects a burst leaves do not go at
 * once: its transactions end Timer J (32 s) after their own requests, spread as the burst was,
 * and compacting while they are still ending leaves the rest as garbage until the next compaction
 * (30 MB after 100,000 REGISTERs); so the count must have settled, i.e. not fallen since the
 * last look, and the compaction comes within half a second of the last one going.
 */
export class IdleCompaction {
  private timer: NodeJS.Timeout | undefined;
  /** (time, messages) of the recent looks, oldest first, covering RATE_WINDOW_MS */
  private samples: Array<[number, number]> = [];
  /** a burst was seen since the last compaction */
  private burst = false;
  /** the most objects alive at a look since the last compaction */
  private peak = 0;
  /** objects alive at the last look */
  private liveAtLook = 0;
  private lastCompaction = -Infinity;
  /** Compactions done (for tests and statistics). */
  compactions = 0;
  private readonly now: () => number;

  constructor(private readonly o: IdleCompactionOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  start(): void {
    if (this.timer) return;
    this.samples = [[this.now(), this.o.messagesIn()]];
    this.timer = setInterval(() => this.check(), this.o.intervalMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Something allocated much and left most of it as garbage, as a burst does: compact at the next
   * quiet look. sipd's start is such a case: loading 100,000 subscribers leaves the heap grown
   * (and the young generation at its full 32 MB) until the first burst would have compacted it.
   */
  compactWhenQuiet(): void {
    this.burst = true;
  }

  /** One look at the traffic and the live objects; compacts when that is worth it (see the class). */
  check(): void {
    const now = this.now();
    const rate = this.rate(now, this.o.messagesIn());
    const live = this.o.live();
    const settled = this.liveAtLook - live < SETTLED_ITEMS;
    this.liveAtLook = live;
    if (live > this.peak) this.peak = live;
    if (rate >= BURST_PER_S) this.burst = true;
    if (rate >= QUIET_PER_S) return;
    const gone = this.peak - live;
    const worth = this.burst || (gone >= GONE_ITEMS && gone * 4 >= this.peak && settled);
    if (!worth || now - this.lastCompaction < MIN_GAP_MS) return;
    (this.o.gc ?? fullGc)();
    this.compactions++;
    this.burst = false;
    this.peak = live;
    this.lastCompaction = now;
  }

  /** Messages per second over the last RATE_WINDOW_MS (or since the last look, if longer ago). */
  private rate(now: number, messages: number): number {
    const samples = this.samples;
    samples.push([now, messages]);
    while (samples.length > 2 && now - samples[1]![0] >= RATE_WINDOW_MS) samples.shift();
    const [t0, m0] = samples[0]!;
    return (messages - m0) / Math.max(0.001, (now - t0) / 1000);
  }
}
