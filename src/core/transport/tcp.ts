/**
 * SIP over TCP (RFC 3261 §18): messages framed by Content-Length (stream-framer.ts), connections
 * identified by a number that travels with each received message so a response goes back on the
 * connection its request came on (§18.2.2). Connections are reused per remote address:port, in
 * both directions: a request to a peer that already has a connection open to us (inbound or
 * outbound) uses it, as Kamailio does for clients behind NAT.
 *
 * Hostile peers are cut off, each case counted in the stats:
 * - an endless header section or a Content-Length beyond the limit (cutOffs), a stream that
 *   cannot be framed or a message that does not parse (badCloses: after the user had its chance
 *   to answer 400, the connection is closed, since nothing after it can be trusted to be framed);
 * - a message not complete within `messageTimeout` of its first byte, or a new connection that
 *   sends no message within it (slowCloses: slowloris);
 * - no traffic for `idleTimeout` (idleCloses), unless the connection is kept (keepConnection: a
 *   registration over it still lives);
 * - beyond `maxConnections` open, or `maxConnectionsPerIp` from one source address, an inbound
 *   connection is closed at once (refusedMax, refusedPerIp);
 * - a peer that does not read its responses is dropped once `maxPendingWrite` bytes are queued.
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
  /**
   * A message must be complete within this many ms of its first byte, and a new inbound
   * connection must start sending within it (default 20000, Kamailio's tcp_msg_read_timeout;
   * 0 = no deadline).
   */
  messageTimeout?: number;
  /** Open connections in all (inbound and outbound); inbound ones beyond it are closed at once (default 2048). */
  maxConnections?: number;
  /** Inbound connections from one source address; beyond it they are closed at once (default 512; 0 = no limit). */
  maxConnectionsPerIp?: number;
  /** The counts the caps apply to, shared with other listeners (a TransportLayer shares one among its TCP listeners). */
  ledger?: ConnectionLedger;
  /** Drop a connection whose unsent output exceeds this many bytes (default 1 MiB). */
  maxPendingWrite?: number;
}

const CRLF = Buffer.from('\r\n', 'latin1');
/** How long a connection closed after a bad message may still take to deliver our 400 (then destroyed). */
const LINGER_MS = 2000;
let nextConnectionId = 1;

/**
 * Open connections, in all and inbound per source address: what the caps are checked against.
 * A TransportLayer shares one among its TCP listeners (the default listen set has an IPv4 and an
 * IPv6 one), so the caps hold for the server as a whole, as Kamailio's tcp_max_connections does.
 */
export class ConnectionLedger {
  total = 0;
  private readonly perIp = new Map<string, number>();

  fromIp(ip: string): number {
    return this.perIp.get(ip) ?? 0;
  }

  /** One more connection; `ip` for an inbound one (counted against its address). */
  add(ip: string | undefined): void {
    this.total++;
    if (ip !== undefined) this.perIp.set(ip, this.fromIp(ip) + 1);
  }

  remove(ip: string | undefined): void {
    this.total--;
    if (ip === undefined) return;
    const n = this.fromIp(ip) - 1;
    if (n > 0) this.perIp.set(ip, n);
    else this.perIp.delete(ip);
  }
}

export const TCP_DEFAULTS = {
  idleTimeout: 120_000,
  messageTimeout: 20_000,
  maxConnections: 2048,
  // An office of a few hundred phones behind one NAT shares one source address, each phone
  // holding one connection (two with RFC 5626 outbound); one address alone cannot take all of
  // maxConnections.
  maxConnectionsPerIp: 512,
  maxPendingWrite: 1 << 20,
};

class TcpConnection implements FrameHandler {
  readonly id = nextConnectionId++;
  readonly framer: StreamFramer;
  source: MessageSource;
  readonly keys: string[] = [];
  /** The socket's last error (a failed connect reports ECONNREFUSED here, not to write callbacks). */
  lastError: Error | undefined;
  /** false while an outbound connection is still connecting */
  connected = true;
  /** counted against its source address's cap (inbound connections) */
  inbound = false;
  /** frames delivered so far (a new message started when it moved during a read) */
  frames = 0;
  /** Date.now() until which an idle connection stays open (keepConnection) */
  keptUntil = 0;
  /** the message deadline (slowloris), armed while a message is incomplete */
  deadline: NodeJS.Timeout | undefined;
  /** closing after a bad message: further data is discarded */
  closing = false;

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
    this.frames++;
    this.transport.stats.messagesIn++;
    if (this.closing) return;
    if (!this.transport.sink.receive(raw, this.source)) {
      this.transport.stats.badCloses++;
      this.closeAfterReply();
    }
  }

  onPing(): void {
    this.transport.stats.keepAlives++;
    this.socket.write(CRLF);
  }

  onPong(): void {
    this.transport.stats.keepAlives++;
  }

  onFramingError(err: SipParseError, raw: Buffer): void {
    if (err.code === 'SIP_ERR_TOO_LARGE') this.transport.stats.cutOffs++;
    else this.transport.stats.badCloses++;
    this.transport.sink.framingError(err, raw, this.source);
    this.closeAfterReply();
  }

  /**
   * Close once what was written (a 400, 513) has gone out: a FIN after it, then the rest of what
   * the peer sends is read and discarded (closing with unread data would send a RST, which can
   * destroy the 400 before the peer reads it), and after LINGER_MS the socket is destroyed.
   */
  closeAfterReply(): void {
    if (this.closing) return;
    this.closing = true;
    this.disarm();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  /** Open and not closing after a bad message. */
  get usable(): boolean {
    return !this.closing && !this.socket.destroyed;
  }

  /** Data arrived: keep the message deadline armed while a message is incomplete. */
  onData(chunk: Buffer): void {
    if (this.closing) return;
    const frames = this.frames;
    this.framer.push(chunk);
    if (this.closing || this.socket.destroyed) return;
    if (this.framer.buffered === 0) this.disarm();
    else if (this.deadline === undefined || this.frames !== frames) this.arm();
  }

  /** Start the message deadline (a new message, or a new connection that has sent nothing yet). */
  arm(): void {
    const ms = this.transport.messageTimeout;
    if (ms <= 0) return;
    this.disarm();
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      this.transport.stats.slowCloses++;
      this.socket.destroy();
    }, ms).unref();
  }

  disarm(): void {
    if (this.deadline !== undefined) clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  /** The idle timeout fired: close, unless a registration keeps the connection. */
  onIdle(): void {
    if (this.keptUntil > Date.now()) {
      // Look again after another idle period (the socket's timer does not repeat by itself): a
      // kept connection closes at most one idle timeout after its registration ends.
      this.socket.setTimeout(this.transport.idleTimeout);
      return;
    }
    if (this.closing) return;
    this.transport.stats.idleCloses++;
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
  readonly idleTimeout: number;
  readonly messageTimeout: number;
  private readonly maxConnections: number;
  private readonly maxPerIp: number;
  private readonly conns = new Map<number, TcpConnection>();
  private readonly byRemote = new Map<string, TcpConnection>();
  private readonly ledger: ConnectionLedger;
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
    this.maxPendingWrite = opts.maxPendingWrite ?? TCP_DEFAULTS.maxPendingWrite;
    this.idleTimeout = opts.idleTimeout ?? TCP_DEFAULTS.idleTimeout;
    this.messageTimeout = opts.messageTimeout ?? TCP_DEFAULTS.messageTimeout;
    this.maxConnections = opts.maxConnections ?? TCP_DEFAULTS.maxConnections;
    this.maxPerIp = opts.maxConnectionsPerIp ?? TCP_DEFAULTS.maxConnectionsPerIp;
    this.ledger = opts.ledger ?? new ConnectionLedger();
    this.sentBy = spec.advertise ?? defaultSentBy(this.localAddress, this.localPort, this.family);
    server.on('connection', (s) => this.accept(s));
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

  /** An inbound connection: refused at once beyond the caps, else adopted with its deadline armed. */
  private accept(socket: Socket): void {
    const ip = normalizeIp(socket.remoteAddress ?? '');
    if (this.ledger.total >= this.maxConnections || this.closed) {
      this.stats.refusedMax++;
      socket.destroy();
      return;
    }
    if (this.maxPerIp > 0 && this.ledger.fromIp(ip) >= this.maxPerIp) {
      this.stats.refusedPerIp++;
      socket.destroy();
      return;
    }
    const c = this.adopt(socket, ip, socket.remotePort ?? 0, true);
    c.arm();
  }

  private adopt(socket: Socket, remoteAddress: string, remotePort: number, inbound: boolean): TcpConnection {
    const c = new TcpConnection(this, socket, remoteAddress, remotePort);
    c.inbound = inbound;
    this.conns.set(c.id, c);
    this.ledger.add(inbound ? remoteAddress : undefined);
    this.index(c, remoteKey(remoteAddress, remotePort));
    this.stats.connectionsOpened++;
    socket.setNoDelay(true);
    if (this.idleTimeout > 0) {
      socket.setTimeout(this.idleTimeout);
      socket.on('timeout', () => c.onIdle());
    }
    socket.on('data', (chunk: Buffer) => {
      this.stats.bytesIn += chunk.length;
      c.onData(chunk);
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
    this.ledger.remove(c.inbound ? c.source.remoteAddress : undefined);
    c.disarm();
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
    if (c === undefined || !c.usable) c = this.byRemote.get(remoteKey(address, port));
    if (c === undefined || !c.usable) c = this.open(address, port);
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
    const c = this.adopt(socket, normalizeIp(host), port, false);
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
    return this.conns.get(id)?.usable ?? false;
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

  keepConnection(id: number, forMs: number): void {
    const c = this.conns.get(id);
    if (c !== undefined) c.keptUntil = Math.max(c.keptUntil, Date.now() + forMs);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.conns.values()) c.socket.destroy();
    return done;
  }
}
