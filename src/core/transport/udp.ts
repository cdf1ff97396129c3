/**
 * SIP over UDP (RFC 3261 §18): one datagram is one message. Datagrams that are only keep-alive
 * (CR/LF/SP padding, or a STUN message as RFC 5626 §3.5.2 clients send) are counted and dropped;
 * oversize datagrams are reported as framing errors (513).
 */
import cluster from 'node:cluster';
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { SipParseError } from '../errors.js';
import { defaultSentBy, dropSink } from './common.js';
import { normalizeIp, type ListenSpec } from './address.js';
import { TransportError } from './errors.js';
import { NativeUdpSocket } from './native-udp.js';
import { QueueWatch } from './queue-watch.js';
import {
  DEFAULT_LIMITS,
  newTransportStats,
  type MessageSource,
  type SendObserver,
  type Transport,
  type TransportLimits,
  type TransportSink,
  type TransportStats,
} from './types.js';

export interface UdpOptions {
  limits?: Partial<TransportLimits>;
  /** SO_RCVBUF in bytes (the OS default is small for a busy proxy). */
  recvBufferSize?: number;
  sendBufferSize?: number;
  /**
   * Keep backlogMs() up to date (one setImmediate per event-loop turn with traffic). Off unless a
   * user reads it (sipd's overload control), so the receive path does no work nobody reads.
   */
  trackBacklog?: boolean;
}

export class UdpTransport implements Transport {
  readonly protocol = 'UDP';
  readonly reliable = false;
  readonly family: 4 | 6;
  readonly localAddress: string;
  readonly localPort: number;
  readonly sentBy: { host: string; port: number };
  readonly stats: TransportStats = newTransportStats();
  sink: TransportSink = dropSink;
  private readonly limits: TransportLimits;
  private closed = false;
  /** The backlog signals (with `trackBacklog`), else undefined: the receive path then counts nothing. */
  private readonly queue: QueueWatch | undefined;
  /** Set when the socket is the batched one of native-udp.ts (else `socket` is dgram's). */
  private readonly native: NativeUdpSocket | undefined;

  private constructor(
    private readonly socket: Socket | NativeUdpSocket,
    spec: ListenSpec,
    limits: TransportLimits,
    trackBacklog: boolean,
  ) {
    const a = socket.address();
    this.family = a.family === 'IPv6' ? 6 : 4;
    this.localAddress = a.address;
    this.localPort = a.port;
    this.limits = limits;
    this.sentBy = spec.advertise ?? defaultSentBy(this.localAddress, this.localPort, this.family);
    const onMessage = (msg: Buffer, rinfo: { address: string; port: number }) => this.onDatagram(msg, rinfo);
    // Unconnected UDP sockets report send failures to the send callback; anything else is logged
    // by nobody on purpose: a SIP server keeps serving.
    this.native = socket instanceof NativeUdpSocket ? socket : undefined;
    // The kernel's time stamps and drop count feed waitMs() and overflowing(), switched on only then.
    this.queue = trackBacklog ? new QueueWatch(this.native) : undefined;
    socket.on('message', onMessage).on('error', () => {});
  }

  /** Whether this listener reads and sends through the batched addon (native-udp.ts). */
  get batched(): boolean {
    return this.native !== undefined;
  }

  /**
   * Bind a UDP socket (port 0 picks a free port; see localPort): the batched addon when it is
   * there, node:dgram otherwise. An inherited socket (spec.fd: sipd's workers, whose primary
   * bound it) is served through the addon. Any other bind in a cluster worker takes dgram: it goes
   * through the primary, which hands every worker the same socket.
   */
  static listen(spec: ListenSpec, opts: UdpOptions = {}): Promise<UdpTransport> {
    const v6 = spec.host.includes(':');
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    if (spec.fd !== undefined) return UdpTransport.adopt(spec, opts, limits);
    if (!cluster.isWorker) {
      let native: NativeUdpSocket | null;
      try {
        native = NativeUdpSocket.bind({
          host: spec.host,
          port: spec.port,
          ipv6Only: v6,
          recvBufferSize: opts.recvBufferSize,
          sendBufferSize: opts.sendBufferSize,
        });
      } catch (err) {
        const e = err as Error;
        return Promise.reject(
          new TransportError('SIP_ERR_BAD_ADDRESS', `Cannot bind udp ${spec.host}:${spec.port}: ${e.message}`, e),
        );
      }
      if (native) return Promise.resolve(new UdpTransport(native, spec, limits, opts.trackBacklog === true));
    }
    const socket = createSocket({
      type: v6 ? 'udp6' : 'udp4',
      ipv6Only: v6,
      lookup: ipLookup,
      recvBufferSize: opts.recvBufferSize,
      sendBufferSize: opts.sendBufferSize,
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(
          new TransportError('SIP_ERR_BAD_ADDRESS', `Cannot bind udp ${spec.host}:${spec.port}: ${err.message}`, err),
        );
      };
      socket.once('error', onError);
      socket.bind(spec.port, spec.host, () => {
        socket.off('error', onError);
        resolve(new UdpTransport(socket, spec, limits, opts.trackBacklog === true));
      });
    });
  }

  /** Serve an inherited, already-bound socket (spec.fd) through the addon. */
  private static adopt(spec: ListenSpec, opts: UdpOptions, limits: TransportLimits): Promise<UdpTransport> {
    try {
      const native = NativeUdpSocket.adopt(spec.fd!);
      if (opts.recvBufferSize) native.setRecvBufferSize(opts.recvBufferSize);
      if (opts.sendBufferSize) native.setSendBufferSize(opts.sendBufferSize);
      return Promise.resolve(new UdpTransport(native, spec, limits, opts.trackBacklog === true));
    } catch (err) {
      const e = err as Error;
      const where = `udp ${spec.host}:${spec.port} (inherited fd ${spec.fd})`;
      return Promise.reject(new TransportError('SIP_ERR_BAD_ADDRESS', `Cannot serve ${where}: ${e.message}`, e));
    }
  }

  /**
   * How long, in ms, the socket has had datagrams left queued after every read (each turn of the
   * event loop read a full batch since then: UDP_READS_PER_TURN with dgram, the addon's batch of
   * up to 256 with native-udp.ts); 0 while it keeps up, and always 0 unless the listener was opened
   * with `trackBacklog` (queue-watch.ts).
   */
  backlogMs(now = performance.now()): number {
    return this.queue?.backlogMs(now) ?? 0;
  }

  /**
   * Whether the kernel has been dropping datagrams on this socket for want of room lately
   * (QueueWatch.overflowing; false without `trackBacklog`).
   */
  overflowing(now = performance.now()): boolean {
    return this.queue?.overflowing(now) ?? false;
  }

  /**
   * How long, in ms, the requests now being read have waited in the socket (QueueWatch.waitMs).
   * Always 0 without `trackBacklog`.
   */
  waitMs(now = performance.now()): number {
    return this.queue?.waitMs(now) ?? 0;
  }

  private onDatagram(msg: Buffer, rinfo: { address: string; port: number }): void {
    const stats = this.stats;
    this.queue?.read();
    stats.bytesIn += msg.length;
    if (isKeepAlive(msg)) {
      stats.keepAlives++;
      return;
    }
    const source: MessageSource = {
      transport: this,
      protocol: 'UDP',
      localAddress: this.localAddress,
      localPort: this.localPort,
      remoteAddress: normalizeIp(rinfo.address),
      remotePort: rinfo.port,
      connectionId: undefined,
    };
    if (msg.length > this.limits.maxMessageSize) {
      this.sink.framingError(
        new SipParseError('SIP_ERR_TOO_LARGE', `Message too large (${msg.length} bytes)`, { status: 513 }),
        msg,
        source,
      );
      return;
    }
    stats.messagesIn++;
    this.sink.receive(msg, source);
  }

  send(data: Buffer, address: string, port: number, _connectionId: number | undefined, observer?: SendObserver): void {
    if (this.closed) {
      if (observer) fail(observer, new TransportError('SIP_ERR_TRANSPORT_CLOSED', 'UDP transport is closed'));
      return;
    }
    const host = address.charCodeAt(0) === 0x5b ? address.slice(1, -1) : address;
    this.stats.messagesOut++;
    this.stats.bytesOut += data.length;
    const native = this.native;
    const socket = native ?? (this.socket as Socket);
    if (!observer) {
      // Nobody to tell about a failure: no callback, which spares node a nextTick per datagram.
      socket.send(data, port, host);
      return;
    }
    socket.send(data, port, host, (err: Error | null) => {
      if (!err) return;
      this.stats.sendErrors++;
      observer.onSendError(
        new TransportError('SIP_ERR_SEND', `UDP send to ${address}:${port} failed: ${err.message}`, err),
      );
    });
  }

  hasConnection(): boolean {
    return false;
  }

  get connectionCount(): number {
    return 0;
  }

  closeConnection(): void {}

  keepConnection(): void {}

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function fail(observer: SendObserver, err: TransportError): void {
  queueMicrotask(() => observer.onSendError(err));
}

/** Whitespace-only datagrams (CRLF keep-alives) and STUN messages (RFC 5389 §6 magic cookie). */
function isKeepAlive(b: Buffer): boolean {
  if (b.length >= 20 && (b[0]! & 0xc0) === 0 && b.readUInt32BE(4) === 0x2112a442) return true;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c !== 0x0d && c !== 0x0a && c !== 0x20 && c !== 0x09 && c !== 0) return false;
  }
  return true;
}

/**
 * dgram resolves every destination through dns.lookup, which for an IP address still costs a
 * nextTick per datagram; a proxy sends to IP addresses almost always, so answer those at once.
 */
function ipLookup(
  address: string,
  opts: LookupOneOptions,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(address);
  if (family !== 0) cb(null, address, family);
  else dnsLookup(address, opts, cb);
}
