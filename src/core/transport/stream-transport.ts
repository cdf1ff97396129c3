/**
 * What TCP and TLS share (RFC 3261 §18): a listening server, connections identified by a number
 * that travels with each received message so a response goes back on the connection its request
 * came on (§18.2.2), and connection reuse per remote address:port in both directions: a request
 * to a peer that already has a connection open to us (inbound or outbound) uses it, as Kamailio
 * does for clients behind NAT. A subclass says how a socket is made (plain, or TLS) and when an
 * inbound one is ready to carry SIP (at once, or after the handshake).
 *
 * Hostile peers are cut off, each case counted in the stats:
 * - an endless header section or a Content-Length beyond the limit (cutOffs), a stream that
 *   cannot be framed or a message that does not parse (badCloses: after the user had its chance
 *   to answer 400, the connection is closed, since nothing after it can be trusted to be framed);
 * - a message not complete within `messageTimeout` of its first byte, or a new connection that
 *   sends no message within it (slowCloses: slowloris; TLS: a handshake not done within it too);
 * - no traffic for `idleTimeout` (idleCloses), unless the connection is kept (keepConnection: a
 *   registration over it still lives);
 * - beyond `maxConnections` open, or `maxConnectionsPerIp` from one source address, an inbound
 *   connection is closed at once (refusedMax, refusedPerIp); a TLS connection counts from its
 *   first byte, before its handshake, so handshakes cannot be used to get around the caps;
 * - a peer that does not read its responses is dropped once `maxPendingWrite` bytes are queued.
 */
import type { Server, Socket } from 'node:net';
import { normalizeIp, type ListenSpec } from './address.js';
import { defaultSentBy, dropSink } from './common.js';
import { TransportError } from './errors.js';
import { StreamConnection, type StreamOwner } from './stream-connection.js';
import {
  type ConnectionInfo,
  DEFAULT_LIMITS,
  newTransportStats,
  type SendObserver,
  type TransportLimits,
  type TransportSink,
  type TransportStats,
} from './types.js';

export interface StreamOptions {
  limits?: Partial<TransportLimits>;
  /** Close a connection after this many ms without traffic (default 120000, Kamailio's tcp_connection_lifetime; 0 = never). */
  idleTimeout?: number;
  /**
   * A message must be complete within this many ms of its first byte, and a new inbound
   * connection must start sending within it (TLS: finish its handshake within it, then send its
   * first message within it again) (default 20000, Kamailio's tcp_msg_read_timeout; 0 = no deadline).
   */
  messageTimeout?: number;
  /** Open connections in all (inbound and outbound); inbound ones beyond it are closed at once (default 2048). */
  maxConnections?: number;
  /** Inbound connections from one source address; beyond it they are closed at once (default 512; 0 = no limit). */
  maxConnectionsPerIp?: number;
  /** The counts the caps apply to, shared with other listeners (a TransportLayer shares one among its stream listeners). */
  ledger?: ConnectionLedger;
  /** Drop a connection whose unsent output exceeds this many bytes (default 1 MiB). */
  maxPendingWrite?: number;
}

/**
 * Open connections, in all and inbound per source address: what the caps are checked against.
 * A TransportLayer shares one among its stream listeners (the default listen set has an IPv4 and
 * an IPv6 one, and TLS beside TCP), so the caps hold for the server as a whole, as Kamailio's
 * tcp_max_connections does for TCP and TLS together.
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

  /**
   * Count an inbound connection from `ip` when it is under the caps (`maxTotal` in all,
   * `maxPerIp` from one address, 0 = no limit); else count the refusal in `stats` and return false.
   */
  admit(ip: string, maxTotal: number, maxPerIp: number, stats: TransportStats): boolean {
    if (this.total >= maxTotal) {
      stats.refusedMax++;
      return false;
    }
    if (maxPerIp > 0 && this.fromIp(ip) >= maxPerIp) {
      stats.refusedPerIp++;
      return false;
    }
    this.add(ip);
    return true;
  }

  remove(ip: string | undefined): void {
    this.total--;
    if (ip === undefined) return;
    const n = this.fromIp(ip) - 1;
    if (n > 0) this.perIp.set(ip, n);
    else this.perIp.delete(ip);
  }
}

export const STREAM_DEFAULTS = {
  idleTimeout: 120_000,
  messageTimeout: 20_000,
  maxConnections: 2048,
  // An office of a few hundred phones behind one NAT shares one source address, each phone
  // holding one connection (two with RFC 5626 outbound); one address alone cannot take all of
  // maxConnections.
  maxConnectionsPerIp: 512,
  maxPendingWrite: 1 << 20,
};

/**
 * Bind a TCP-based server (net, tls, http, https) as `spec` says, IPv6 addresses IPv6-only;
 * rejects with SIP_ERR_BAD_ADDRESS (the OS error as its cause).
 */
export function bindServer(server: Server, spec: ListenSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) =>
      reject(
        new TransportError(
          'SIP_ERR_BAD_ADDRESS',
          `Cannot listen on ${spec.protocol.toLowerCase()} ${spec.host}:${spec.port}: ${err.message}`,
          err,
        ),
      );
    server.once('error', onError);
    server.listen({ host: spec.host, port: spec.port, ipv6Only: spec.host.includes(':') }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

const remoteKey = (address: string, port: number) => normalizeIp(address) + ' ' + port;

export abstract class StreamTransport implements StreamOwner {
  abstract readonly protocol: string;
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
  private readonly conns = new Map<number, StreamConnection>();
  private readonly byRemote = new Map<string, StreamConnection>();
  private readonly ledger: ConnectionLedger;
  /** Admitted inbound sockets (TLS: handshakes in progress too), destroyed by close(). */
  private readonly admitted = new Set<Socket>();
  protected closed = false;

  protected constructor(
    protected readonly server: Server,
    spec: ListenSpec,
    opts: StreamOptions,
  ) {
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('stream server has no address');
    this.family = a.family === 'IPv6' ? 6 : 4;
    this.localAddress = a.address;
    this.localPort = a.port;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.maxPendingWrite = opts.maxPendingWrite ?? STREAM_DEFAULTS.maxPendingWrite;
    this.idleTimeout = opts.idleTimeout ?? STREAM_DEFAULTS.idleTimeout;
    this.messageTimeout = opts.messageTimeout ?? STREAM_DEFAULTS.messageTimeout;
    this.maxConnections = opts.maxConnections ?? STREAM_DEFAULTS.maxConnections;
    this.maxPerIp = opts.maxConnectionsPerIp ?? STREAM_DEFAULTS.maxConnectionsPerIp;
    this.ledger = opts.ledger ?? new ConnectionLedger();
    this.sentBy = spec.advertise ?? defaultSentBy(this.localAddress, this.localPort, this.family);
    server.on('error', () => {});
  }

  /** Bind `server` as `spec` says (bindServer). */
  protected static bind(server: Server, spec: ListenSpec): Promise<void> {
    return bindServer(server, spec);
  }

  /**
   * Open a socket to host:port (from `localAddress` when the listener is bound to one address);
   * `serverName` is the host name the address was resolved from (TLS uses it for SNI).
   */
  protected abstract connectSocket(
    host: string,
    port: number,
    localAddress: string | undefined,
    serverName: string | undefined,
  ): Socket;
  /** The socket event after which an outbound connection carries SIP ("connect", "secureConnect"). */
  protected abstract readonly connectEvent: string;

  /**
   * A new inbound socket, before anything is read from it (for TLS: before its handshake): true
   * when it is under the caps and now counted; false when it was refused and destroyed.
   */
  protected admit(socket: Socket): boolean {
    const ip = normalizeIp(socket.remoteAddress ?? '');
    if (this.closed || !this.ledger.admit(ip, this.maxConnections, this.maxPerIp, this.stats)) {
      if (this.closed) this.stats.refusedMax++;
      socket.destroy();
      return false;
    }
    this.admitted.add(socket);
    socket.once('close', () => {
      this.ledger.remove(ip);
      this.admitted.delete(socket);
    });
    return true;
  }

  /** An admitted inbound socket ready to carry SIP: adopted with its first-message deadline armed. */
  protected accepted(socket: Socket): void {
    if (socket.destroyed) return;
    const c = this.adopt(socket, normalizeIp(socket.remoteAddress ?? ''), socket.remotePort ?? 0);
    c.arm();
  }

  private adopt(socket: Socket, remoteAddress: string, remotePort: number): StreamConnection {
    const c = new StreamConnection(this, socket, remoteAddress, remotePort);
    this.conns.set(c.id, c);
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

  private index(c: StreamConnection, key: string): void {
    if (!this.byRemote.has(key)) {
      this.byRemote.set(key, c);
      c.keys.push(key);
    }
  }

  private forget(c: StreamConnection): void {
    if (!this.conns.delete(c.id)) return;
    for (const k of c.keys) if (this.byRemote.get(k) === c) this.byRemote.delete(k);
    c.disarm();
    c.framer.reset();
    this.stats.connectionsClosed++;
  }

  /** @internal */
  reportError(observer: SendObserver | undefined, err: TransportError): void {
    this.stats.sendErrors++;
    if (observer) queueMicrotask(() => observer.onSendError(err));
  }

  send(
    data: Buffer,
    address: string,
    port: number,
    connectionId: number | undefined,
    observer?: SendObserver,
    serverName?: string,
  ): void {
    if (this.closed) {
      this.reportError(
        observer,
        new TransportError('SIP_ERR_TRANSPORT_CLOSED', `${this.protocol} transport is closed`),
      );
      return;
    }
    let c = connectionId !== undefined ? this.conns.get(connectionId) : undefined;
    if (c === undefined || !c.usable) c = this.byRemote.get(remoteKey(address, port));
    if (c === undefined || !c.usable) c = this.open(address, port, serverName);
    c.write(data, observer);
  }

  /** Open an outbound connection from the listener's address (so the peer sees a consistent source). */
  private open(address: string, port: number, serverName: string | undefined): StreamConnection {
    const host = address.charCodeAt(0) === 0x5b ? address.slice(1, -1) : address;
    const wildcard = this.localAddress === '0.0.0.0' || this.localAddress === '::';
    const socket = this.connectSocket(host, port, wildcard ? undefined : this.localAddress, serverName);
    this.ledger.add(undefined);
    socket.once('close', () => this.ledger.remove(undefined));
    const c = this.adopt(socket, normalizeIp(host), port);
    c.connected = false;
    c.inbound = false;
    socket.once(this.connectEvent, () => {
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

  connections(): ConnectionInfo[] {
    return [...this.conns.values()].map((c) => ({
      id: c.id,
      remoteAddress: c.source.remoteAddress,
      remotePort: c.source.remotePort,
      localAddress: c.source.localAddress,
      localPort: c.source.localPort,
      inbound: c.inbound,
      openedAt: c.openedAt,
      lastActivity: c.lastActivity,
      messagesIn: c.messagesIn,
      messagesOut: c.messagesOut,
      keptUntil: c.keptUntil,
      aliases: c.aliases.map((k) => {
        const sp = k.lastIndexOf(' ');
        return { address: k.slice(0, sp), port: Number(k.slice(sp + 1)) };
      }),
    }));
  }

  /**
   * RFC 5923: requests to address:port use connection `id`. The newest alias wins over another
   * open connection's (a phone that reconnected, its old connection not yet timed out); a
   * connection's own remote address:port is never taken from it.
   */
  aliasConnection(id: number, address: string, port: number): void {
    const c = this.conns.get(id);
    if (c === undefined || !c.usable) return;
    const key = remoteKey(address, port);
    const holder = this.byRemote.get(key);
    if (holder === c) return;
    if (holder !== undefined) {
      const own = remoteKey(holder.source.remoteAddress, holder.source.remotePort);
      if (own === key && holder.usable) return;
      for (const list of [holder.keys, holder.aliases]) {
        const i = list.indexOf(key);
        if (i >= 0) list.splice(i, 1);
      }
    }
    this.byRemote.set(key, c);
    c.keys.push(key);
    c.aliases.push(key);
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
    for (const s of this.admitted) s.destroy();
    return done;
  }
}
