/**
 * A fake rtpengine for the ng client's unit tests: a UDP socket on 127.0.0.1 that records every
 * datagram (cookie and decoded dictionary) and answers as the test says: a dictionary (sent back
 * with the request's cookie), raw bytes, or nothing.
 */
import bencode from 'bencode';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { decodeNg, type NgDict } from '../../../../src/daemon/rtpengine/ng-codec.js';

export type PeerAnswer = NgDict | Buffer | undefined;

export class FakeNgPeer {
  readonly seen: Array<{ cookie: string; dict: NgDict }> = [];
  /** the answer to each datagram, by its decoded request; undefined = stay silent */
  answer: (req: NgDict, n: number, cookie: string, from: RemoteInfo) => PeerAnswer = () => ({ result: 'pong' });

  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  static async open(): Promise<FakeNgPeer> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new FakeNgPeer(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get target(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const r = decodeNg(msg);
    if (!r) return;
    this.seen.push(r);
    const a = this.answer(r.dict, this.seen.length, r.cookie, rinfo);
    if (a === undefined) return;
    const data = Buffer.isBuffer(a) ? a : Buffer.concat([Buffer.from(`${r.cookie} `), bencode.encode(a)]);
    this.socket.send(data, rinfo.port, rinfo.address);
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}
