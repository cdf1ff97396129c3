/**
 * What every connection-oriented listener shares (TCP, TLS: stream-transport.ts; WS, WSS: ws.ts):
 * the options and defaults of the limits, the ledger the caps are counted in, the table of open
 * connections, and the Transport methods that only read that table.
 */
import type { ListenSpec } from './address.js';
import { defaultSentBy, dropSink } from './common.js';
import { ConnectionTable, reportSendError, transportClosed, type TableConnection } from './connection-table.js';
import { TransportError } from './errors.js';
import {
  DEFAULT_LIMITS,
  newTransportStats,
  type ConnectionInfo,
  type MessageSource,
  type SendObserver,
  type Transport,
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

/** The bound address of a listener (bare IP). */
export interface BoundAddress {
  address: string;
  family: 4 | 6;
  port: number;
}

/** A connection a ConnectionTransport can send on and list (sipctl ps --connections). */
export interface SendingConnection extends TableConnection {
  readonly source: MessageSource;
  readonly inbound: boolean;
  readonly openedAt: number;
  /** last traffic either way */
  readonly lastActivity: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  write(data: Buffer, observer: SendObserver | undefined): void;
}

export abstract class ConnectionTransport<C extends SendingConnection> implements Transport {
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
  protected readonly maxConnections: number;
  protected readonly maxPerIp: number;
  protected readonly ledger: ConnectionLedger;
  protected readonly conns = new ConnectionTable<C>();
  protected closed = false;

  protected constructor(bound: BoundAddress, spec: ListenSpec, opts: StreamOptions) {
    this.family = bound.family;
    this.localAddress = bound.address;
    this.localPort = bound.port;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.maxPendingWrite = opts.maxPendingWrite ?? STREAM_DEFAULTS.maxPendingWrite;
    this.idleTimeout = opts.idleTimeout ?? STREAM_DEFAULTS.idleTimeout;
    this.messageTimeout = opts.messageTimeout ?? STREAM_DEFAULTS.messageTimeout;
    this.maxConnections = opts.maxConnections ?? STREAM_DEFAULTS.maxConnections;
    this.maxPerIp = opts.maxConnectionsPerIp ?? STREAM_DEFAULTS.maxConnectionsPerIp;
    this.ledger = opts.ledger ?? new ConnectionLedger();
    this.sentBy = spec.advertise ?? defaultSentBy(this.localAddress, this.localPort, this.family);
  }

  /**
   * A new outbound connection to address:port (a host name or IP, bracketed IPv6 allowed), or
   * undefined when this transport cannot open one (a WebSocket listener has no dialler).
   */
  protected abstract open(address: string, port: number, serverName?: string): C | undefined;
  abstract closeConnection(id: number): void;
  abstract close(): Promise<void>;

  /**
   * The connection `connectionId` while usable, else one open to address:port (inbound or
   * outbound), else a new one (`serverName`: the host name the address was resolved from, for
   * TLS's SNI); failures go to `observer`.
   */
  send(
    data: Buffer,
    address: string,
    port: number,
    connectionId: number | undefined,
    observer?: SendObserver,
    serverName?: string,
  ): void {
    if (this.closed) return this.reportError(observer, transportClosed(this.protocol));
    const c = this.conns.find(connectionId, address, port) ?? this.open(address, port, serverName);
    if (c !== undefined) return c.write(data, observer);
    // A browser cannot be dialled: once its connection is gone, it is unreachable until it
    // connects (and registers) again (RFC 7118: the WebSocket client opens the connection).
    this.reportError(
      observer,
      new TransportError('SIP_ERR_CONNECT', `no ${this.protocol} connection to ${address}:${port}`),
    );
  }

  /** @internal */
  reportError(observer: SendObserver | undefined, err: TransportError): void {
    reportSendError(this.stats, observer, err);
  }

  hasConnection(id: number): boolean {
    return this.conns.usable(id);
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Ids of the open connections. */
  connectionIds(): number[] {
    return this.conns.ids();
  }

  /** The open connections, as management listings show them (core.connections). */
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

  keepConnection(id: number, forMs: number): void {
    this.conns.keep(id, forMs);
  }

  /** RFC 5923 (see ConnectionTable.alias). */
  aliasConnection(id: number, address: string, port: number): void {
    this.conns.alias(id, address, port);
  }
}
