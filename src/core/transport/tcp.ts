/**
 * SIP over TCP (RFC 3261 §18): messages framed by Content-Length (stream-framer.ts) on plain
 * sockets. Connections, reuse and the limits against hostile peers are the stream transport's
 * (stream-transport.ts), shared with TLS.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { ListenSpec } from './address.js';
import { STREAM_DEFAULTS, type StreamOptions } from './connection-transport.js';
import { bindServer, StreamTransport } from './stream-transport.js';

export type TcpOptions = StreamOptions;

export const TCP_DEFAULTS = STREAM_DEFAULTS;

export class TcpTransport extends StreamTransport {
  readonly protocol = 'TCP';
  protected readonly connectEvent = 'connect';

  private constructor(server: ReturnType<typeof createServer>, spec: ListenSpec, opts: TcpOptions) {
    super(server, spec, opts);
    server.on('connection', (s) => {
      if (this.admit(s)) this.accepted(s);
    });
  }

  /** Listen on a TCP port (port 0 picks a free port; see localPort). */
  static async listen(spec: ListenSpec, opts: TcpOptions = {}): Promise<TcpTransport> {
    const server = createServer({ noDelay: true });
    await bindServer(server, spec);
    return new TcpTransport(server, spec, opts);
  }

  protected connectSocket(host: string, port: number, localAddress: string | undefined): Socket {
    return connect({ host, port, family: this.family, localAddress, noDelay: true });
  }
}
