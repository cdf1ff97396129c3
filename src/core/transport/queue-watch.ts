/**
 * How far behind the reader of one UDP socket is (issue 14, overload control): the signals of
 * UdpTransport.backlogMs / overflowing / waitMs, kept for any socket a process reads, so that
 * sipd's overload control can watch a worker's peer channel (the datagrams other workers hand it)
 * as it watches its listeners. Counted per event-loop turn: one setImmediate per turn with
 * traffic, nothing per datagram but a counter.
 */
import { nativeUdpReadsPerTurn, type NativeUdpSocket } from './native-udp.js';

/**
 * libuv reads at most this many datagrams from a socket per event-loop turn (uv__udp_recvmsg),
 * then lets timers and other sockets run: a turn that reads this many has left more queued.
 */
export const UDP_READS_PER_TURN = 32;

/**
 * How long after the kernel was last seen dropping datagrams a socket still counts as overflowing
 * (QueueWatch.overflowing). A socket that overflows because too much arrives drops datagrams all
 * the time, so every few turns see the count rise; after a stall it rises once, on the first read.
 */
export const OVERFLOW_RECENT_MS = 50;

/** What the overload control reads of a socket's queue (UdpTransport, a worker's peer channel). */
export interface WatchedQueue {
  /** ms the socket has had datagrams left queued after every read (0 while it keeps up). */
  backlogMs(now?: number): number;
  /** Whether the kernel dropped datagrams on it within OVERFLOW_RECENT_MS (always true without the addon). */
  overflowing(now?: number): boolean;
  /** ms the datagrams being read now waited in the socket (the kernel's time stamps; else backlogMs). */
  waitMs(now?: number): number;
}

export class QueueWatch implements WatchedQueue {
  /** Datagrams read in this event-loop turn (counted until the turn's check phase). */
  private turnReads = 0;
  private turnCheck = false;
  /** performance.now() of the first of the consecutive turns that read a full batch. */
  private fullSince: number | undefined;
  /** The addon's drop count at the last turn's end, and when it was last seen to rise. */
  private lastDrops = 0;
  private lastDropAt = -Infinity;
  /** What waitMs() says (addon with kernel time stamps); undefined until a turn has read one. */
  private waited: number | undefined;
  /** Datagrams one turn reads at most: a turn that read this many left more queued. */
  private readonly readsPerTurn: number;

  /**
   * `native`: the batched socket read (its drop count and time stamps are switched on here);
   * undefined for node:dgram, where only the backlog is known.
   */
  constructor(private readonly native: NativeUdpSocket | undefined) {
    native?.watchQueue();
    this.readsPerTurn = native ? nativeUdpReadsPerTurn() : UDP_READS_PER_TURN;
  }

  /** One datagram read in this turn; the turn's check phase looks at the count. */
  read(): void {
    this.turnReads++;
    if (!this.turnCheck) {
      this.turnCheck = true;
      setImmediate(this.endTurn);
    }
  }

  /**
   * How long, in ms, the socket has had datagrams left queued after every read (each turn of the
   * event loop read a full batch since then). The event loop's delay does not show this: libuv
   * reads one batch per turn and runs the timers in between, so a process behind its socket still
   * fires its timers on time.
   */
  backlogMs(now?: number): number {
    return this.fullSince === undefined ? 0 : (now ?? performance.now()) - this.fullSince;
  }

  /**
   * Whether the kernel has been dropping datagrams on this socket for want of room in its receive
   * buffer lately (within OVERFLOW_RECENT_MS, seen by the end of a turn that read): the queue is
   * full, so more arrives than is read. A backlog alone is not that: after a stall (a GC pause,
   * a descheduled process) the queue drains for a while without ever filling up, and nothing is
   * lost. Known only through the addon (SO_RXQ_OVFL); with node:dgram this is always true, so a
   * backlog counts alone.
   */
  overflowing(now?: number): boolean {
    if (this.native === undefined) return true;
    return (now ?? performance.now()) - this.lastDropAt <= OVERFLOW_RECENT_MS;
  }

  /**
   * How long, in ms, the datagrams now being read have waited in the socket: the kernel's receive
   * time stamp of the oldest datagram of the last batch that left more queued (0 when the last
   * read emptied the socket). This is what a client's T1 runs against; unlike backlogMs it stays
   * small while a queue drains after a pause (the head of the queue is ever younger) and grows
   * when the reader cannot keep up. Known through the addon (SO_TIMESTAMPNS); otherwise
   * backlogMs stands in for it.
   */
  waitMs(now?: number): number {
    // No clock read when the time stamps answer: siptest asks before every cycle's new calls.
    return this.waited ?? this.backlogMs(now);
  }

  /** The check phase of a turn that read datagrams (and of the turn after a full one). */
  private readonly endTurn = (): void => {
    const native = this.native;
    const full = this.turnReads >= this.readsPerTurn;
    if (native !== undefined) {
      if (native.drops !== this.lastDrops) {
        this.lastDrops = native.drops;
        this.lastDropAt = performance.now();
      }
      if (native.waitMs >= 0) this.waited = full ? native.waitMs : 0;
    }
    this.turnReads = 0;
    this.turnCheck = false;
    if (!full) {
      this.fullSince = undefined;
      return;
    }
    this.fullSince ??= performance.now();
    // The next turn may read nothing, and would then schedule no check of its own.
    this.turnCheck = true;
    setImmediate(this.endTurn);
  };
}
