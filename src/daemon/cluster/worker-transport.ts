/**
 * The SIP transport of one worker of a multi-process sipd (`workers = N`): the core's transport
 * layer on listeners shared with the other workers (node:cluster hands every worker the same
 * UDP socket and spreads accepted TCP/TLS connections), plus what makes the workers one server:
 *
 * - Ownership (message-owner.ts). A datagram is read by whichever worker the kernel wakes; the
 *   one that reads it looks at the Call-ID (requests) or its own branch marker (responses) and,
 *   when another worker owns it, hands it over on the peer channel with its source. Design
 *   choice: transactions stay where they were created and messages travel to them, rather than
 *   sharing transaction state between processes (Kamailio's shared memory has no equivalent in
 *   Node). Requests go by Call-ID hash rather than by branch because a CANCEL, an ACK for a
 *   non-2xx and a retransmission from an RFC 2543 UA have no usable branch in common with their
 *   INVITE, but always its Call-ID. Responses go by a marker in the branch this worker wrote
 *   (`z9hG4bKw<N>x`), not by a private Via port per worker: the Via keeps the shared public
 *   address, so responses still come back through NATs and firewalls that only know that
 *   address, and a request that arrived over TCP in a worker that does not own its Call-ID still
 *   gets its relayed responses.
 * - Connections. A TCP/TLS connection lives in the worker that accepted (or opened) it, and its
 *   requests are handled there (a stream has no retransmissions, and its CANCEL/ACK come on the
 *   same connection). Connection ids are unique across workers (`id % 64` = the worker), so a
 *   registration made over worker 1's connection names it in every worker; a request another
 *   worker sends to that contact is handed to worker 1, which writes it on the connection.
 *   Responses arriving on a connection go to the worker named by their branch, as on UDP.
 *
 * UDP listeners are bound by the primary (shared-udp.ts): by default one socket every worker
 * reads; with worker_steering = "call-id" one SO_REUSEPORT socket per worker with an eBPF program
 * steering each datagram to its Call-ID's owner, so the ownership check below finds nearly
 * everything at home. The check stays either way: the program only sees what it can parse (a
 * Call-ID in the first 1,472 bytes), and a response's owner is named by its branch, which the
 * kernel does not read.
 */
import {
  setBranchMarker,
  setConnectionIdSpace,
  type MessageSource,
  type SendObserver,
  type Transport,
  type TransportLayer,
  type TransportSink,
  type WatchedQueue,
} from '../../core/index.js';
import type { BoundAddress, ListenSpec } from '../config/listen.js';
import { CoreSipTransport, type SipTransport, type TransportContext } from '../transport.js';
import { branchMarker, ownerOf } from './message-owner.js';
import { PeerChannel, type PeerFrame } from './peer-channel.js';
import type { PeerLink, ReplicationStats } from './peer-replication.js';
import { inheritedUdpFds } from './shared-udp.js';

/** Most workers (connection ids encode the worker as `id % MAX_WORKERS`). */
export const MAX_WORKERS = 64;
/** Each generation of a worker slot (a restart) numbers its connections in a fresh range. */
const GENERATION_SPAN = 2 ** 40;

export interface WorkerIdentity {
  /** 0..count-1 */
  index: number;
  count: number;
  /** How many times this slot has been started before (a restarted worker must not reuse ids). */
  generation: number;
  /** The peer channel's shared secret. */
  token: Buffer;
}

const SIP_SLASH = 0x5349502f;
const PEER_RECV_BUFFER = 4 * 1024 * 1024;
/** Longest a starting worker waits for the others' peer ports before it reads the listeners anyway. */
const PEERS_WAIT_MS = 5_000;
/** Frames kept while the listeners are not attached yet (a start); more are dropped (UDP retransmits). */
const MAX_EARLY_FRAMES = 4096;

export class WorkerSipTransport implements SipTransport {
  readonly layer: TransportLayer;
  private readonly inner: CoreSipTransport;
  private channel?: PeerChannel;
  /** Each stream listener's own send, for frames other workers hand us. */
  private readonly ownSend = new Map<Transport, Transport['send']>();

  constructor(
    private readonly ctx: TransportContext,
    private readonly id: WorkerIdentity,
    /** Told the peer channel's port once it is bound (the primary tells the other workers). */
    private readonly onPeerPort: (port: number) => void,
  ) {
    if (id.count > MAX_WORKERS || id.index >= id.count) throw new RangeError('worker index out of range');
    // Process-wide settings of the core, made once in a worker process before any traffic.
    setBranchMarker(branchMarker(id.index));
    setConnectionIdSpace(id.generation * GENERATION_SPAN + MAX_WORKERS + id.index, MAX_WORKERS);
    this.inner = new CoreSipTransport(ctx, inheritedUdpFds());
    this.layer = this.inner.layer;
  }

  /** The peer replication's counters (filled by it, shown as `cluster.*` statistics). */
  readonly replicationStats: ReplicationStats = { batches: 0, resends: 0, timeouts: 0 };
  /** Control payloads from other workers (peer-replication.ts), once listening. */
  onControl?: (payload: Buffer) => void;

  /** Worker-to-worker control frames on the peer channel (undefined until listening). */
  controlLink(): PeerLink | undefined {
    const channel = this.channel;
    if (!channel) return undefined;
    return {
      send: (index, payload) =>
        channel.send(index, { kind: 'control', listener: 0, address: '', port: 0, connectionId: 0, payload }),
      reaches: (index) => channel.reaches(index),
    };
  }

  /** The workers' peer ports (index → port; 0 while one starts). */
  setPeerPorts(ports: readonly number[]): void {
    this.ports = [...ports];
    this.channel?.setPorts(ports);
    if (this.allPortsKnown()) this.allPeersKnown();
  }

  /**
   * The peer channel first, then the shared listeners, once every worker's peer port is known
   * (or after PEERS_WAIT_MS): a worker that read the shared socket before it could hand messages
   * over would handle what belongs to another (a REGISTER challenged by one worker, its answer
   * checked by the other, which did not make the nonce: a stale=true round more for the phone).
   * Frames handed to us meanwhile wait in `early` until the listeners are attached.
   */
  async listen(specs: readonly ListenSpec[]): Promise<BoundAddress[]> {
    this.channel = await PeerChannel.open(this.id.token, PEER_RECV_BUFFER, (f) => this.onFrame(f));
    this.channel.setPorts(this.ports);
    this.onPeerPort(this.channel.port);
    await this.peersKnown();
    let bound: BoundAddress[];
    try {
      bound = await this.inner.listen(specs);
    } catch (e) {
      this.channel.close();
      throw e;
    }
    this.layer.transports.forEach((t, i) => this.attach(t, i));
    this.registerStats(this.channel);
    const early = this.early ?? [];
    this.early = undefined;
    for (const f of early) this.onFrame(f);
    return bound;
  }

  private ports: number[] = [];
  private allPeersKnown: () => void = () => {};
  /** Frames received before the listeners were attached (bounded). */
  private early: PeerFrame[] | undefined = [];

  private allPortsKnown(): boolean {
    return this.ports.length === this.id.count && this.ports.every((p) => p > 0);
  }

  private peersKnown(): Promise<void> {
    if (this.allPortsKnown()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PEERS_WAIT_MS);
      this.allPeersKnown = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  stopAccepting(): void {
    this.inner.stopAccepting();
  }

  async close(): Promise<void> {
    this.channel?.close();
    await this.inner.close();
  }

  reloadCertificates(): number {
    return this.inner.reloadCertificates();
  }

  /** The peer channel's queue: messages other workers hand over wait there, not in a listener. */
  watchedQueues(): readonly WatchedQueue[] {
    return this.channel ? [this.channel.queue] : [];
  }

  /** Puts the ownership check between a listener and the layer, and hands sends on others' connections over. */
  private attach(t: Transport, listener: number): void {
    const layer = this.layer;
    const channel = this.channel!;
    const me = this.id.index;
    const count = this.id.count;
    const handOver = (owner: number | undefined, raw: Buffer, source: MessageSource): boolean =>
      owner !== undefined &&
      owner !== me &&
      channel.reaches(owner) &&
      channel.send(owner, {
        kind: 'deliver',
        listener,
        address: source.remoteAddress,
        port: source.remotePort,
        connectionId: source.connectionId ?? 0,
        payload: raw,
      });
    const sink: TransportSink = t.reliable
      ? {
          // Requests on a connection are handled by the worker holding it; responses go home.
          receive: (raw, source) =>
            (raw.length >= 4 && raw.readUInt32BE(0) === SIP_SLASH && handOver(ownerOf(raw, count), raw, source)) ||
            layer.receive(raw, source),
          framingError: (err, raw, source) => layer.framingError(err, raw, source),
        }
      : {
          receive: (raw, source) => handOver(ownerOf(raw, count), raw, source) || layer.receive(raw, source),
          framingError: (err, raw, source) => layer.framingError(err, raw, source),
        };
    t.sink = sink;
    if (!t.reliable) return;
    const send = t.send.bind(t);
    const has = t.hasConnection.bind(t);
    this.ownSend.set(t, send);
    t.send = (data: Buffer, address: string, port: number, connectionId: number | undefined, o?: SendObserver) => {
      const owner = connectionId !== undefined && connectionId > 0 ? connectionId % MAX_WORKERS : me;
      const frame: PeerFrame = {
        kind: 'send',
        listener,
        address,
        port,
        connectionId: connectionId ?? 0,
        payload: data,
      };
      // Unreachable owner (restarting): the core's own fallback, a connection to address:port.
      if (owner !== me && channel.reaches(owner) && channel.send(owner, frame)) return;
      send(data, address, port, connectionId, o);
    };
    // Another worker's connection is assumed open; that worker falls back as above if it is not.
    t.hasConnection = (cid: number) => (cid % MAX_WORKERS !== me ? true : has(cid));
  }

  /** A frame from another worker: a message to handle as received, or bytes for our connection. */
  private onFrame(f: PeerFrame): void {
    if (f.kind === 'control') {
      this.onControl?.(f.payload);
      return;
    }
    if (this.early) {
      if (this.early.length < MAX_EARLY_FRAMES) this.early.push({ ...f, payload: Buffer.from(f.payload) });
      return;
    }
    const t = this.layer.transports[f.listener];
    if (t === undefined) return;
    if (f.kind === 'send') {
      this.ownSend.get(t)?.(f.payload, f.address, f.port, f.connectionId || undefined);
      return;
    }
    const source: MessageSource = {
      transport: t,
      protocol: t.protocol,
      localAddress: t.localAddress,
      localPort: t.localPort,
      remoteAddress: f.address,
      remotePort: f.port,
      connectionId: f.connectionId > 0 ? f.connectionId : undefined,
    };
    this.layer.receive(f.payload, source);
  }

  private registerStats(channel: PeerChannel): void {
    const g = (name: string, read: () => number, help: string) => this.ctx.stats.gauge('cluster', name, read, help);
    g('handed_over', () => channel.stats.forwarded, 'messages handed to the worker owning them (summed over workers)');
    g('taken_over', () => channel.stats.received, 'messages received from another worker');
    g(
      'hand_over_failures',
      () => channel.stats.dropped,
      'hand-overs not made (too large, worker restarting, bad token)',
    );
    const r = this.replicationStats;
    g(
      'replicated_batches',
      () => r.batches,
      'batches of location changes sent to the other workers on the peer channel',
    );
    g('replication_resends', () => r.resends, 'location batches sent again for want of an acknowledgement');
    g('replication_timeouts', () => r.timeouts, 'location batches a worker did not acknowledge in time');
    // The primary fills these in (stats.fetch through the management socket).
    g('workers', () => 0, 'workers serving');
    g('restarts', () => 0, 'workers restarted after a crash');
  }
}
