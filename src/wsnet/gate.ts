/**
 * What an HTTP request to a SIP WebSocket listener gets before any WebSocket exists:
 * - an upgrade on another path: 404; from an Origin not in the allow-list: 403 (RFC 6455 §4.2.2
 *   point 4 / §10.2: the server decides on the Origin a browser sends; a non-browser client may
 *   omit it and is let through); without the `sip` subprotocol: 400 (RFC 7118 §4.1 makes `sip`
 *   the subprotocol of SIP over WebSocket; a handshake that does not ask for it is not one this
 *   server can serve, and RFC 6455 §4.2.1 answers a handshake it cannot accept with an HTTP error
 *   such as 400 Bad Request, rather than an upgrade the client would fail anyway);
 * - a plain HTTP request: 426 Upgrade Required on the WebSocket path (RFC 7231 §6.5.15, with
 *   `Upgrade: websocket`), 404 elsewhere. Never a hang.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export interface GateOptions {
  /** The upgrade path ("/" by default). */
  path: string;
  /** Origins allowed to upgrade ("https://phone.example.com"); empty = every origin. */
  allowedOrigins: readonly string[];
}

export interface Refusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

/** The path of a request target, without its query. */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The subprotocols a handshake asks for (Sec-WebSocket-Protocol, comma-separated tokens). */
export function requestedProtocols(req: IncomingMessage): string[] {
  const v = req.headers['sec-websocket-protocol'];
  if (v === undefined) return [];
  return v.split(',').map((p) => p.trim().toLowerCase());
}

/** Why an upgrade request is refused, or undefined when it may go ahead. */
export function refuseUpgrade(req: IncomingMessage, opts: GateOptions): Refusal | undefined {
  if (pathOf(req) !== opts.path) return { status: 404, reason: 'Not Found' };
  const origin = req.headers.origin;
  if (origin !== undefined && opts.allowedOrigins.length > 0 && !opts.allowedOrigins.includes(origin))
    return { status: 403, reason: 'Forbidden: origin not allowed' };
  if (!requestedProtocols(req).includes('sip'))
    return { status: 400, reason: 'Bad Request: the sip subprotocol is required (RFC 7118)' };
  return undefined;
}

/** The answer to a plain (non-upgrade) HTTP request. */
export function plainHttpAnswer(req: IncomingMessage, opts: GateOptions): Refusal {
  if (pathOf(req) !== opts.path) return { status: 404, reason: 'Not Found' };
  return {
    status: 426,
    reason: 'Upgrade Required',
    headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'sip' },
  };
}

/** Write a refusal as a complete HTTP/1.1 response on a raw socket and close it. */
export function writeRefusal(socket: Duplex, r: Refusal): void {
  const body = `${r.status} ${r.reason}\n`;
  const headers = {
    Connection: 'close',
    'Content-Type': 'text/plain',
    'Content-Length': String(Buffer.byteLength(body)),
    ...r.headers,
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Error'}\r\n${head}\r\n${body}`);
}
