/**
 * SIP over TCP (RFC 3261 §18): messages framed by Content-Length (stream-framer.ts), connections
 * identified by a number that travels with each received message so a response goes back on the
 * connection its request came on (§18.2.2). Connections are reused per remote address:port, in
 * both directions: a request to a peer that already has a connection open to us (inbound or
 * outbound) uses it, as Kamailio does for clients behind NAT.
 *
 * Hostile peers are cut off: an endless header section or a Content-Length beyond the limit
 * closes the connection (counted in stats.cutOffs); idle connections close after `idleTimeout`;
 * a peer that does not read its responses is dropped once `maxPendingWrite` bytes are queued.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { normalizeIp, type ListenSpec } from './address.js';
import { defaultSentBy, dropSink } from './common.js';
import { TransportError } from './errors.js';
import { StreamFramer, type FrameHandler } from './stream-framer.js';
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
import type { SipParseError } from '../errors.js';

export interface TcpOptions {
  limits?: Partial<TransportLimits>;
  /** Close a connection after this many ms without traffic (default 120000, Kamailio's tcp_connection_lifetime; 0 = never). */
  idleTimeout?: number;
  /** Refuse inbound connections beyond this number (default 4096). */
  maxConnections?: number;
  /** Drop a connection whose unsent output exceeds this many bytes (default 1 MiB). */
  maxPendingWrite?: number;
}

const CRLF = Buffer.from('\r\n', 'latin1');
let nextConnectionId = 1;

class TcpConnection implements FrameHandler {
  readonly id = nextConnectionId++;
  readonly framer: StreamFramer;
  source: MessageSource;
  readonly keys: string[] = [];
  /** The socket's last error (a failed connect reports ECONNREFUSED here, not to write callbacks). */
  lastError: Error | undefined;
  /** false while an outbound connection is still connecting */
  connected = true;

  constructor(
    readonly transport: TcpTransport,
    readonly socket: Socket,
    remoteAddress: string,
    remotePort: number,
  ) {
    this.framer = new StreamFramer(transport.limits, this);
    this.source = this.makeSource(remoteAddress, remotePort);
  }

  makeSource(remoteAddress: string, remotePort: number): MessageSource {
    return {
      transport: this.transport,
      protocol: 'TCP',
      localAddress: normalizeIp(this.socket.localAddress ?? this.transport.localAddress),
      localPort: this.socket.localPort ?? this.transport.localPort,
      remoteAddress,
      remotePort,
      connectionId: this.id,
    };
  }

  onFrame(raw: Buffer): void {
    this.transport.stats.messagesIn++;
    this.transport.sink.receive(raw, this.source);
  }

  onPing(): void {
    this.transport.stats.keepAlives++;
    this.socket.write(CRLF);
  }

  onPong(): void {
    this.transport.stats.keepAlives++;
  }

  onFramingError(err: SipParseError, raw: Buffer): void {
    this.transport.stats.cutOffs++;
    this.transport.sink.framingError(err, raw, this.source);
    this.socket.destroy();
  }

  write(data: Buffer, observer: SendObserver | undefined): void {
    const t = this.transport;
    if (this.socket.destroyed) {
      t.reportError(observer, new TransportError('SIP_ERR_CONNECTION_CLOSED', `TCP connection ${this.id} is closed`));
      return;
    }
    if (this.socket.writableLength > t.maxPendingWrite) {
      this.socket.destroy();
      t.reportError(observer, new TransportError('SIP_ERR_SEND', `TCP connection ${this.id}: peer is not reading`));
      return;
    }
    t.stats.messagesOut++;
    t.stats.bytesOut += data.length;
    if (observer === undefined) this.socket.write(data);
    else
      this.socket.write(data, (err) => {
        if (err) t.reportError(observer, sendError(this.lastError ?? err, this.source, !this.connected));
      });
  }
}

/** A failed write: SIP_ERR_CONNECT when the connection never came up (refused, unreachable). */
function sendError(err: Error, s: MessageSource, connecting: boolean): TransportError {
  return new TransportError(
    connecting ? 'SIP_ERR_CONNECT' : 'SIP_ERR_CONNECTION_CLOSED',
    `TCP to ${s.remoteAddress}:${s.remotePort} failed: ${err.message}`,
    err,
  );
}

const remoteKey = (address: string, port: number) => normalizeIp(address) + ' ' + port;

export class TcpTransport implements Transport {
  readonly protocol = 'TCP';
  readonly reliable = true;
  readonly family: 4 | 6;
  readonly localAddress: string;
  readonly localPort: number;
  readonly sentBy: { host: string; port: number };
  readonly stats: TransportStats = newTransportStats();
  sink: TransportSink = dropSink;
  readonly limits: TransportLimits;
  readonly maxPendingWrite: number;
  private readonly idleTimeout: number;
  private readonly conns = new Map<number, TcpConnection>();
  private readonly byRemote = new Map<string, TcpConnection>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    spec: ListenSpec,
    opts: TcpOptions,
  ) {
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('TCP server has no address');
    this.family = a.family === 'IPv6' ? 6 : 4;
    this.localAddress = a.address;
    this.localPort = a.port;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.maxPendingWrite = opts.maxPendingWrite ?? 1 << 20;
    this.idleTimeout = opts.idleTimeout ?? 120_000;
    this.sentBy = spec.advertise ?? defaultSentBy(this.localAddress, this.localPort, this.family);
    server.maxConnections = opts.maxConnections ?? 4096;
    server.on('connection', (s) => this.adopt(s, normalizeIp(s.remoteAddress ?? ''), s.remotePort ?? 0));
    server.on('error', () => {});
  }

  /** Listen on a TCP port (port 0 picks a free port; see localPort). */
  static listen(spec: ListenSpec, opts: TcpOptions = {}): Promise<TcpTransport> {
    const server = createServer({ noDelay: true });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) =>
        reject(
          new TransportError(
            'SIP_ERR_BAD_ADDRESS',
            `Cannot listen on tcp ${spec.host}:${spec.port}: ${err.message}`,
            err,
          ),
        );
      server.once('error', onError);
      server.listen({ host: spec.host, port: spec.port, ipv6Only: spec.host.includes(':') }, () => {
        server.off('error', onError);
        resolve(new TcpTransport(server, spec, opts));
      });
    });
  }

  private adopt(socket: Socket, remoteAddress: string, remotePort: number): TcpConnection {
    const c = new TcpConnection(this, socket, remoteAddress, remotePort);
    this.conns.set(c.id, c);
    this.index(c, remoteKey(remoteAddress, remotePort));
    this.stats.connectionsOpened++;
    socket.setNoDelay(true);
    if (this.idleTimeout > 0) {
      socket.setTimeout(this.idleTimeout);
      socket.on('timeout', () => socket.destroy());
    }
    socket.on('data', (chunk: Buffer) => {
      this.stats.bytesIn += chunk.length;
      c.framer.push(chunk);
    });
    socket.on('error', (e) => {
      c.lastError = e;
    });
    socket.on('close', () => this.forget(c));
    return c;
  }

  private index(c: TcpConnection, key: string): void {
    if (!this.byRemote.has(key)) {
      this.byRemote.set(key, c);
      c.keys.push(key);
    }
  }

  private forget(c: TcpConnection): void {
    if (!this.conns.delete(c.id)) return;
    for (const k of c.keys) if (this.byRemote.get(k) === c) this.byRemote.delete(k);
    c.framer.reset();
    this.stats.connectionsClosed++;
  }

  /** @internal */
  reportError(observer: SendObserver | undefined, err: TransportError): void {
    this.stats.sendErrors++;
    if (observer) queueMicrotask(() => observer.onSendError(err));
  }

  send(data: Buffer, address: string, port: number, connectionId: number | undefined, observer?: SendObserver): void {
    if (this.closed) {
      this.reportError(observer, new TransportError('SIP_ERR_TRANSPORT_CLOSED', 'TCP transport is closed'));
      return;
    }
    let c = connectionId !== undefined ? this.conns.get(connectionId) : undefined;
    if (c === undefined || c.socket.destroyed) c = this.byRemote.get(remoteKey(address, port));
    if (c === undefined || c.socket.destroyed) c = this.open(address, port);
    c.write(data, observer);
  }

  /** Open an outbound connection from the listener's address (so the peer sees a consistent source). */
  private open(address: string, port: number): TcpConnection {
    const host = address.charCodeAt(0) === 0x5b ? address.slice(1, -1) : address;
    const wildcard = this.localAddress === '0.0.0.0' || this.localAddress === '::';
    const socket = connect({
      host,
      port,
      family: this.family,
      localAddress: wildcard ? undefined : this.localAddress,
      noDelay: true,
    });
    const c = this.adopt(socket, normalizeIp(host), port);
    c.connected = false;
    socket.once('connect', () => {
      c.connected = true;
      const remote = normalizeIp(socket.remoteAddress ?? host);
      c.source = c.makeSource(remote, socket.remotePort ?? port);
      this.index(c, remoteKey(remote, c.source.remotePort));
    });
    return c;
  }

  hasConnection(id: number): boolean {
    const c = this.conns.get(id);
    return c !== undefined && !c.socket.destroyed;
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Ids of the open connections. */
  connectionIds(): number[] {
    return [...this.conns.keys()];
  }

  closeConnection(id: number): void {
    this.conns.get(id)?.socket.destroy();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.conns.values()) c.socket.destroy();
    return done;
  }
}
