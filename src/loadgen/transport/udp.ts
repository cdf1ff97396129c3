/**
 * UDP sockets for siptest: one shared socket (-t u1) or one per call (-t un). Sends are
 * fire-and-forget datagrams; every received datagram goes to the engine.
 */
import type { Socket } from 'node:dgram';
import { isIP } from '../../core/grammar/ip.js';
import { nodeDgram, nodeDns } from '../../core/lazy-builtins.js';
import { NativeUdpSocket } from '../../core/transport/native-udp.js';
import { QueueWatch } from '../../core/transport/queue-watch.js';
import { SippError, SippExit } from '../errors.js';
import type { CallSocket, Peer } from '../engine/types.js';

/**
 * Peers are IP addresses (names are resolved once at start-up): answer at once instead of going
 * through dns.lookup and a nextTick for every datagram, which halves the cost of a send.
 */
type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;
function ipLookup(address: string, family: unknown, callback: LookupCallback): void {
  const f = isIP(address);
  if (f) callback(null, address, f);
  else nodeDns().lookup(address, { family: family === 6 ? 6 : 4 }, (err, a, fam) => callback(err, a, fam));
}

export type DatagramHandler = (buf: Buffer, from: Peer, socket: UdpSocket) => void;

export class UdpSocket implements CallSocket {
  readonly transport = 'UDP' as const;
  localAddress = '';
  localPort = 0;
  closed = false;
  sendErrors = 0;

  private constructor(
    readonly sock: Socket | NativeUdpSocket,
    readonly perCall: boolean,
    /** The queue of a socket opened with `watchQueue` (batched addon only): how far behind its replies the run is. */
    private readonly queue: QueueWatch | undefined,
  ) {}

  /**
   * How long (ms) the datagrams being read now waited in this socket: the kernel's receive time
   * stamps through the addon (queue-watch.ts); 0 while it keeps up, and always 0 on node:dgram or
   * without `watchQueue`.
   */
  behindMs(): number {
    return this.queue?.waitMs() ?? 0;
  }

  /** Whether this socket reads and sends through the batched addon (core native-udp.ts). */
  get batched(): boolean {
    return this.sock instanceof NativeUdpSocket;
  }

  static async open(
    family: 4 | 6,
    address: string,
    port: number,
    onMessage: DatagramHandler,
    /** watchQueue: keep behindMs() (the kernel's time stamps on every datagram; a client's main socket). */
    opts: { perCall: boolean; bufferSize?: number; watchQueue?: boolean },
  ): Promise<UdpSocket> {
    const bindError = (err: NodeJS.ErrnoException) => {
      const errno = err.code === 'EADDRINUSE' ? 98 : err.code === 'EADDRNOTAVAIL' ? 99 : err.code === 'EACCES' ? 13 : 0;
      return new SippError(
        `Unable to bind UDP socket to ${address}:${port}, errno = ${errno} (${err.message})`,
        err.code === 'EADDRINUSE' ? SippExit.BIND : SippExit.FATAL,
      );
    };
    // The shared socket (-t u1) carries every call: it takes the batched addon when there is one.
    // Per-call sockets (-t un) carry a few datagrams each and stay on dgram.
    let native: NativeUdpSocket | null = null;
    if (!opts.perCall) {
      try {
        native = NativeUdpSocket.bind({ host: address, port });
      } catch (err) {
        throw bindError(err as NodeJS.ErrnoException);
      }
    }
    const sock = native ?? nodeDgram().createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: ipLookup });
    const queue = native && opts.watchQueue ? new QueueWatch(native) : undefined;
    const s = new UdpSocket(sock, opts.perCall, queue);
    if (!native)
      await bindDgram(sock as Socket, address, port).catch((err: NodeJS.ErrnoException) => {
        sock.close();
        throw bindError(err);
      });
    const a = sock.address();
    s.localAddress = a.address;
    s.localPort = a.port;
    if (opts.bufferSize && opts.bufferSize > 0) {
      // A garbage collection or a busy machine can stall the event loop for a few hundred ms;
      // a large receive buffer (capped by net.core.rmem_max) keeps the messages of that stall.
      for (const size of [Math.max(opts.bufferSize, 8 << 20), 4 << 20, 1 << 20]) {
        try {
          sock.setRecvBufferSize(size);
          sock.setSendBufferSize(Math.min(size, 4 << 20));
          break;
        } catch {
          /* the kernel refused that size: try a smaller one */
        }
      }
    }
    // rinfo (address, port, family, size) is a Peer already: no copy per datagram.
    const onError = () => {
      s.sendErrors++;
    };
    const deliver = queue
      ? (buf: Buffer, rinfo: Peer) => {
          queue.read();
          onMessage(buf, rinfo, s);
        }
      : (buf: Buffer, rinfo: Peer) => onMessage(buf, rinfo, s);
    if (native) native.on('message', deliver).on('error', onError);
    else (sock as Socket).on('message', deliver).on('error', onError);
    return s;
  }

  send(buf: Buffer, peer: Peer): boolean {
    if (this.closed) return false;
    this.sock.send(buf, peer.port, peer.address);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}

function bindDgram(sock: Socket, address: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(err);
    sock.once('error', onError);
    sock.bind({ port, address, exclusive: true }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}
