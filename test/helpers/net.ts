/**
 * Raw loopback peers for integration tests: a UDP socket and a TCP client that record what they
 * receive, plus a bounded wait. Everything binds to 127.0.0.1 or ::1 with port 0.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { loadNativeUdp } from '../../src/core/transport/native-udp.js';

/** Poll `pred` every 5 ms until it holds; fail after `ms`. */
export async function waitFor(pred: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A test's `skip` when the batched UDP addon is not there (tests of what only it provides). */
export const noNativeUdp = loadNativeUdp() === null ? 'the addon is not built (or SIPKIT_NATIVE_UDP=0)' : false;

export class UdpPeer {
  readonly received: Array<{ data: Buffer; address: string; port: number }> = [];
  private constructor(readonly socket: UdpSocket) {
    socket.on('message', (data, r) => this.received.push({ data, address: r.address, port: r.port }));
  }

  static open(host = '127.0.0.1'): Promise<UdpPeer> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    return new Promise((resolve) => socket.bind(0, host, () => resolve(new UdpPeer(socket))));
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: Buffer | string, port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, port, host, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  }

  texts(): string[] {
    return this.received.map((r) => r.data.toString('latin1'));
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

export class TcpPeer {
  data = '';
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d) => (this.data += d.toString('latin1')));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  /** Connect to host:port; `localAddress` binds the client side (127.0.0.2: another source address on loopback). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host, localAddress }, () => resolve(new TcpPeer(s)));
      s.once('error', reject);
    });
  }

  get localPort(): number {
    return this.socket.localPort!;
  }

  /** Write and wait until the data is handed to the OS (a separate TCP segment with noDelay). */
  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve());
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
