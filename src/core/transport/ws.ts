/**
 * SIP over WebSocket (RFC 7118): Via tokens WS and WSS, reliable, one SIP message per frame
 * (ws-connection.ts). The core holds what is SIP's: connection ids that travel with each message
 * (a response and a request to a registered browser go back over its connection), reuse per
 * remote address, the caps, deadlines and counters shared with TCP and TLS (stream-transport.ts:
 * the same ConnectionLedger, STREAM_DEFAULTS and TransportStats), keepConnection for
 * registrations, and ping/pong liveness. The HTTP server, the upgrade and the frames are the
 * binding's (src/wsnet over the `ws` library), which talks to this file through WsBinding,
 * WsSocket and WsHandler only, so the core imports nothing but node:* and itself.
 *
 * Limits, each counted in the stats:
 * - a frame larger than `limits.maxMessageSize`: the binding closes with 1009 (cutOffs);
 * - a frame that is not SIP: closed with 1003 (badCloses; ws-connection.ts);
 * - an upgrade not done within `messageTimeout` of the TCP connection (slowCloses), garbage or a
 *   refused upgrade (handshakeFailures), TLS handshakes likewise for WSS;
 * - no SIP traffic for `idleTimeout` unless kept by a registration, or no pong to the previous
 *   ping after `pingInterval` (idleCloses);
 * - `maxConnections` / `maxConnectionsPerIp` over all stream listeners (refusedMax, refusedPerIp),
 *   counted from the TCP connection, before the upgrade.
 */
import { normalizeIp, type ListenSpec } from './address.js';
import { ConnectionTransport, STREAM_DEFAULTS, type StreamOptions } from './connection-transport.js';
import type { TlsCredentials } from './tls.js';
import { WS_CLOSE, WsConnection, type WsEndpoints, type WsOwner, type WsSocket } from './ws-connection.js';

export interface WsOptions extends StreamOptions {
  /**
   * Send a WebSocket ping every this many ms; a peer that has not answered the previous one by
   * then is dropped (default 30000; 0 = no pings).
   */
  pingInterval?: number;
}

export const WS_DEFAULTS = { ...STREAM_DEFAULTS, pingInterval: 30_000 };

/** What a connection's socket reports (WsConnection implements it). */
export interface WsHandler {
  onFrame(data: Buffer): void;
  onPong(): void;
  /** An outbound connection's handshake finished. */
  onOpen(): void;
  /** A frame over the size limit arrived (the binding closes with 1009). */
  onTooBig(): void;
  /** A broken frame (the binding closes with 1002 or 1007). */
  onProtocolError(): void;
  /** The connection is gone; `err` when it failed (an outbound connect that never came up). */
  onClosed(err: Error | undefined): void;
}

/** The binding of one listener: its server, and outbound connections when it can make them. */
export interface WsBinding {
  /** The bound address (bare IP). */
  readonly address: { address: string; family: 4 | 6; port: number };
  /**
   * Open a WebSocket to host:port (`sip` subprotocol), from `localAddress` when given. The
   * binding calls `handlerFor` once with the socket, then reports to the handler.
   */
  dial?(host: string, port: number, localAddress: string | undefined, handlerFor: (s: WsSocket) => WsHandler): void;
  /** WSS: replace the certificates (new handshakes use them, established connections keep theirs). */
  setCredentials?(credentials: TlsCredentials): void;
  /** Stop listening and destroy what has not been adopted; resolves when the server is closed. */
  close(): Promise<void>;
}

/** How long connections closed on shutdown get for their close frame before being destroyed. */
const CLOSE_GRACE_MS = 500;

export class WsTransport extends ConnectionTransport<WsConnection> implements WsOwner {
  readonly pingInterval: number;
  private readonly timer: NodeJS.Timeout | undefined;
  /** ms between sweeps (pings, idle checks) */
  private readonly period: number;

  constructor(
    readonly protocol: 'WS' | 'WSS',
    private readonly binding: WsBinding,
    spec: ListenSpec,
    opts: WsOptions,
  ) {
    super(binding.address, spec, opts);
    this.pingInterval = opts.pingInterval ?? WS_DEFAULTS.pingInterval;
    this.period = Math.min(this.pingInterval || Infinity, this.idleTimeout / 4 || Infinity);
    if (this.period !== Infinity) this.timer = setInterval(() => this.sweep(), this.period).unref();
  }

  // ---- for the binding ------------------------------------------------------------------------

  /** A new inbound TCP connection from `ip`, before its upgrade: counted when under the caps. */
  admit(ip: string): boolean {
    if (this.closed) {
      this.stats.refusedMax++;
      return false;
    }
    return this.ledger.admit(normalizeIp(ip), this.maxConnections, this.maxPerIp, this.stats);
  }

  /** An admitted TCP connection has closed (upgraded or not). */
  release(ip: string): void {
    this.ledger.remove(normalizeIp(ip));
  }

  /** An upgrade refused (bad path, Origin, subprotocol), garbage instead of HTTP, a failed TLS handshake. */
  upgradeFailed(): void {
    this.stats.handshakeFailures++;
  }

  /** A connection that did not finish its upgrade within messageTimeout. */
  upgradeTimedOut(): void {
    this.stats.slowCloses++;
  }

  /** An upgraded inbound WebSocket: from now on it carries SIP. */
  accept(socket: WsSocket, at: WsEndpoints): WsHandler {
    return this.adopt(new WsConnection(this, socket, at, false));
  }

  /**
   * WSS: replace the certificates (SIGHUP), as TlsTransport.setCredentials. Throws, changing
   * nothing, when a certificate or key is unusable, or on a WS listener.
   */
  setCredentials(credentials: TlsCredentials): void {
    if (this.binding.setCredentials === undefined) throw new Error(`${this.protocol} listener has no certificates`);
    this.binding.setCredentials(credentials);
  }

  // ---- Transport ------------------------------------------------------------------------------

  override closeConnection(id: number): void {
    this.conns.get(id)?.socket.terminate();
  }

  /** Close every connection with 1000 (RFC 6455 §7.4.1 normal closure), then stop listening. */
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    const conns = [...this.conns.values()];
    for (const c of conns) c.close(WS_CLOSE.normal, 'server shutting down');
    if (conns.length > 0) await new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref());
    for (const c of this.conns.values()) c.socket.terminate();
    await this.binding.close();
  }

  // ---- connections ----------------------------------------------------------------------------

  private adopt(c: WsConnection): WsConnection {
    this.conns.add(c, c.source.remoteAddress, c.source.remotePort);
    this.stats.connectionsOpened++;
    if (c.outbound) this.ledger.add(undefined);
    return c;
  }

  /** An outbound connection (sipd forwarding to a ws:/wss: next hop; siptest), or undefined without a dialler. */
  protected override open(address: string, port: number): WsConnection | undefined {
    if (this.binding.dial === undefined) return undefined;
    const host = address.charCodeAt(0) === 0x5b ? address.slice(1, -1) : address;
    const wildcard = this.localAddress === '0.0.0.0' || this.localAddress === '::';
    let made: WsConnection | undefined;
    this.binding.dial(host, port, wildcard ? undefined : this.localAddress, (socket) => {
      const at = { remoteAddress: host, remotePort: port, localAddress: '', localPort: 0 };
      made = this.adopt(new WsConnection(this, socket, at, true));
      return made;
    });
    return made;
  }

  /** @internal WsOwner: the connection is gone. */
  forget(c: WsConnection): void {
    if (!this.conns.delete(c)) return;
    if (c.outbound) this.ledger.remove(undefined);
    this.stats.connectionsClosed++;
  }

  /** Every period: drop peers that missed a pong and idle connections nobody keeps; ping the rest. */
  private sweep(): void {
    const now = Date.now();
    for (const c of this.conns.values()) {
      if (c.closing || !c.open) continue;
      if (this.idleTimeout > 0 && now - c.lastReceived >= this.idleTimeout && c.keptUntil <= now) {
        this.stats.idleCloses++;
        c.close(WS_CLOSE.normal, 'idle');
        continue;
      }
      // Timers drift: a ping due within half a period goes out now rather than a period late.
      if (this.pingInterval <= 0 || now - c.lastPing < this.pingInterval - this.period / 2) continue;
      if (!c.alive) {
        // No pong since the last ping (RFC 6455 §5.5.2): the peer is gone (a browser tab closed
        // behind a NAT that sends no RST); the registration's connection is dead.
        this.stats.idleCloses++;
        c.closing = true;
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.lastPing = now;
      c.socket.ping();
    }
  }
}
