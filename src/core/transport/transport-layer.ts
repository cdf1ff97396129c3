/**
 * The transport layer (RFC 3261 §18): a set of listeners (UDP and TCP, IPv4 and IPv6, any number
 * of addresses) behind one object that
 * - turns received bytes into messages: parsed, checked for what routing needs, a request's top
 *   Via stamped with `received`/`rport` (§18.2.1, RFC 3581), and handed to the user with their
 *   source; anything else is reported as a parse error with the raw bytes, never thrown;
 * - sends requests to a destination over the right listener (TCP: an open connection to that
 *   peer, else a new one) and responses where §18.2.2 says.
 *
 * siptest uses it directly; sipd puts the TransactionLayer on top of it.
 */
import { SipParseError } from '../errors.js';
import { ownString } from '../message/own-string.js';
import type { AnyMessage, SipRequest, SipResponse } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import { serialize } from '../message/serializer.js';
import { ipFamily, parseListenSpec, type ListenSpec } from './address.js';
import { TransportError } from './errors.js';
import { ConnectionLedger } from './connection-transport.js';
import { TcpTransport, type TcpOptions } from './tcp.js';
import { TlsTransport, type TlsOptions } from './tls.js';
import type {
  Destination,
  MessageSource,
  SendObserver,
  SendTarget,
  Transport,
  TransportLimits,
  TransportSink,
} from './types.js';
import { UdpTransport, type UdpOptions } from './udp.js';
import { checkRoutable, connectionAlias, responseRoute, stampReceived } from './via-routing.js';

/** What the transport layer delivers. */
export interface TransportLayerUser {
  /** A parsed message from `source`; a request's top Via already carries received/rport. */
  onMessage(msg: AnyMessage, source: MessageSource): void;
  /**
   * Bytes that are not a usable SIP message: unparseable, missing Via/CSeq/Call-ID/From/To, a
   * CSeq method that differs from the request's, or (streams) a framing failure, after which the
   * connection is closed. `msg` is set when the start line and header index parsed, so a server
   * can answer a request with `err.status` (400, 505, 513) or drop it.
   */
  onParseError?(err: SipParseError, raw: Buffer, source: MessageSource, msg: AnyMessage | undefined): void;
  /**
   * An exception thrown by onMessage/onParseError. Without this hook it is rethrown from a
   * microtask (an uncaught exception), after the transport has finished its own bookkeeping.
   */
  onError?(err: unknown): void;
}

export interface TransportLayerOptions {
  user?: TransportLayerUser;
  /** Limits for every listener (default 65535-byte messages, 16384-byte header sections). */
  limits?: Partial<TransportLimits>;
  udp?: UdpOptions;
  /**
   * Stream limits for every TCP and TLS listener (TLS listeners take these, then `tls` on top).
   */
  tcp?: TcpOptions;
  /** Certificates and TLS settings; required for a `tls:` (and a `wss:`) listener. */
  tls?: TlsOptions;
  /**
   * Listeners for protocols the core does not bind itself, by Via token: "WS" and "WSS" come
   * from src/wsnet (the `ws` library stays out of the core). A factory gets the spec, the stream
   * options every TCP/TLS listener gets (the shared ledger and limits), and `tls`.
   */
  listeners?: Partial<Record<string, ListenerFactory>>;
}

/** Makes a listener for a protocol bound outside the core (see TransportLayerOptions.listeners). */
export type ListenerFactory = (spec: ListenSpec, stream: TcpOptions, tls: TlsOptions | undefined) => Promise<Transport>;

const noUser: TransportLayerUser = { onMessage() {} };

/**
 * Keep the connection a message arrived on open for at least `forMs` from now, idle or not (see
 * Transport.keepConnection): a registrar calls it for a REGISTER over TCP, since the connection
 * is the way to the phone behind NAT while the registration lives (Kamailio likewise sets the
 * connection lifetime from the registration). No-op for datagrams.
 */
export function keepConnectionOf(source: MessageSource, forMs: number): void {
  if (source.connectionId !== undefined) source.transport.keepConnection(source.connectionId, forMs);
}

export class TransportLayer implements TransportSink {
  /** Receiver of messages; replaceable at any time (the TransactionLayer installs itself). */
  user: TransportLayerUser;
  private readonly list: Transport[] = [];
  private readonly opts: TransportLayerOptions;
  /** The connection caps hold for all TCP and TLS listeners together. */
  private readonly ledger = new ConnectionLedger();

  constructor(opts: TransportLayerOptions = {}) {
    this.opts = opts;
    this.user = opts.user ?? noUser;
  }

  /** Create a layer listening on every spec (`udp:127.0.0.1:5060`, `tcp:[::1]:0`...). */
  static async listen(specs: Array<string | ListenSpec>, opts: TransportLayerOptions = {}): Promise<TransportLayer> {
    const layer = new TransportLayer(opts);
    try {
      for (const s of specs) await layer.listen(s);
    } catch (e) {
      await layer.close();
      throw e;
    }
    return layer;
  }

  /** Open one more listener. Port 0 binds a free port: read it from the returned transport's localPort. */
  async listen(spec: string | ListenSpec): Promise<Transport> {
    const s = typeof spec === 'string' ? parseListenSpec(spec) : spec;
    const limits = this.opts.limits;
    const stream = { ledger: this.ledger, ...this.opts.tcp, limits: { ...limits, ...this.opts.tcp?.limits } };
    const t =
      s.protocol === 'UDP'
        ? await UdpTransport.listen(s, { ...this.opts.udp, limits: { ...limits, ...this.opts.udp?.limits } })
        : s.protocol === 'TCP'
          ? await TcpTransport.listen(s, stream)
          : s.protocol === 'TLS'
            ? await TlsTransport.listen(s, this.tlsOptions(stream))
            : await this.opts.listeners?.[s.protocol]?.(s, stream, this.opts.tls);
    if (t === undefined) throw new TransportError('SIP_ERR_BAD_ADDRESS', `Unsupported protocol ${s.protocol}`);
    return this.add(t);
  }

  /** A TLS listener's options: the stream limits, then the `tls` settings over them. */
  private tlsOptions(stream: TcpOptions): TlsOptions {
    const tls = this.opts.tls;
    if (tls === undefined)
      throw new TransportError('SIP_ERR_BAD_ADDRESS', 'A TLS listener needs a certificate and key (options.tls)');
    return { ...stream, ...tls, limits: { ...stream.limits, ...tls.limits } };
  }

  /** Adopt a transport built elsewhere (TLS, WebSocket, an in-memory transport in tests). */
  add<T extends Transport>(t: T): T {
    t.sink = this;
    this.list.push(t);
    return t;
  }

  get transports(): readonly Transport[] {
    return this.list;
  }

  /**
   * The listener for `protocol` ("UDP", "TCP") and address family (4, 6; 0 = a host name: IPv4
   * preferred), or undefined.
   */
  find(protocol: string, family: 0 | 4 | 6 = 4): Transport | undefined {
    const p = protocol.toUpperCase();
    let fallback: Transport | undefined;
    for (const t of this.list) {
      if (t.protocol !== p) continue;
      if (t.family === family || (family === 0 && t.family === 4)) return t;
      fallback ??= family === 0 ? t : undefined;
    }
    return fallback;
  }

  // ---- receiving ----------------------------------------------------------------------------

  /**
   * @internal TransportSink: one message's bytes from a transport. False when they were not a
   * usable message (the user has been told through onParseError, and may have answered 400).
   */
  receive(raw: Buffer, source: MessageSource): boolean {
    let msg: AnyMessage | undefined;
    try {
      msg = parseMessage(raw, { datagram: true });
      checkRoutable(msg);
      if (msg.isRequest) {
        stampReceived(msg, source);
        if (source.connectionId !== undefined) this.alias(msg, source);
      }
    } catch (e) {
      this.reportParseError(e, raw, source, msg);
      return false;
    }
    try {
      this.user.onMessage(msg, source);
    } catch (e) {
      this.userError(e);
    }
    return true;
  }

  /** RFC 5923: a request with `;alias` in its top Via makes its connection the way to its sent-by. */
  private alias(req: SipRequest, source: MessageSource): void {
    const a = source.transport.aliasConnection === undefined ? undefined : connectionAlias(req, source);
    if (a !== undefined) source.transport.aliasConnection!(source.connectionId!, a.address, a.port);
  }

  /** @internal TransportSink: a stream could not be framed (the transport closes the connection). */
  framingError(err: SipParseError, raw: Buffer, source: MessageSource): void {
    this.reportParseError(err, raw, source, undefined);
  }

  private reportParseError(e: unknown, raw: Buffer, source: MessageSource, msg: AnyMessage | undefined): void {
    source.transport.stats.parseErrors++;
    // Anything but a SipParseError is a parser bug; the peer still gets a 400 rather than a crash.
    // (SipParseError keeps its reason one printable line, fit for a reason phrase.)
    const err =
      e instanceof SipParseError ? e : new SipParseError('SIP_ERR_HEADER_LINE', 'Malformed message', { status: 400 });
    try {
      this.user.onParseError?.(err, raw, source, msg);
    } catch (x) {
      this.userError(x);
    }
  }

  private userError(e: unknown): void {
    if (this.user.onError) this.user.onError(e);
    else
      queueMicrotask(() => {
        throw e;
      });
  }

  // ---- sending -------------------------------------------------------------------------------

  /** Resolve a request destination to a transport (throws TransportError SIP_ERR_NO_TRANSPORT). */
  targetForRequest(dest: Destination): SendTarget {
    const transport = dest.transport ?? this.pick(dest.protocol ?? 'UDP', dest.address);
    // A client transaction keeps its target until it ends: not a slice of a message's text.
    const address = ownString(dest.address);
    const t = { transport, address, port: dest.port, connectionId: dest.connectionId };
    return dest.serverName === undefined ? t : { ...t, serverName: dest.serverName };
  }

  /**
   * Where a response goes (RFC 3261 §18.2.2, RFC 3581 §4). With the source of the request it
   * answers (a server transaction's request, a stateless reply), the arrival decides: the
   * response leaves over the transport the request came in on (its connection while open, the
   * socket it arrived on), whatever transport the Via names; see responseRoute. Without a source
   * (a stateless proxy relaying a response) the top Via alone decides.
   */
  targetForResponse(res: SipResponse, requestSource?: MessageSource): SendTarget {
    const via = res.topVia();
    if (via === undefined) throw new TransportError('SIP_ERR_BAD_ADDRESS', 'Response has no Via');
    const r = responseRoute(via, requestSource);
    const t = requestSource?.transport;
    const fam = ipFamily(r.address);
    const transport =
      t !== undefined && t.protocol === r.protocol && (fam === 0 || t.family === fam)
        ? t
        : this.pick(r.protocol, r.address);
    // A server transaction keeps its target until it ends: not a slice of the request's Via.
    return { transport, address: ownString(r.address), port: r.port, connectionId: r.connectionId };
  }

  /** Send bytes to a resolved target; failures go to `observer`. */
  send(data: Buffer, target: SendTarget, observer?: SendObserver): void {
    target.transport.send(data, target.address, target.port, target.connectionId, observer, target.serverName);
  }

  /** Serialize and send a request statelessly (an ACK for a 2xx, a stateless proxy's relay). */
  sendRequest(req: SipRequest, dest: Destination, observer?: SendObserver): SendTarget {
    const target = this.targetForRequest(dest);
    this.send(serialize(req), target, observer);
    return target;
  }

  /** Serialize and send a response statelessly per §18.2.2 (a stateless 400, a proxied 2xx). */
  sendResponse(res: SipResponse, requestSource?: MessageSource, observer?: SendObserver): SendTarget {
    const target = this.targetForResponse(res, requestSource);
    this.send(serialize(res), target, observer);
    return target;
  }

  /** Close every listener and connection. */
  async close(): Promise<void> {
    const all = this.list.splice(0);
    await Promise.all(all.map((t) => t.close()));
  }

  private pick(protocol: string, address: string): Transport {
    const fam = ipFamily(address);
    let t = this.find(protocol, fam);
    // A URI's transport=ws names WS and WSS alike (RFC 7118 §5.2): a WSS listener serves it.
    if (t === undefined && protocol.toUpperCase() === 'WS') t = this.find('WSS', fam);
    if (t === undefined || (fam !== 0 && t.family !== fam))
      throw new TransportError(
        'SIP_ERR_NO_TRANSPORT',
        `No ${protocol.toUpperCase()} listener for ${fam === 6 ? 'IPv6' : fam === 4 ? 'IPv4' : 'host'} destination ${address}`,
      );
    return t;
  }
}
