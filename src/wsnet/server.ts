/**
 * The HTTP(S) server of a SIP WebSocket listener (RFC 7118 over RFC 6455), built on node:http /
 * node:https and the `ws` library's WebSocketServer in noServer mode: this file decides who gets
 * upgraded (gate.ts), the `ws` library speaks the protocol. What happens to an upgraded socket is
 * the caller's (`hooks.accepted`: the core's WsTransport in sipd, siptest's own connections).
 *
 * Before the upgrade, every TCP connection is counted through `hooks.admit` (the caps hold from
 * the first byte), must be upgraded within `handshakeTimeout` ms (slowloris; `hooks.timedOut`),
 * and garbage instead of HTTP, a refused upgrade or a failed TLS handshake end it
 * (`hooks.failed`). Frames larger than `maxPayload` are closed by `ws` with 1009.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TlsOptions } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import { bindServer, type ListenSpec } from '../core/index.js';
import { plainHttpAnswer, refuseUpgrade, writeRefusal, type GateOptions } from './gate.js';

export interface UpgradeHooks {
  /** A new TCP connection from `ip`: false refuses it (destroyed at once). */
  admit(ip: string): boolean;
  /** An admitted TCP connection closed. */
  release(ip: string): void;
  /** Garbage, a refused upgrade or plain HTTP request, a failed TLS handshake. */
  failed(): void;
  /** Not upgraded within the deadline. */
  timedOut(): void;
  /** An upgraded WebSocket (subprotocol `sip`). */
  accepted(ws: WebSocket, req: IncomingMessage): void;
}

export interface WsServerOptions extends GateOptions {
  /** Largest frame accepted, in bytes (bigger: closed with 1009). */
  maxPayload: number;
  /** ms from the TCP connection to the upgrade (0 = no deadline). */
  handshakeTimeout: number;
  /** TLS server options for WSS (certificates, SNI); absent for WS. */
  tls?: TlsOptions;
}

export interface SipWsServer {
  readonly server: HttpServer | HttpsServer;
  /** Stop listening and destroy every connection not yet upgraded. */
  close(): Promise<void>;
}

const key = (s: { remoteAddress?: string | undefined; remotePort?: number | undefined }) =>
  `${s.remoteAddress ?? ''} ${s.remotePort ?? 0}`;

/** Create, bind and wire the server. */
export async function startWsServer(
  spec: ListenSpec,
  opts: WsServerOptions,
  hooks: UpgradeHooks,
): Promise<SipWsServer> {
  const server = opts.tls ? createHttpsServer(opts.tls) : createHttpServer();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  // TCP connections not yet upgraded, by remote address and port (the TLS socket of a WSS
  // upgrade is another object than its TCP socket, with the same addresses), with their deadline.
  const pending = new Map<string, { raw: Socket; deadline: NodeJS.Timeout | undefined }>();
  const upgraded = (s: Socket) => {
    const p = pending.get(key(s));
    if (p === undefined) return;
    clearTimeout(p.deadline);
    pending.delete(key(s));
  };
  const refuse = (socket: Duplex, r: Parameters<typeof writeRefusal>[1]) => {
    hooks.failed();
    writeRefusal(socket, r);
  };

  server.on('connection', (raw: Socket) => {
    const ip = raw.remoteAddress ?? '';
    if (!hooks.admit(ip)) {
      raw.destroy();
      return;
    }
    const k = key(raw);
    const deadline =
      opts.handshakeTimeout > 0
        ? setTimeout(() => {
            hooks.timedOut();
            raw.destroy();
          }, opts.handshakeTimeout).unref()
        : undefined;
    pending.set(k, { raw, deadline });
    raw.once('close', () => {
      const p = pending.get(k);
      if (p?.raw === raw) {
        clearTimeout(p.deadline);
        pending.delete(k);
      }
      hooks.release(ip);
    });
  });
  server.on('tlsClientError', (_err: Error, s: Socket) => {
    hooks.failed();
    s.destroy();
  });
  // Garbage instead of an HTTP request (or a header section that never ends): 400, closed.
  server.on('clientError', (_err: Error, socket: Duplex) => {
    // A socket destroyed already (the upgrade deadline, a reset) was counted, or is nothing to count.
    if (socket.destroyed) return;
    if (socket.writable) refuse(socket, { status: 400, reason: 'Bad Request' });
    else {
      hooks.failed();
      socket.destroy();
    }
  });
  server.on('request', (req: IncomingMessage, res) => {
    hooks.failed();
    const a = plainHttpAnswer(req, opts);
    res.writeHead(a.status, { Connection: 'close', 'Content-Type': 'text/plain', ...a.headers });
    res.end(`${a.status} ${a.reason}\n`);
  });
  wss.on('wsClientError', (err: Error, socket: Duplex) => refuse(socket, { status: 400, reason: err.message }));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const r = refuseUpgrade(req, opts);
    if (r !== undefined) return refuse(socket, r);
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded(socket as Socket);
      hooks.accepted(ws, req);
    });
  });
  await bindServer(server, spec);
  return {
    server,
    close: () => {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const p of pending.values()) p.raw.destroy();
      return done;
    },
  };
}
