/**
 * The transport interface owned by the core (RFC 3261 §18). UDP and TCP implement it today; TLS
 * and WebSocket (RFC 7118) plug in later by implementing the same interface: a protocol name as
 * written in Via, a reliable flag, a local address, send, close and connection ids for stream
 * transports. Framing (datagram, Content-Length on a stream, WebSocket frame) is the transport's
 * business; parsing and Via handling belong to the TransportLayer, so every transport behaves
 * the same above the framing.
 */
import type { SipParseError } from '../errors.js';
import type { TransportError } from './errors.js';

/** Where a received message came from (and where a stream transport can answer it). */
export interface MessageSource {
  readonly transport: Transport;
  /** Via transport token of the transport: "UDP", "TCP", "TLS" (later "WS", "WSS"). */
  readonly protocol: string;
  /** Local address the message arrived on (the listen address; a wildcard for a wildcard UDP listener). */
  readonly localAddress: string;
  readonly localPort: number;
  /** Source IP address (bare, no brackets; IPv4-mapped IPv6 reported as IPv4). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The connection of a stream transport, undefined for datagrams. */
  readonly connectionId: number | undefined;
}

/** Counters a transport keeps (monotonic; read them, do not reset them). */
export interface TransportStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Messages that failed to parse or lacked what routing needs (reported via onParseError). */
  parseErrors: number;
  /** Keep-alives received (CRLF on streams, empty/STUN datagrams). */
  keepAlives: number;
  /** Stream connections closed by us for breaking the size limits (endless header, huge Content-Length). */
  cutOffs: number;
  /** Stream connections closed after a message that could not be framed or parsed (after its 400). */
  badCloses: number;
  /** Stream connections closed for a message (TLS: a handshake) not complete within the message timeout (slowloris). */
  slowCloses: number;
  /** TLS handshakes that failed (garbage or plain text before the handshake, an old protocol version, a bad client certificate). */
  handshakeFailures: number;
  /** Stream connections closed after the idle timeout. */
  idleCloses: number;
  /** Inbound connections refused (closed at once) because the listener had its maximum open. */
  refusedMax: number;
  /** Inbound connections refused because their source address had its maximum open. */
  refusedPerIp: number;
  connectionsOpened: number;
  connectionsClosed: number;
  sendErrors: number;
}

export function newTransportStats(): TransportStats {
  return {
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    parseErrors: 0,
    keepAlives: 0,
    cutOffs: 0,
    badCloses: 0,
    slowCloses: 0,
    handshakeFailures: 0,
    idleCloses: 0,
    refusedMax: 0,
    refusedPerIp: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
    sendErrors: 0,
  };
}

/** Receives the outcome of one send when it fails (asynchronous sends: TCP connect, UDP errors). */
export interface SendObserver {
  onSendError(err: TransportError): void;
}

/** What a transport hands up: whole messages' bytes, or a framing failure. */
export interface TransportSink {
  /**
   * The bytes of exactly one message (a datagram, or one frame cut from a stream). Returns false
   * when they were not a usable message (reported as a parse error): a stream transport then
   * closes the connection, since what follows on it cannot be trusted to be framed right.
   */
  receive(raw: Buffer, source: MessageSource): boolean;
  /**
   * Bytes that could not be framed or exceeded a limit (a stream peer with an endless header or a
   * huge Content-Length). `err.status` is what a server would answer (400, 513).
   */
  framingError(err: SipParseError, raw: Buffer, source: MessageSource): void;
}

/** Size limits that protect a listener from hostile peers. */
export interface TransportLimits {
  /** Largest message (header section + body) accepted, in bytes (default 65535). */
  maxMessageSize: number;
  /** Largest header section (start line + headers + blank line) on a stream, in bytes (default 16384). */
  maxHeaderSize: number;
}

export const DEFAULT_LIMITS: TransportLimits = { maxMessageSize: 65535, maxHeaderSize: 16384 };

export interface Transport {
  /** Via transport token: "UDP", "TCP"... (upper-case). */
  readonly protocol: string;
  /** Reliable transports (TCP, TLS, SCTP, WS) run no retransmission timers (RFC 3261 §17.1.1.2). */
  readonly reliable: boolean;
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The bound address (bare IP; may be a wildcard such as 0.0.0.0 or ::). */
  readonly localAddress: string;
  /** The bound port (the real one when the listener asked for port 0). */
  readonly localPort: number;
  /**
   * The host and port to put in the sent-by of a Via for requests sent over this transport: the
   * advertised address if one was configured, else the bound address (IPv6 in brackets).
   */
  readonly sentBy: { host: string; port: number };
  readonly stats: TransportStats;
  /** Who receives inbound messages; set by the TransportLayer before any traffic flows. */
  sink: TransportSink;
  /**
   * Send one message's bytes. Datagram transports send to address:port. Stream transports use
   * the connection `connectionId` when it is given and open, else an open connection to
   * address:port, else open one. `address` may be a host name (resolved by the OS resolver).
   * Failures are reported to `observer` (asynchronously; never thrown). `serverName`: the host
   * name the target was resolved from, for a TLS connection opened to send this (SNI, and the
   * name the server's certificate is checked against).
   */
  send(
    data: Buffer,
    address: string,
    port: number,
    connectionId: number | undefined,
    observer?: SendObserver,
    serverName?: string,
  ): void;
  /** Whether the connection with this id is open (always false for datagram transports). */
  hasConnection(id: number): boolean;
  /** Number of open connections (0 for datagram transports). */
  readonly connectionCount: number;
  /** Close one connection (no-op when unknown). */
  closeConnection(id: number): void;
  /**
   * Keep the connection with this id open for at least `forMs` milliseconds from now even when
   * it is idle (a registration over it lives that long: the registrar reaches the phone through
   * it). A keep only extends: a multi-line phone registers several AoRs over one connection, and
   * the end (or a shorter refresh) of one must not cut the others off. Afterwards the idle
   * timeout applies again. No-op for datagram transports and unknown ids.
   */
  keepConnection(id: number, forMs: number): void;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
  /** The open connections, described (stream transports; for management listings, not the hot path). */
  connections?(): ConnectionInfo[];
  /**
   * RFC 5923: requests to `address`:`port` go over the connection `id` from now on (the peer sent
   * a request with `;alias` in its Via over it). No-op for unknown ids and datagram transports.
   */
  aliasConnection?(id: number, address: string, port: number): void;
}

/** One open connection of a stream transport, as management listings show it. */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The peer connected to us (false: we opened it). */
  readonly inbound: boolean;
  /** Date.now() when it opened, and of its last traffic either way. */
  readonly openedAt: number;
  readonly lastActivity: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Date.now() until which a registration keeps it open although idle (0: none). */
  readonly keptUntil: number;
  /** Where requests go over it besides its remote address (RFC 5923 aliases). */
  readonly aliases: ReadonlyArray<{ address: string; port: number }>;
}

/** Where to send a request: what a TU knows after RFC 3263 resolution (or from a Route/Contact). */
export interface Destination {
  /** Via transport token; default "UDP". */
  protocol?: string;
  /** IP address (bare or bracketed) or host name. */
  address: string;
  port: number;
  /** Use this transport instead of choosing one by protocol and address family. */
  transport?: Transport;
  /** Use this connection of a stream transport when still open (e.g. an RFC 5626 flow). */
  connectionId?: number;
  /** The host name `address` was resolved from (TLS: sent as SNI, RFC 6066 §3). */
  serverName?: string;
}

/** A resolved destination: a transport and where it sends to. */
export interface SendTarget {
  readonly transport: Transport;
  readonly address: string;
  readonly port: number;
  readonly connectionId: number | undefined;
  readonly serverName?: string;
}
