/**
 * The seam between sipd's lifecycle and the SIP transport. The server binds its listeners through
 * a SipTransport and reports the addresses it returns (port 0 → the real port).
 *
 * NodeSocketTransport binds plain node:dgram / node:net sockets and hands raw datagrams and TCP
 * connections to whoever listens to its events. It stands in until the core transport layer
 * (src/core/transport, which frames TCP streams and applies RFC 3581 received/rport) is wired in
 * through `SipdServerOptions.transport`.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP, createServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import type { BoundAddress, ListenSpec } from './config/listen.js';
import { formatListen } from './config/listen.js';
import type { SipdConfig } from './config/load.js';
import type { Logger } from './log.js';
import type { StatsRegistry } from './stats.js';

export interface SipTransport {
  /** Binds every spec; resolves with what was bound. Rejects (after closing what it bound) on failure. */
  listen(specs: readonly ListenSpec[]): Promise<BoundAddress[]>;
  /** Stops taking new TCP connections; datagrams and open connections still flow (draining). */
  stopAccepting(): void;
  /** Closes every socket. Idempotent. */
  close(): Promise<void>;
}

export interface TransportContext {
  log: Logger;
  config: SipdConfig;
  stats: StatsRegistry;
}

export type TransportFactory = (ctx: TransportContext) => SipTransport;

/** A bind failure, with the listen address it concerns. */
export class ListenError extends Error {
  constructor(
    readonly listen: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    const why: Record<string, string> = {
      EADDRINUSE: 'address already in use (another SIP server is listening there)',
      EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
      EADDRNOTAVAIL: 'address not available on this host',
      ENOTFOUND: 'host name not found',
    };
    super(`cannot listen on ${listen}: ${why[cause.code ?? ''] ?? cause.message}`);
  }
}

export interface NodeSocketEvents {
  datagram: [msg: Buffer, rinfo: RemoteInfo, local: BoundAddress, socket: UdpSocket];
  connection: [socket: TcpSocket, local: BoundAddress];
}

export class NodeSocketTransport extends EventEmitter<NodeSocketEvents> implements SipTransport {
  private readonly udp: UdpSocket[] = [];
  private readonly tcp: TcpServer[] = [];
  private readonly conns = new Set<TcpSocket>();
  private closing?: Promise<void>;

  constructor(private readonly log: Logger) {
    super();
  }

  async listen(specs: readonly ListenSpec[]): Promise<BoundAddress[]> {
    const bound: BoundAddress[] = [];
    try {
      for (const spec of specs) {
        try {
          bound.push(spec.proto === 'udp' ? await this.bindUdp(spec) : await this.bindTcp(spec));
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (spec.optional && ['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT'].includes(err.code ?? '')) {
            this.log.warn({ listen: formatListen(spec), code: err.code }, 'skipping optional listener (no IPv6?)');
            continue;
          }
          throw new ListenError(formatListen(spec), err);
        }
      }
    } catch (e) {
      await this.close();
      throw e;
    }
    return bound;
  }

  stopAccepting(): void {
    for (const s of this.tcp) s.close();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const waits: Promise<void>[] = [];
      for (const s of this.udp) waits.push(new Promise<void>((r) => s.close(() => r())));
      for (const s of this.tcp) waits.push(new Promise<void>((r) => (s.listening ? s.close(() => r()) : r())));
      for (const c of this.conns) c.destroy();
      await Promise.all(waits);
    })();
    return this.closing;
  }

  private async family(host: string): Promise<{ address: string; family: 4 | 6 }> {
    const v = isIP(host);
    if (v) return { address: host, family: v as 4 | 6 };
    const r = await lookup(host);
    return { address: r.address, family: r.family as 4 | 6 };
  }

  private async bindUdp(spec: ListenSpec): Promise<BoundAddress> {
    const { address, family } = await this.family(spec.host);
    // ipv6Only lets [::] and 0.0.0.0 share a port, each with its own socket.
    const sock = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6 });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address, port: spec.port, exclusive: true }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    this.udp.push(sock);
    const a = sock.address();
    const local: BoundAddress = { proto: 'udp', host: a.address, port: a.port, family: family === 6 ? 'IPv6' : 'IPv4' };
    sock.on('message', (msg, rinfo) => this.emit('datagram', msg, rinfo, local, sock));
    sock.on('error', (err) => this.log.error({ err, listen: formatListen(local) }, 'UDP socket error'));
    return local;
  }

  private async bindTcp(spec: ListenSpec): Promise<BoundAddress> {
    const { address, family } = await this.family(spec.host);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: spec.port, ipv6Only: family === 6, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.tcp.push(server);
    const a = server.address() as { address: string; port: number };
    const local: BoundAddress = { proto: 'tcp', host: a.address, port: a.port, family: family === 6 ? 'IPv6' : 'IPv4' };
    server.on('connection', (s) => {
      this.conns.add(s);
      s.on('close', () => this.conns.delete(s));
      s.on('error', () => {});
      if (this.listenerCount('connection') === 0) s.destroy();
      else this.emit('connection', s, local);
    });
    server.on('error', (err) => this.log.error({ err, listen: formatListen(local) }, 'TCP listener error'));
    return local;
  }
}
