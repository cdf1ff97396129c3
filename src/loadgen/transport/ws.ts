/**
 * WebSocket for siptest (-t w1: one connection, -t wn: one per call; -wss over TLS with the
 * -tls_* material; RFC 7118: `sip` subprotocol, one SIP message per frame). The listening side
 * accepts upgrades on -ws_path and answers on the connection a request came in on, as TCP does
 * (tcp.ts); connections and their calls are managed by tcp-connections.ts for both.
 */
import type { Server } from 'node:net';
import type { WebSocket } from 'ws';
import { dialSip, frameBytes, startWsServer } from '../../wsnet/index.js';
import { SippError, SippExit } from '../errors.js';
import type { Peer } from '../engine/types.js';
import type { StreamConn, StreamHandler } from './tcp.js';
import type { LoadgenTls } from './tls.js';

/** Largest frame accepted (the core's default message limit). */
const MAX_FRAME = 65535;

export class WsConn implements StreamConn {
  readonly transport: 'WS' | 'WSS';
  closed = false;
  onClose?: (conn: StreamConn) => void;

  constructor(
    readonly ws: WebSocket,
    readonly perCall: boolean,
    secure: boolean,
    readonly localAddress: string,
    readonly localPort: number,
    from: Peer,
    onMessage: StreamHandler,
  ) {
    this.transport = secure ? 'WSS' : 'WS';
    ws.on('message', (d) => onMessage(frameBytes(d), from, this));
    ws.on('error', () => {});
    ws.on('close', () => {
      this.closed = true;
      this.onClose?.(this);
    });
  }

  send(buf: Buffer): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false;
    // RFC 7118 §5: a text frame for each message (siptest's scenarios are text).
    this.ws.send(buf, { binary: false });
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(1000, 'siptest done');
  }
}

/** Connect a WebSocket (`sip` subprotocol) to the peer. */
export function connectWs(
  peer: Peer,
  local: { address?: string },
  perCall: boolean,
  onMessage: StreamHandler,
  path: string,
  secure?: LoadgenTls,
): Promise<WsConn> {
  return new Promise((resolve, reject) => {
    const ws = dialSip(peer.address, peer.port, {
      secure: secure !== undefined,
      path,
      localAddress: local.address,
      maxPayload: MAX_FRAME,
      ...(secure
        ? { ca: secure.ca, cert: secure.cert, key: secure.key, rejectUnauthorized: secure.ca !== undefined }
        : {}),
    });
    ws.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SippError(
          `Unable to connect a ${secure ? 'WSS' : 'WS'} socket to ${peer.address}:${peer.port}, errno = ${err.code ?? ''} (${err.message})`,
          SippExit.FATAL,
        ),
      ),
    );
    ws.once('open', () => {
      const raw = (ws as unknown as { _socket: { localAddress?: string; localPort?: number } })._socket;
      resolve(
        new WsConn(ws, perCall, secure !== undefined, raw.localAddress ?? '', raw.localPort ?? 0, peer, onMessage),
      );
    });
  });
}

/** A WebSocket listening socket on address:port (0 = any) whose upgraded connections go to `onConn`. */
export async function listenWs(
  address: string,
  port: number,
  path: string,
  onConn: (c: WsConn) => void,
  onMessage: StreamHandler,
  secure?: LoadgenTls,
): Promise<Server> {
  const nop = () => {};
  const s = await startWsServer(
    { protocol: secure ? 'WSS' : 'WS', host: address, port },
    {
      path,
      allowedOrigins: [],
      maxPayload: MAX_FRAME,
      handshakeTimeout: 20_000,
      ...(secure ? { tls: { ...secure, requestCert: secure.ca !== undefined } } : {}),
    },
    {
      admit: () => true,
      release: nop,
      failed: nop,
      timedOut: nop,
      accepted: (ws, req) => {
        const sock = req.socket;
        const from = { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
        onConn(
          new WsConn(ws, false, secure !== undefined, sock.localAddress ?? '', sock.localPort ?? 0, from, onMessage),
        );
      },
    },
  ).catch((err: Error & { cause?: NodeJS.ErrnoException }) => {
    const inUse = err.cause?.code === 'EADDRINUSE';
    throw new SippError(
      `Unable to bind main socket, errno = ${inUse ? 98 : 0} (${err.message})`,
      inUse ? SippExit.BIND : SippExit.FATAL,
    );
  });
  return s.server;
}
