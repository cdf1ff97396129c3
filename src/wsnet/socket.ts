/**
 * A `ws` WebSocket as the core's WsSocket, its events delivered to a core WsHandler, and
 * outbound SIP WebSockets (sipd to a ws:/wss: next hop, siptest's client side).
 */
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import { WebSocket, type RawData } from 'ws';
import { hostForUri, type WsEndpoints, type WsHandler, type WsSocket } from '../core/index.js';

/** The core's view of a `ws` WebSocket. */
export function adapt(ws: WebSocket): WsSocket {
  return {
    send: (data, text, cb) => ws.send(data, { binary: !text }, cb),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    ping: () => ws.ping(),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}

/** One frame's bytes (ws hands a Buffer, or a list of them for a fragmented message). */
export function frameBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Deliver the WebSocket's events to `h`. */
export function wire(ws: WebSocket, h: WsHandler): void {
  let failure: Error | undefined;
  ws.on('message', (data) => h.onFrame(frameBytes(data)));
  ws.on('pong', () => h.onPong());
  ws.on('open', () => h.onOpen());
  ws.on('error', (err: Error & { code?: string }) => {
    failure = err;
    // ws closes the connection itself: 1009 for a frame over maxPayload, 1002/1007 for a broken frame.
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') h.onTooBig();
    else if (err.code?.startsWith('WS_ERR_')) h.onProtocolError();
  });
  ws.on('close', () => h.onClosed(failure));
}

/** The addresses of an upgraded connection's TCP socket. */
export function endpointsOf(s: Partial<Socket>): WsEndpoints {
  return {
    remoteAddress: s.remoteAddress ?? '',
    remotePort: s.remotePort ?? 0,
    localAddress: s.localAddress ?? '',
    localPort: s.localPort ?? 0,
  };
}

export interface DialOptions {
  secure: boolean;
  /** Request path (default "/"). */
  path?: string;
  localAddress?: string | undefined;
  family?: 4 | 6;
  maxPayload: number;
  handshakeTimeout?: number;
  /** WSS: our client context (certificate offered if asked) and whether to verify the server. */
  secureContext?: SecureContext;
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  rejectUnauthorized?: boolean;
}

/** Open a WebSocket with the `sip` subprotocol to host:port (ws fails it unless the server picks `sip`). */
export function dialSip(host: string, port: number, o: DialOptions): WebSocket {
  const url = `${o.secure ? 'wss' : 'ws'}://${hostForUri(host)}:${port}${o.path ?? '/'}`;
  return new WebSocket(url, 'sip', {
    maxPayload: o.maxPayload,
    perMessageDeflate: false,
    handshakeTimeout: o.handshakeTimeout || undefined,
    localAddress: o.localAddress,
    family: o.family,
    ...(o.secure
      ? {
          secureContext: o.secureContext,
          ca: o.ca,
          cert: o.cert,
          key: o.key,
          rejectUnauthorized: o.rejectUnauthorized ?? false,
        }
      : {}),
  });
}
