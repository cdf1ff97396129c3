/**
 * The datagram path between the workers of one sipd: each worker binds its own UDP socket on
 * 127.0.0.1 (not shared through the cluster) and hands other workers what belongs to them:
 *
 * - `deliver`: a message that arrived on a shared listener and belongs to another worker
 *   (message-owner.ts), with the source it came from, so the owner handles it exactly as if it
 *   had read it itself (its answer leaves by the same shared socket, to the same address);
 * - `send`: bytes for a TCP/TLS connection held by another worker (a phone registered over a
 *   connection accepted there): that worker writes them on its connection;
 * - `control`: worker-to-worker control (replicated location changes and their acknowledgements,
 *   peer-replication.ts); the address fields are empty.
 *
 * Loopback UDP costs one sendmsg/recvmsg per hop and keeps the hot path off the IPC channel
 * (JSON); with the batched addon (native-udp.ts) the hand-overs of one turn leave in one sendmmsg
 * and arrive in one recvmmsg, without dgram's allocations and callbacks per datagram (with two
 * workers about half of all datagrams take this hop). Anyone on the host can send to a loopback port, so every frame starts with a 128-bit
 * token the primary gives its workers at fork (in their environment, which only the same user
 * or root can read); frames without it are dropped: nobody forges a message "from" a source
 * address through this door.
 *
 * The channel's queue is watched like a listener's (`queue`, core/transport/queue-watch.ts): a
 * message handed over waits in it, not in the listener, so a worker that falls behind its share
 * shows it only here, and sipd's overload control reads both (issue 14: with two workers past
 * their maximum, each channel held 2 MB of requests seconds old, unseen, and answering them late
 * was the spiral the control exists to prevent).
 *
 * Frame: token(16) kind(1) listener(1) port(2) connection id(8, double) addrlen(1) addr, payload.
 */
import { timingSafeEqual } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { NativeUdpSocket, QueueWatch, type WatchedQueue } from '../../core/index.js';

export const TOKEN_BYTES = 16;
const HEAD = TOKEN_BYTES + 1 + 1 + 2 + 8 + 1;
/** Largest frame loopback UDP carries (IPv4: 65535 - 20 - 8). */
export const MAX_FRAME = 65507;

export type FrameKind = 'deliver' | 'send' | 'control';
const KIND_CODE: Record<FrameKind, number> = { deliver: 1, send: 2, control: 3 };
const KIND_OF: readonly (FrameKind | undefined)[] = [undefined, 'deliver', 'send', 'control'];

export interface PeerFrame {
  kind: FrameKind;
  /** Index of the listener in the transport layer (the same in every worker: same listen list). */
  listener: number;
  address: string;
  port: number;
  /** The stream connection (0: none). */
  connectionId: number;
  payload: Buffer;
}

export interface PeerChannelStats {
  /** SIP messages and connection sends handed over (control frames are not counted). */
  forwarded: number;
  received: number;
  /** Frames dropped: too large for a datagram, no address yet for the worker, a bad token. */
  dropped: number;
}

/** What the channel uses of a UDP socket: node:dgram's or the addon's. */
interface ChannelSocket {
  send(buf: Buffer, port: number, host: string): void;
  on(event: 'message', fn: (msg: Buffer) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  address(): { port: number };
  close(): void;
}

export class PeerChannel {
  readonly stats: PeerChannelStats = { forwarded: 0, received: 0, dropped: 0 };
  /** Loopback port of each worker (by index); 0 = not known yet (starting). */
  private ports: number[] = [];
  private closed = false;
  private readonly watch: QueueWatch;

  private constructor(
    private readonly socket: ChannelSocket,
    private readonly token: Buffer,
    onFrame: (f: PeerFrame) => void,
  ) {
    this.watch = new QueueWatch(socket instanceof NativeUdpSocket ? socket : undefined);
    socket.on('message', (msg) => {
      this.watch.read();
      const f = this.decode(msg);
      if (f) {
        if (f.kind !== 'control') this.stats.received++;
        onFrame(f);
      } else this.stats.dropped++;
    });
    socket.on('error', () => {});
  }

  /**
   * Binds 127.0.0.1:0, exclusively (a cluster worker's dgram bind would otherwise share the
   * primary's): through the addon when it is there, else node:dgram.
   */
  static open(token: Buffer, recvBufferSize: number, onFrame: (f: PeerFrame) => void): Promise<PeerChannel> {
    if (token.length !== TOKEN_BYTES) throw new RangeError(`peer channel token must be ${TOKEN_BYTES} bytes`);
    let native: NativeUdpSocket | null;
    try {
      native = NativeUdpSocket.bind({ host: '127.0.0.1', port: 0, recvBufferSize });
    } catch (e) {
      return Promise.reject(e as Error);
    }
    if (native) return Promise.resolve(new PeerChannel(native, token, onFrame));
    const socket = createSocket({ type: 'udp4', recvBufferSize });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: '127.0.0.1', port: 0, exclusive: true }, () => {
        socket.off('error', reject);
        resolve(new PeerChannel(socket, token, onFrame));
      });
    });
  }

  /** How far behind this worker is in reading what the others hand it (overload control). */
  get queue(): WatchedQueue {
    return this.watch;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The workers' loopback ports, by index (from the primary). */
  setPorts(ports: readonly number[]): void {
    this.ports = [...ports];
  }

  /** Whether worker `index` can be reached now. */
  reaches(index: number): boolean {
    return (this.ports[index] ?? 0) > 0;
  }

  /** Sends a frame to worker `index`; false when it cannot (unknown port, too large, closed). */
  send(index: number, f: PeerFrame): boolean {
    const port = this.ports[index] ?? 0;
    const addr = Buffer.from(f.address, 'latin1');
    if (this.closed || port === 0 || addr.length > 255 || HEAD + addr.length + f.payload.length > MAX_FRAME) {
      this.stats.dropped++;
      return false;
    }
    // One buffer (the addon sends single buffers): head, address, then the payload copied behind.
    const frame = Buffer.allocUnsafe(HEAD + addr.length + f.payload.length);
    this.token.copy(frame, 0);
    let o = TOKEN_BYTES;
    frame[o++] = KIND_CODE[f.kind];
    frame[o++] = f.listener;
    frame.writeUInt16BE(f.port, o);
    o += 2;
    frame.writeDoubleBE(f.connectionId, o);
    o += 8;
    frame[o++] = addr.length;
    o += addr.copy(frame, o);
    f.payload.copy(frame, o);
    this.socket.send(frame, port, '127.0.0.1');
    if (f.kind !== 'control') this.stats.forwarded++;
    return true;
  }

  private decode(msg: Buffer): PeerFrame | undefined {
    if (msg.length < HEAD || !timingSafeEqual(msg.subarray(0, TOKEN_BYTES), this.token)) return undefined;
    let o = TOKEN_BYTES;
    const code = msg[o++]!;
    const kind = KIND_OF[code];
    const listener = msg[o++]!;
    const port = msg.readUInt16BE(o);
    o += 2;
    const connectionId = msg.readDoubleBE(o);
    o += 8;
    const len = msg[o++]!;
    if (kind === undefined || o + len > msg.length) return undefined;
    const address = msg.toString('latin1', o, o + len);
    return { kind, listener, address, port, connectionId, payload: msg.subarray(o + len) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
