/**
 * Location changes sent straight from worker to worker on the peer channel (peer-channel.ts,
 * `control` frames), instead of through the primary's IPC (JSON over a pipe, relayed: four
 * pipe writes and as many wake-ups of three processes per batch). A batch leaves in the same
 * sendmmsg as the turn's hand-overs and arrives in the other worker's next recvmmsg; its
 * acknowledgement comes back the same way. The guarantee is the one of the IPC path
 * (location-replication.ts): a batch settles only when every other worker has applied it, or has
 * not answered within REPLICATION_TIMEOUT_MS (a hung worker is restarted and copies the
 * location then).
 *
 * Loopback UDP can still drop a frame (a full receive buffer under overload): a batch is sent
 * again every RESEND_MS until acknowledged. Each batch carries the sender's epoch (one per
 * process start) and a sequence number; a worker applies a batch only when its number is above
 * the last one it applied from that sender, so a resent copy is applied once and a late copy of
 * an older batch (given up on meanwhile) never undoes a newer one.
 *
 * Payload: type(1: 1 batch, 2 ack) from(1) epoch(4) seq(4), then for a batch the writes as JSON,
 * each binding a positional array (half the bytes of its object form).
 */
import { randomBytes } from 'node:crypto';
import type { Binding } from '../registrar/binding.js';
import type { LocationWrite } from '../usrloc/location-service.js';
import { MAX_FRAME } from './peer-channel.js';

export const REPLICATION_TIMEOUT_MS = 2_000;
const RESEND_MS = 250;
const HEAD = 10;
const BATCH = 1;
const ACK = 2;
/** Room for the writes in one frame: the channel's own head is at most 29 + 255 bytes. */
const MAX_BODY = MAX_FRAME - 512 - HEAD;

export interface PeerLink {
  /** Sends a control payload to worker `index`; false when it cannot be sent. */
  send(index: number, payload: Buffer): boolean;
  /** Whether worker `index`'s peer port is known (it is running). */
  reaches(index: number): boolean;
}

/** Counters of the peer path (summed over workers in `cluster.*` statistics). */
export interface ReplicationStats {
  /** Batches of location changes sent on the peer channel. */
  batches: number;
  /** Copies sent again for want of an acknowledgement. */
  resends: number;
  /** Workers given up on (no acknowledgement within REPLICATION_TIMEOUT_MS). */
  timeouts: number;
}

interface Pending {
  frame: Buffer;
  /** Workers that have not acknowledged yet. */
  waiting: Set<number>;
  resolve(): void;
  timer?: NodeJS.Timeout;
  startedAt: number;
}

export class PeerReplication {
  private readonly epoch = randomBytes(4).readUInt32BE(0);
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** Per sender: its epoch and the last sequence number applied from it. */
  private readonly applied = new Map<number, { epoch: number; seq: number }>();

  constructor(
    private readonly self: number,
    private readonly count: number,
    private readonly link: PeerLink,
    /** Applies another worker's batch to this worker's location. */
    private readonly apply: (writes: LocationWrite[]) => void,
    /** Told about a worker that did not acknowledge in time. */
    private readonly onTimeout: (worker: number) => void,
    readonly stats: ReplicationStats = { batches: 0, resends: 0, timeouts: 0 },
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether every other worker can be reached now (else the caller replicates through the primary). */
  reachesAll(): boolean {
    for (let i = 0; i < this.count; i++) if (i !== this.self && !this.link.reaches(i)) return false;
    return true;
  }

  /** Sends a batch to every other worker; resolves when all applied it (or timed out). */
  replicate(writes: readonly LocationWrite[]): Promise<void> {
    const seq = ++this.seq;
    const body = Buffer.from(JSON.stringify(writes.map(encodeWrite)), 'utf8');
    if (body.length > MAX_BODY) return this.replicateInParts(writes);
    const frame = Buffer.allocUnsafe(HEAD + body.length);
    this.head(frame, BATCH, seq);
    body.copy(frame, HEAD);
    return new Promise<void>((resolve) => {
      const waiting = new Set<number>();
      for (let i = 0; i < this.count; i++) if (i !== this.self && this.link.send(i, frame)) waiting.add(i);
      if (waiting.size === 0) return resolve();
      this.stats.batches++;
      const p: Pending = { frame, waiting, resolve, startedAt: this.now() };
      p.timer = setInterval(() => this.resend(seq, p), RESEND_MS);
      this.pending.set(seq, p);
    });
  }

  /** A batch too large for one datagram: halves, one after the other (each applied in order). */
  private async replicateInParts(writes: readonly LocationWrite[]): Promise<void> {
    const half = Math.ceil(writes.length / 2);
    if (writes.length <= 1) throw new RangeError('a single location change exceeds a datagram');
    await this.replicate(writes.slice(0, half));
    await this.replicate(writes.slice(half));
  }

  /** A control payload from another worker. */
  receive(payload: Buffer): void {
    if (payload.length < HEAD) return;
    const type = payload[0]!;
    const from = payload[1]!;
    const epoch = payload.readUInt32BE(2);
    const seq = payload.readUInt32BE(6);
    if (from >= this.count || from === this.self) return;
    if (type === ACK) return this.acked(from, epoch, seq);
    if (type !== BATCH) return;
    const last = this.applied.get(from);
    if (last === undefined || last.epoch !== epoch || seq > last.seq) {
      let writes: LocationWrite[];
      try {
        writes = (JSON.parse(payload.toString('utf8', HEAD)) as unknown[][]).map(decodeWrite);
      } catch {
        return; // not ours to make sense of (the token matched, the body did not): no acknowledgement
      }
      this.apply(writes);
      this.applied.set(from, { epoch, seq });
    }
    // Acknowledged again when it was a resent copy: the first acknowledgement may have been lost.
    const ack = Buffer.allocUnsafe(HEAD);
    ack[0] = ACK;
    ack[1] = this.self;
    ack.writeUInt32BE(epoch, 2);
    ack.writeUInt32BE(seq, 6);
    this.link.send(from, ack);
  }

  /** The workers' peer ports changed: a worker that stopped is not waited for. */
  peersChanged(): void {
    for (const [seq, p] of this.pending) {
      for (const w of p.waiting) if (!this.link.reaches(w)) p.waiting.delete(w);
      this.settleIfDone(seq, p);
    }
  }

  /** Stop: nothing more is resent; pending batches settle. */
  close(): void {
    for (const [seq, p] of this.pending) {
      p.waiting.clear();
      this.settleIfDone(seq, p);
    }
  }

  private acked(from: number, epoch: number, seq: number): void {
    if (epoch !== this.epoch) return;
    const p = this.pending.get(seq);
    if (!p) return;
    p.waiting.delete(from);
    this.settleIfDone(seq, p);
  }

  private resend(seq: number, p: Pending): void {
    if (this.now() - p.startedAt >= REPLICATION_TIMEOUT_MS) {
      for (const w of p.waiting) this.onTimeout(w);
      this.stats.timeouts += p.waiting.size;
      p.waiting.clear();
      this.settleIfDone(seq, p);
      return;
    }
    for (const w of p.waiting) if (this.link.send(w, p.frame)) this.stats.resends++;
  }

  private settleIfDone(seq: number, p: Pending): void {
    if (p.waiting.size > 0) return;
    clearInterval(p.timer);
    this.pending.delete(seq);
    p.resolve();
  }

  private head(buf: Buffer, type: number, seq: number): void {
    buf[0] = type;
    buf[1] = this.self;
    buf.writeUInt32BE(this.epoch, 2);
    buf.writeUInt32BE(seq, 6);
  }
}

/** kind code, then the binding's fields in a fixed order (absent values as null). */
function encodeWrite(w: LocationWrite): unknown[] {
  if (w.kind === 'deleteAor') return [0, w.aor];
  const b = w.binding;
  return [
    w.kind === 'upsert' ? 1 : 2,
    b.aor,
    b.contact,
    b.expires,
    b.q,
    b.callId,
    b.cseq,
    b.received ?? null,
    b.path ?? null,
    b.userAgent,
    b.instance ?? null,
    b.regId,
    b.socket ?? null,
    b.ruid,
    b.lastModified,
    b.connectionId,
  ];
}

function decodeWrite(a: unknown[]): LocationWrite {
  if (a[0] === 0) return { kind: 'deleteAor', aor: a[1] as string };
  const opt = (v: unknown) => (v === null ? undefined : (v as string));
  const binding: Binding = {
    aor: a[1] as string,
    contact: a[2] as string,
    expires: a[3] as number,
    q: a[4] as number,
    callId: a[5] as string,
    cseq: a[6] as number,
    received: opt(a[7]),
    path: opt(a[8]),
    userAgent: a[9] as string,
    instance: opt(a[10]),
    regId: a[11] as number,
    socket: opt(a[12]),
    ruid: a[13] as string,
    lastModified: a[14] as number,
    connectionId: a[15] as number,
  };
  return { kind: a[0] === 1 ? 'upsert' : 'delete', binding };
}
