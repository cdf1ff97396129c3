/** A UDP socket on 127.0.0.1 that records every RTP packet with its arrival time and source. */
import { createSocket, type Socket } from 'node:dgram';

export interface Arrival {
  data: Buffer;
  atMs: number;
  port: number;
}

export class RtpSink {
  readonly got: Arrival[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (data, r) => this.got.push({ data, atMs: performance.now(), port: r.port }));
  }

  static async open(port = 0): Promise<RtpSink> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    });
    return new RtpSink(s);
  }

  /** Two sinks on ports P and P + 2 (a pcap's two captured ports, or audio and video). */
  static async pair(): Promise<[RtpSink, RtpSink]> {
    for (let i = 0; ; i++) {
      const a = await RtpSink.open();
      const b = await RtpSink.open(a.port + 2).catch(() => undefined);
      if (b) return [a, b];
      await a.close();
      if (i > 50) throw new Error('no free pair of UDP ports');
    }
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** RTP header fields of every packet received. */
  headers(): Array<{ marker: boolean; pt: number; seq: number; ts: number; ssrc: number; len: number }> {
    return this.got.map(({ data: d }) => ({
      marker: (d[1]! & 0x80) !== 0,
      pt: d[1]! & 0x7f,
      seq: d.readUInt16BE(2),
      ts: d.readUInt32BE(4),
      ssrc: d.readUInt32BE(8),
      len: d.length,
    }));
  }

  bytes(): number {
    return this.got.reduce((n, a) => n + a.data.length, 0);
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}
