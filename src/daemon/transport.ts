/**
 * The seam between sipd's lifecycle and the SIP transport. The server creates its SipTransport
 * before the modules' init hooks (so they can attach to it), binds the listeners through it, and
 * reports the addresses it returns (port 0 → the real port).
 *
 * The default, CoreSipTransport, is the core's TransportLayer (src/core/transport): UDP and TCP
 * listeners, Content-Length framing, RFC 3581 received/rport, connection reuse. The SIP modules
 * install their receiver on `layer.user` (the TransactionLayer puts itself there) and send
 * through it.
 */
import {
  TlsTransport,
  TransportLayer,
  WsTransport,
  type TlsCredentials,
  type TransportError,
  type WatchedQueue,
} from '../core/index.js';
import { wsListeners } from '../wsnet/index.js';
import { tlsOptionsOf, type TlsSection } from './config/tls-files.js';
import type { SipdConfig } from './config/load.js';
import {
  formatListen,
  needsCertificates,
  toCoreListenSpec,
  type BoundAddress,
  type ListenSpec,
} from './config/listen.js';
import type { Logger } from './log.js';
import type { StatsRegistry } from './stats.js';

export interface SipTransport {
  /** The core transport layer, for modules to receive and send SIP (absent in test doubles). */
  readonly layer?: TransportLayer;
  /** Binds every spec; resolves with what was bound. Rejects (after closing what it bound) on failure. */
  listen(specs: readonly ListenSpec[]): Promise<BoundAddress[]>;
  /** Draining has begun: the transport may refuse new connections (the SIP layer answers 503 anyway). */
  stopAccepting(): void;
  /** Closes every socket and connection. Idempotent. */
  close(): Promise<void>;
  /**
   * Re-read the [tls] certificate files and swap them into the TLS and WSS listeners (SIGHUP): new
   * handshakes use them, established connections keep theirs. Returns the number of listeners
   * updated; throws (changing nothing) when a file is missing or a key does not match.
   */
  reloadCertificates?(): number;
  /** The [tls] certificates in use (tls.list), undefined when no TLS listener needed them. */
  loadedTls?(): LoadedTls | undefined;
  /**
   * Queues besides the UDP listeners where received messages wait, for the overload control to
   * watch (a worker's peer channel: what other workers hand it). None when absent.
   */
  watchedQueues?(): readonly WatchedQueue[];
}

/** Certificates as the TLS listeners got them: at start, or at the last successful reload. */
export interface LoadedTls {
  readonly loadedMs: number;
  readonly section: TlsSection;
  readonly credentials: TlsCredentials;
  /** TLS listeners using them. */
  readonly listeners: number;
}

export interface TransportContext {
  log: Logger;
  config: SipdConfig;
  stats: StatsRegistry;
}

export type TransportFactory = (ctx: TransportContext) => SipTransport;

const WHY: Record<string, string> = {
  EADDRINUSE: 'address already in use (another SIP server is listening there)',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'address not available on this host',
  EAFNOSUPPORT: 'address family not supported on this host',
};

/** A bind failure, with the listen address it concerns. */
export class ListenError extends Error {
  readonly errno: string | undefined;
  constructor(
    readonly listen: string,
    err: Error,
  ) {
    const errno = errnoOf(err);
    super(`cannot listen on ${listen}: ${WHY[errno ?? ''] ?? err.message}`);
    this.errno = errno;
  }
}

/** Address errors that skip an optional listener (the zero-config IPv6 ones) on a host without that family. */
const SKIP_OPTIONAL = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

/** Whether `err`, binding `spec`, means skipping it rather than failing the start. */
export function skipsOptional(spec: ListenSpec, err: Error): boolean {
  return spec.optional === true && SKIP_OPTIONAL.has(errnoOf(err) ?? '');
}

function errnoOf(err: Error): string | undefined {
  const own = (err as NodeJS.ErrnoException).code;
  if (own && !own.startsWith('SIP_ERR')) return own;
  return ((err as TransportError).cause as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Bytes asked for each UDP listener's receive buffer (Linux doubles it and charges ~1,280 bytes
 * of it per REGISTER-sized datagram on loopback). The kernel's queue is the one queue sipd cannot
 * see, so it is kept short: 512 KiB holds ~800 datagrams, ~160 ms of sipd's highest rate, enough
 * for a GC pause; 4 MiB held ~6,500, over a second (several under a CPU-starved host), so under
 * overload every request sipd read was older than the clients' T1 (500 ms) and had been
 * retransmitted: the REGISTER spiral of issue 14. Past it the kernel drops what sipd could not
 * have answered in time anyway, at no cost to sipd.
 */
const UDP_RECV_BUFFER = 512 * 1024;
/**
 * With overload control off (limits.overload_backlog_ms = 0) the buffer stays as large as before
 * issue 14: nothing else then bounds a burst, and the operator chose to queue rather than refuse
 * (a 12,000-REGISTER burst at 2,500/s on a busy host lost requests for good in a 512 KiB one).
 */
const UDP_RECV_BUFFER_UNCONTROLLED = 4 * 1024 * 1024;

/** The core transport layer behind the SipTransport seam. */
export class CoreSipTransport implements SipTransport {
  readonly layer: TransportLayer;
  private closing?: Promise<void>;
  private tls?: Omit<LoadedTls, 'listeners'>;

  constructor(
    private readonly ctx: TransportContext,
    /** UDP sockets bound by a parent process, by listener text (sipd's workers: shared-udp.ts). */
    private readonly inheritedUdp: ReadonlyMap<string, number> = new Map(),
  ) {
    // limits.max_message_size: larger datagrams, and stream messages announcing more, get 513.
    // A large UDP receive buffer rides out event-loop pauses (GC, a busy host) under load without
    // dropping datagrams (the kernel caps it at net.core.rmem_max; Kamailio's maxbuffer does likewise).
    const tcp = ctx.config.tcp;
    // Certificates are read only when a TLS or WSS listener needs them (loadConfig has checked them).
    const wantsTls = ctx.config.listen.some(needsCertificates);
    const tls = wantsTls ? tlsOptionsOf(ctx.config.tls) : undefined;
    if (tls !== undefined) this.tls = { loadedMs: Date.now(), section: ctx.config.tls, credentials: tls.credentials };
    const ws = ctx.config.websocket;
    const overloadControl = ctx.config.limits.overload_backlog_ms > 0;
    this.layer = new TransportLayer({
      ...(tls !== undefined ? { tls } : {}),
      listeners: wsListeners({
        path: ws.path,
        allowedOrigins: ws.allowed_origins,
        pingInterval: ws.ping_interval * 1000,
      }),
      limits: { maxMessageSize: ctx.config.limits.max_message_size },
      // The UDP backlog is read only by the overload control, which also wants a short kernel queue.
      udp: {
        recvBufferSize: overloadControl ? UDP_RECV_BUFFER : UDP_RECV_BUFFER_UNCONTROLLED,
        trackBacklog: overloadControl,
      },
      tcp: {
        maxConnections: tcp.max_connections,
        maxConnectionsPerIp: tcp.max_connections_per_ip,
        idleTimeout: tcp.idle_timeout * 1000,
        messageTimeout: tcp.message_timeout * 1000,
      },
    });
  }

  async listen(specs: readonly ListenSpec[]): Promise<BoundAddress[]> {
    const bound: BoundAddress[] = [];
    try {
      for (const spec of specs) {
        try {
          const fd = spec.proto === 'udp' ? this.inheritedUdp.get(formatListen(spec)) : undefined;
          const t = await this.layer.listen({ ...toCoreListenSpec(spec), fd });
          bound.push({
            proto: spec.proto,
            host: t.localAddress,
            port: t.localPort,
            family: t.family === 6 ? 'IPv6' : 'IPv4',
          });
        } catch (e) {
          if (skipsOptional(spec, e as Error)) {
            const code = errnoOf(e as Error);
            this.ctx.log.warn({ listen: formatListen(spec), code }, 'skipping optional listener (no IPv6?)');
            continue;
          }
          throw new ListenError(formatListen(spec), e as Error);
        }
      }
    } catch (e) {
      await this.close();
      throw e;
    }
    this.registerStats();
    return bound;
  }

  /**
   * The core's TCP listener has no "stop accepting, keep connections" switch; new connections are
   * still accepted while draining and their requests get 503 from the SIP layer (server.accepting).
   */
  stopAccepting(): void {}

  close(): Promise<void> {
    this.closing ??= this.layer.close();
    return this.closing;
  }

  reloadCertificates(): number {
    const listeners = this.tlsListeners();
    if (listeners.length === 0) return 0;
    const { credentials } = tlsOptionsOf(this.ctx.config.tls);
    for (const t of listeners) t.setCredentials(credentials);
    this.tls = { loadedMs: Date.now(), section: this.ctx.config.tls, credentials };
    return listeners.length;
  }

  loadedTls(): LoadedTls | undefined {
    if (this.tls === undefined) return undefined;
    return { ...this.tls, listeners: this.tlsListeners().length };
  }

  /** The listeners with [tls] certificates: tls: and wss:. */
  private tlsListeners(): Array<TlsTransport | WsTransport> {
    return this.layer.transports.filter(
      (t): t is TlsTransport | WsTransport =>
        t instanceof TlsTransport || (t instanceof WsTransport && t.protocol === 'WSS'),
    );
  }

  /** `net.*` gauges read from the transports' own counters at fetch time (nothing on the hot path). */
  private registerStats(): void {
    const sum = (pick: (s: ReturnType<typeof this.statsOf>[number]) => number) => () =>
      this.statsOf().reduce((n, s) => n + pick(s), 0);
    const g = (name: string, read: () => number, help: string) => this.ctx.stats.gauge('net', name, read, help);
    g(
      'messages_in',
      sum((s) => s.stats.messagesIn),
      'SIP messages received, all listeners',
    );
    g(
      'messages_out',
      sum((s) => s.stats.messagesOut),
      'SIP messages sent, all listeners',
    );
    g(
      'bytes_in',
      sum((s) => s.stats.bytesIn),
      'bytes received',
    );
    g(
      'bytes_out',
      sum((s) => s.stats.bytesOut),
      'bytes sent',
    );
    g(
      'parse_errors',
      sum((s) => s.stats.parseErrors),
      'messages that could not be parsed or framed',
    );
    g(
      'keepalives',
      sum((s) => s.stats.keepAlives),
      'CRLF/STUN keep-alives received',
    );
    g(
      'send_errors',
      sum((s) => s.stats.sendErrors),
      'failed sends',
    );
    g(
      'tcp_connections',
      sum((s) => (s.reliable ? s.connectionCount : 0)),
      'open TCP connections, TLS ones included (the caps of [tcp] count them together)',
    );
    this.registerPerProtocol(g);
    g(
      'tls_handshake_failures',
      sum((s) => (s.protocol === 'TLS' ? s.stats.handshakeFailures : 0)),
      'TLS connections closed for a failed handshake (garbage or plain text, an old version, a bad client certificate)',
    );
    g(
      'ws_connections',
      sum((s) => (s.protocol === 'WS' || s.protocol === 'WSS' ? s.connectionCount : 0)),
      'open WebSocket connections (ws: and wss:; counted in net.tcp_connections too)',
    );
    g(
      'ws_upgrade_failures',
      sum((s) => (s.protocol === 'WS' || s.protocol === 'WSS' ? s.stats.handshakeFailures : 0)),
      'WebSocket listener connections closed before the upgrade: plain HTTP (426/404), a foreign Origin (403), no sip subprotocol (400), garbage, a failed TLS handshake',
    );
    g(
      'tcp_cutoffs',
      sum((s) => s.stats.cutOffs),
      'TCP connections closed for breaking size limits',
    );
    g(
      'tcp_closed_bad',
      sum((s) => s.stats.badCloses),
      'TCP connections closed after an unparseable message (answered 400 when it was a request)',
    );
    g(
      'tcp_closed_slow',
      sum((s) => s.stats.slowCloses),
      'TCP connections closed for a message not complete within tcp.message_timeout',
    );
    g(
      'tcp_closed_idle',
      sum((s) => s.stats.idleCloses),
      'TCP connections closed after tcp.idle_timeout without traffic',
    );
    g(
      'tcp_refused_max',
      sum((s) => s.stats.refusedMax),
      'inbound TCP connections closed at once: tcp.max_connections open',
    );
    g(
      'tcp_refused_per_ip',
      sum((s) => s.stats.refusedPerIp),
      'inbound TCP connections closed at once: tcp.max_connections_per_ip open from that address',
    );
  }

  /**
   * net.<proto>_open, _opened, _closed for each stream transport listening (tcp, tls; more as
   * they come): the connection counts per transport (sipctl ps shows them per listener).
   */
  private registerPerProtocol(g: (name: string, read: () => number, help: string) => void): void {
    const protos = new Set(
      this.statsOf()
        .filter((t) => t.reliable)
        .map((t) => t.protocol),
    );
    for (const p of protos) {
      const mine = () => this.statsOf().filter((t) => t.protocol === p);
      const sum = (pick: (t: ReturnType<typeof mine>[number]) => number) => () =>
        mine().reduce((n, t) => n + pick(t), 0);
      const name = p.toLowerCase();
      g(
        `${name}_open`,
        sum((t) => t.connectionCount),
        `open ${p} connections`,
      );
      g(
        `${name}_opened`,
        sum((t) => t.stats.connectionsOpened),
        `${p} connections opened (inbound and outbound)`,
      );
      g(
        `${name}_closed`,
        sum((t) => t.stats.connectionsClosed),
        `${p} connections closed`,
      );
    }
  }

  private statsOf() {
    return this.layer.transports;
  }
}
