/**
 * TCP for siptest (-t t1: one connection, -t tn: one per call; a server accepts connections and
 * answers on the one a request came in on), and TLS the same way over TLS sockets (-t l1/ln, the
 * material of tls.ts). Messages are framed by the core's StreamFramer (RFC 3261 §18.3
 * Content-Length framing).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import * as tls from 'node:tls';
import type { LoadgenTls } from './tls.js';
import { StreamFramer } from '../../core/transport/stream-framer.js';
import { DEFAULT_LIMITS } from '../../core/transport/types.js';
import { SippError, SippExit } from '../errors.js';
import type { CallSocket, Peer } from '../engine/types.js';

export type StreamHandler = (buf: Buffer, from: Peer, conn: StreamConn) => void;

/** A connection of a stream run (TCP, TLS, WebSocket): a call socket that tells when it closes. */
export interface StreamConn extends CallSocket {
  readonly closed: boolean;
  onClose?: (conn: StreamConn) => void;
}

export class TcpConn implements StreamConn {
  readonly transport: 'TCP' | 'TLS';
  localAddress: string;
  localPort: number;
  closed = false;
  private readonly framer: StreamFramer;
  onClose?: (conn: StreamConn) => void;

  constructor(
    readonly sock: Socket,
    readonly perCall: boolean,
    onMessage: StreamHandler,
  ) {
    this.transport = sock instanceof tls.TLSSocket ? 'TLS' : 'TCP';
    this.localAddress = sock.localAddress ?? '';
    this.localPort = sock.localPort ?? 0;
    const from: Peer = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
    this.framer = new StreamFramer(DEFAULT_LIMITS, {
      onFrame: (raw) => onMessage(raw, from, this),
      onPing: () => sock.write('\r\n'),
      onPong: () => {},
      onFramingError: () => sock.destroy(),
    });
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      if (!this.framer.push(d)) sock.destroy();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      this.closed = true;
      this.onClose?.(this);
    });
  }

  send(buf: Buffer): boolean {
    if (this.closed || this.sock.destroyed) return false;
    this.sock.write(buf);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.end();
    this.sock.destroySoon?.();
  }
}

export function connectTcp(
  peer: Peer,
  local: { address?: string; port?: number },
  perCall: boolean,
  onMessage: StreamHandler,
  secure?: LoadgenTls,
): Promise<TcpConn> {
  return new Promise((resolve, reject) => {
    const tcp = {
      host: peer.address,
      port: peer.port,
      localAddress: local.address,
      localPort: local.port || undefined,
    };
    const sock = secure
      ? tls.connect({ ...tcp, ...secure, rejectUnauthorized: secure.ca !== undefined })
      : connect(tcp);
    sock.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SippError(
          `Unable to connect a ${secure ? 'TLS' : 'TCP'} socket to ${peer.address}:${peer.port}, errno = ${err.code ?? ''} (${err.message})`,
          SippExit.FATAL,
        ),
      ),
    );
    sock.once(secure ? 'secureConnect' : 'connect', () => resolve(new TcpConn(sock, perCall, onMessage)));
  });
}

/** Listen like SIPp's main socket: -p, else 5060..5119, else any port. */
export async function listenTcp(
  address: string,
  port: number,
  onConn: (sock: Socket) => void,
  secure?: LoadgenTls,
): Promise<Server> {
  const tryPort = (p: number) =>
    new Promise<Server>((resolve, reject) => {
      // A client certificate is asked for only when -tls_ca can verify it.
      const server = secure
        ? tls
            .createServer({ ...secure, requestCert: secure.ca !== undefined }, onConn)
            .on('tlsClientError', (_e, s) => s.destroy())
        : createServer(onConn);
      server.once('error', reject);
      server.listen({ port: p, host: address, exclusive: true }, () => resolve(server));
    });
  if (port)
    return tryPort(port).catch((err: NodeJS.ErrnoException) => {
      throw new SippError(
        `Unable to bind main socket, errno = ${err.code === 'EADDRINUSE' ? 98 : 0} (${err.message})`,
        err.code === 'EADDRINUSE' ? SippExit.BIND : SippExit.FATAL,
      );
    });
  for (let p = 5060; p < 5120; p++) {
    try {
      return await tryPort(p);
    } catch {
      /* next */
    }
  }
  return tryPort(0);
}
