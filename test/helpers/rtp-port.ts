/** A fake phone's RTP socket for the media relay tests (rtpengine*.test.ts). */
import { createSocket, type Socket } from 'node:dgram';
import { sleep } from './net.js';

/** An RTP endpoint: a UDP socket on 127.0.0.1 whose port the phone's SDP names (with a private c= address). */
export class RtpPort {
  readonly got: Buffer[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (m) => this.got.push(m));
  }
  static async open(): Promise<RtpPort> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new RtpPort(s);
  }
  get port(): number {
    return this.socket.address().port;
  }
  sdp(ip: string): string {
    return `v=0\r\no=- 7 7 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${this.port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
  }
  /** RTP packets (PCMU, 20 ms) to 127.0.0.1:port */
  async send(port: number, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const pkt = Buffer.alloc(172);
      pkt[0] = 0x80;
      pkt[1] = 0;
      pkt.writeUInt16BE(i + 1, 2);
      pkt.writeUInt32BE(160 * (i + 1), 4);
      pkt.writeUInt32BE(0x1234, 8);
      pkt.fill(0xff, 12);
      this.socket.send(pkt, port, '127.0.0.1');
      await sleep(20);
    }
  }
  close(): void {
    this.socket.close();
  }
}
