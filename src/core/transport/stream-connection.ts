/**
 * One connection of a stream transport (TCP, TLS; the socket is a net.Socket or a TLSSocket,
 * which extends it): Content-Length framing (stream-framer.ts), CRLF keep-alives, the message
 * deadline, the idle timeout, keepConnection, and the close after a bad message. The transports
 * differ only in how a socket is made (stream-transport.ts and its subclasses); what happens on
 * an open connection is the same for all of them.
 */
import type { Socket } from 'node:net';
import { normalizeIp } from './address.js';
import { TransportError } from './errors.js';
import { StreamFramer, type FrameHandler } from './stream-framer.js';
import type {
  MessageSource,
  SendObserver,
  Transport,
  TransportLimits,
  TransportSink,
  TransportStats,
} from './types.js';
import type { SipParseError } from '../errors.js';

/** What a connection needs from its transport. */
export interface StreamOwner extends Transport {
  readonly limits: TransportLimits;
  readonly stats: TransportStats;
  readonly sink: TransportSink;
  readonly maxPendingWrite: number;
  readonly idleTimeout: number;
  readonly messageTimeout: number;
  reportError(observer: SendObserver | undefined, err: TransportError): void;
}

const CRLF = Buffer.from('\r\n', 'latin1');
/** How long a connection closed after a bad message may still take to deliver our 400 (then destroyed). */
const LINGER_MS = 2000;
let nextConnectionId = 1;
let connectionIdStep = 1;

/**
 * Number this process's stream connections `first`, `first + step`, ... (default 1, 2, 3...).
 * Processes sharing listeners give each other disjoint sequences, so a connection id stored with
 * a registration names one connection of one process: the process owning it is `id % step` when
 * every one starts at its own residue. Ids stay below 2^53 (exact in a double).
 */
export function setConnectionIdSpace(first: number, step: number): void {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(step) || first < 1 || step < 1)
    throw new RangeError('connection ids: first and step must be positive integers');
  nextConnectionId = first;
  connectionIdStep = step;
}

/**
 * A new connection id, unique across every stream transport of the process (TCP, TLS, WS, WSS):
 * a registrar indexes bindings by connection id alone. With workers, unique across processes too.
 */
export function newConnectionId(): number {
  const id = nextConnectionId;
  nextConnectionId += connectionIdStep;
  return id;
}

export class StreamConnection implements FrameHandler {
  readonly id = newConnectionId();
  readonly framer: StreamFramer;
  source: MessageSource;
  /** "address port" keys under which the transport finds this connection for sending */
  readonly keys: string[] = [];
  /** those of the keys that are RFC 5923 aliases (the rest are its remote address) */
  readonly aliases: string[] = [];
  /** The socket's last error (a failed connect reports ECONNREFUSED here, not to write callbacks). */
  lastError: Error | undefined;
  /** false while an outbound connection is still connecting (TLS: until the handshake is done) */
  connected = true;
  /** frames delivered so far (a new message started when it moved during a read) */
  frames = 0;
  /** Date.now() until which an idle connection stays open (keepConnection) */
  keptUntil = 0;
  /** the message deadline (slowloris), armed while a message is incomplete */
  deadline: NodeJS.Timeout | undefined;
  /** closing after a bad message: further data is discarded */
  closing = false;
  /** the peer connected to us (false: we opened it) */
  inbound = true;
  readonly openedAt = Date.now();
  /** Date.now() of the last traffic either way (for listings; the idle timeout is the socket's own) */
  lastActivity = this.openedAt;
  messagesIn = 0;
  messagesOut = 0;

  constructor(
    readonly transport: StreamOwner,
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
      protocol: this.transport.protocol,
      localAddress: normalizeIp(this.socket.localAddress ?? this.transport.localAddress),
      localPort: this.socket.localPort ?? this.transport.localPort,
      remoteAddress,
      remotePort,
      connectionId: this.id,
    };
  }

  onFrame(raw: Buffer): void {
    this.frames++;
    this.messagesIn++;
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
    this.lastActivity = Date.now();
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
    const name = `${t.protocol} connection ${this.id}`;
    if (this.socket.destroyed) {
      t.reportError(observer, new TransportError('SIP_ERR_CONNECTION_CLOSED', `${name} is closed`));
      return;
    }
    if (this.socket.writableLength > t.maxPendingWrite) {
      this.socket.destroy();
      t.reportError(observer, new TransportError('SIP_ERR_SEND', `${name}: peer is not reading`));
      return;
    }
    t.stats.messagesOut++;
    this.messagesOut++;
    this.lastActivity = Date.now();
    t.stats.bytesOut += data.length;
    // A TLSSocket buffers writes made before its handshake ends and sends them after it.
    if (observer === undefined) this.socket.write(data);
    else
      this.socket.write(data, (err) => {
        if (err) t.reportError(observer, this.sendError(this.lastError ?? err));
      });
  }

  /** A failed write: SIP_ERR_CONNECT when the connection never came up (refused, unreachable, handshake). */
  private sendError(err: Error): TransportError {
    const s = this.source;
    return new TransportError(
      this.connected ? 'SIP_ERR_CONNECTION_CLOSED' : 'SIP_ERR_CONNECT',
      `${this.transport.protocol} to ${s.remoteAddress}:${s.remotePort} failed: ${err.message}`,
      err,
    );
  }
}
