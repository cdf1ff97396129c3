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
import { TransportError } from './errors.js';
import { ConnectionTransport, type StreamOptions } from './connection-transport.js';
import { StreamConnection, type StreamOwner } from './stream-connection.js';

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

export abstract class StreamTransport extends ConnectionTransport<StreamConnection> implements StreamOwner {
  /** Admitted inbound sockets (TLS: handshakes in progress too), destroyed by close(). */
  private readonly admitted = new Set<Socket>();

  protected constructor(
    protected readonly server: Server,
    spec: ListenSpec,
    opts: StreamOptions,
  ) {
    const a = server.address();
    if (a === null || typeof a === 'string') throw new Error('stream server has no address');
    super({ address: a.address, family: a.family === 'IPv6' ? 6 : 4, port: a.port }, spec, opts);
    server.on('error', () => {});
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
    this.conns.add(c, remoteAddress, remotePort);
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

  private forget(c: StreamConnection): void {
    if (!this.conns.delete(c)) return;
    c.disarm();
    c.framer.reset();
    this.stats.connectionsClosed++;
  }

  /** Open an outbound connection from the listener's address (so the peer sees a consistent source). */
  protected override open(address: string, port: number, serverName?: string): StreamConnection {
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
      this.conns.index(c, remote, c.source.remotePort);
    });
    return c;
  }

  override closeConnection(id: number): void {
    this.conns.get(id)?.socket.destroy();
  }

  override close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.conns.values()) c.socket.destroy();
    for (const s of this.admitted) s.destroy();
    return done;
  }
}
