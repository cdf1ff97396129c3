/**
 * One SIP-over-WebSocket connection (RFC 7118): every text or binary frame carries exactly one
 * SIP message (§5), so there is no Content-Length framing and a bad message does not desync the
 * stream. The socket is whatever the binding wraps (src/wsnet binds the `ws` library); the core
 * only needs the small WsSocket interface below.
 *
 * - A frame the transport layer cannot use: when it looks like a SIP request or response, the
 *   user has had its chance to answer (a 400) and the connection stays; anything else is not
 *   SIP at all and the connection is closed with 1003 (RFC 6455 §7.4.1 "cannot accept this
 *   type of data"), counted in badCloses.
 * - Keep-alives: a frame "\r\n\r\n" is a ping answered "\r\n" (RFC 5626 §3.5.1 over the frame, as
 *   SIP.js sends it), "\r\n" a pong; WebSocket ping/pong (RFC 6455 §5.5.2) is the transport's.
 * - Outbound connections queue what is sent while the handshake runs.
 */
import { isUtf8 } from 'node:buffer';
import { normalizeIp } from './address.js';
import { TransportError } from './errors.js';
import { newConnectionId } from './stream-connection.js';
import type { MessageSource, SendObserver, Transport, TransportSink, TransportStats } from './types.js';

/** RFC 6455 §7.4.1 close codes sipkit uses. */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  tooBig: 1009,
} as const;

/** A WebSocket as the core sees it (the binding adapts a `ws` WebSocket to it). */
export interface WsSocket {
  /** Send one frame (text when `text`, else binary); `cb` once written or failed. */
  send(data: Buffer, text: boolean, cb: (err?: Error) => void): void;
  /** Start the closing handshake (RFC 6455 §7.1.2). */
  close(code: number, reason: string): void;
  /** Destroy the connection at once (a dead or hostile peer). */
  terminate(): void;
  /** Send a ping control frame. */
  ping(): void;
  /** Bytes queued and not yet written. */
  readonly bufferedAmount: number;
}

/** Addresses of a WebSocket's TCP connection. */
export interface WsEndpoints {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** What a connection needs from its transport. */
export interface WsOwner extends Transport {
  readonly stats: TransportStats;
  readonly sink: TransportSink;
  readonly maxPendingWrite: number;
  reportError(observer: SendObserver | undefined, err: TransportError): void;
  /** The connection is gone: forget it. */
  forget(c: WsConnection): void;
}

const PING = '\r\n\r\n';
const PONG = Buffer.from('\r\n', 'latin1');
/** The start line of a SIP request or response (RFC 3261 §7.1, §7.2). */
const SIP_START = /^(?:[A-Za-z!%*_+`'~.-]+ \S+ SIP\/\d\.\d|SIP\/\d\.\d \d{3} )/;

export class WsConnection {
  readonly id = newConnectionId();
  readonly source: MessageSource;
  readonly keys: string[] = [];
  readonly aliases: string[] = [];
  /** false while an outbound connection's handshake runs */
  open: boolean;
  /** frames sent before the handshake finished */
  private pending: Array<[Buffer, SendObserver | undefined]> = [];
  readonly openedAt = Date.now();
  /**
   * Date.now() of the last frame received: what the idle sweep looks at (a peer that only
   * receives is still checked by ping/pong).
   */
  lastReceived = this.openedAt;
  /** Date.now() of the last SIP message sent */
  lastSent = this.openedAt;
  messagesIn = 0;
  messagesOut = 0;
  /** Date.now() until which an idle connection stays open (keepConnection) */
  keptUntil = 0;
  /** a pong (or any frame) arrived since the last ping */
  alive = true;
  /** Date.now() of our last ping */
  lastPing = Date.now();
  closing = false;

  constructor(
    readonly transport: WsOwner,
    readonly socket: WsSocket,
    at: WsEndpoints,
    /** we opened it (counted in the ledger without an address) */
    readonly outbound: boolean,
  ) {
    this.open = !outbound;
    this.source = {
      transport,
      protocol: transport.protocol,
      localAddress: normalizeIp(at.localAddress || transport.localAddress),
      localPort: at.localPort || transport.localPort,
      remoteAddress: normalizeIp(at.remoteAddress),
      remotePort: at.remotePort,
      connectionId: this.id,
    };
  }

  get usable(): boolean {
    return !this.closing;
  }

  /** The peer connected to us (management listings). */
  get inbound(): boolean {
    return !this.outbound;
  }

  /** Last traffic either way (management listings; as StreamConnection.lastActivity). */
  get lastActivity(): number {
    return Math.max(this.lastReceived, this.lastSent);
  }

  /** One data frame from the peer. */
  onFrame(data: Buffer): void {
    const t = this.transport;
    t.stats.bytesIn += data.length;
    this.alive = true;
    this.lastReceived = Date.now();
    if (this.closing) return;
    if (data.length <= 4 && (data.toString('latin1') === PING || data.toString('latin1') === '\r\n')) {
      t.stats.keepAlives++;
      if (data.length === 4) this.socket.send(PONG, true, () => {});
      return;
    }
    t.stats.messagesIn++;
    this.messagesIn++;
    if (t.sink.receive(data, this.source)) return;
    if (SIP_START.test(data.subarray(0, 256).toString('latin1'))) return;
    t.stats.badCloses++;
    this.close(WS_CLOSE.unsupportedData, 'not a SIP message');
  }

  onPong(): void {
    this.alive = true;
  }

  /** A frame over the size limit arrived (the binding closes with 1009). */
  onTooBig(): void {
    this.transport.stats.cutOffs++;
  }

  /** A broken frame (the binding closes with 1002 or 1007). */
  onProtocolError(): void {
    this.transport.stats.badCloses++;
  }

  /** The outbound handshake finished: send what waited for it. */
  onOpen(): void {
    this.open = true;
    const queued = this.pending;
    this.pending = [];
    for (const [data, observer] of queued) this.write(data, observer);
  }

  /** The connection ended (or never came up): what still waited for it failed. */
  onClosed(err: Error | undefined): void {
    this.closing = true;
    this.transport.forget(this);
    const queued = this.pending;
    this.pending = [];
    for (const [, observer] of queued)
      this.transport.reportError(observer, this.failure(err, 'SIP_ERR_CONNECT', 'could not connect'));
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
  }

  write(data: Buffer, observer: SendObserver | undefined): void {
    const t = this.transport;
    if (this.closing) {
      t.reportError(observer, this.failure(undefined, 'SIP_ERR_CONNECTION_CLOSED', 'is closed'));
      return;
    }
    if (!this.open) {
      this.pending.push([data, observer]);
      return;
    }
    if (this.socket.bufferedAmount > t.maxPendingWrite) {
      this.closing = true;
      this.socket.terminate();
      t.reportError(observer, this.failure(undefined, 'SIP_ERR_SEND', 'peer is not reading'));
      return;
    }
    t.stats.messagesOut++;
    this.messagesOut++;
    this.lastSent = Date.now();
    t.stats.bytesOut += data.length;
    // RFC 7118 §5: text frames for UTF-8 messages (what browsers and Kamailio send), binary
    // frames for a message whose body is not UTF-8 (a text frame must be valid UTF-8, RFC 6455 §5.6).
    this.socket.send(data, isUtf8(data), (err) => {
      if (err) t.reportError(observer, this.failure(err, 'SIP_ERR_CONNECTION_CLOSED', 'failed'));
    });
  }

  private failure(err: Error | undefined, code: TransportError['code'], what: string): TransportError {
    const s = this.source;
    const detail = err ? `: ${err.message}` : '';
    return new TransportError(
      code,
      `${this.transport.protocol} connection ${this.id} to ${s.remoteAddress}:${s.remotePort} ${what}${detail}`,
      err,
    );
  }
}
