/**
 * A raw SIP-over-WebSocket peer for tests (RFC 7118): a `ws` client that asks for the `sip`
 * subprotocol (or not), sends text frames as written, and records every frame and the close
 * code. For bytes on the wire below WebSocket (plain HTTP, garbage), see httpExchange.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import { waitFor } from './net.js';

export class WsPeer {
  readonly frames: string[] = [];
  closeCode: number | undefined;
  closeReason = '';
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(Buffer.isBuffer(d) ? d.toString('utf8') : String(d)));
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    ws.on('error', () => {});
  }

  /** Connect to `url` (ws://127.0.0.1:PORT/); `protocols` default ["sip"]. Rejects with the HTTP status when refused. */
  static connect(url: string, protocols: string[] = ['sip'], opts: ClientOptions = {}): Promise<WsPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { rejectUnauthorized: false, perMessageDeflate: false, ...opts });
      ws.once('open', () => resolve(new WsPeer(ws)));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  get localPort(): number {
    return (this.ws as unknown as { _socket: { localPort: number } })._socket.localPort;
  }

  send(text: string | Buffer, binary = false): void {
    this.ws.send(text, { binary });
  }

  /** Frames that are SIP responses with this Call-ID and (optionally) method. */
  responses(callId: string, method?: string): string[] {
    return this.frames.filter(
      (f) =>
        f.startsWith('SIP/2.0 ') &&
        new RegExp(`^Call-ID: ${callId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?$`, 'mi').test(f) &&
        (method === undefined || new RegExp(`^CSeq: \\d+ ${method}\\r?$`, 'mi').test(f)),
    );
  }

  /** The first final response (>= 200) for Call-ID/method, waited for. */
  async final(callId: string, method: string, ms = 5000): Promise<string> {
    const finals = () => this.responses(callId, method).filter((f) => /^SIP\/2\.0 [2-6]\d\d /.test(f));
    await waitFor(() => finals().length > 0, ms, `a final response to ${method} over WebSocket`);
    return finals()[0]!;
  }

  async closed(ms = 5000): Promise<number> {
    await waitFor(() => this.closeCode !== undefined, ms, 'the WebSocket to close');
    return this.closeCode!;
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * Write raw bytes to a TCP (or TLS) port and collect what comes back until the server closes
 * (or `ms` passes): what a plain HTTP client or a garbage sender sees.
 */
export function rawExchange(
  port: number,
  bytes: string,
  opts: { tls?: boolean; host?: string; ms?: number } = {},
): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const host = opts.host ?? '127.0.0.1';
    const s = opts.tls ? tlsConnect({ host, port, rejectUnauthorized: false }) : netConnect({ host, port });
    let data = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ data, closed });
    };
    const timer = setTimeout(() => finish(false), opts.ms ?? 5000);
    s.on(opts.tls ? 'secureConnect' : 'connect', () => s.write(bytes));
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('error', () => finish(true));
    s.on('close', () => finish(true));
  });
}
