/**
 * <exec rtp_stream="file,loops,payload">: RTP built from an audio file (SIPp's rtpstream.cpp,
 * rtpstream_playrtptask): one packet per ptime (20 ms and 160 bytes for G.711), sequence number
 * + 1 and timestamp + ticks per packet, SSRC 0xCA110000 + n as SIPp numbers its streams, the
 * timestamp started from the wall clock (ms × ticks per ms) as SIPp does. siptest sets the marker
 * bit on the first packet of a play (RFC 3551 §4.1, the start of a talkspurt; SIPp never sets it).
 * Loops: the file is played that many times, -1 until the call ends; a packet that crosses the
 * end of the file takes the rest from its start, as SIPp's. Paused (rtp_stream="pause", or no
 * peer address yet) the clock runs on and nothing is sent: the timestamp jumps, the sequence
 * number does not. One interval timer per stream; late ticks catch up on the packets due.
 */

export interface StreamSpec {
  /** The file as the action names it. */
  file: string;
  audio: Buffer;
  loops: number;
  payloadType: number;
  msPerPacket: number;
  bytesPerPacket: number;
  ticksPerPacket: number;
}

/** SIPp's payload table (actions.cpp:setRTPStreamActInfo): ptime, bytes and ticks per packet. */
export const PAYLOAD_TIMING: Record<number, [ms: number, bytes: number, ticks: number]> = {
  0: [20, 160, 160],
  8: [20, 160, 160],
  9: [20, 160, 160],
  18: [20, 20, 160],
  98: [30, 50, 240],
};

let nextSsrc = 0xca110000;
const MAX_CATCH_UP = 50;

export class RtpStream {
  private readonly ssrc = nextSsrc++ >>> 0;
  private seq = 0;
  private ts = 0;
  private spec: StreamSpec | undefined;
  private loops = 0;
  private pos = 0;
  private marker = false;
  private nextDue = 0;
  private timer: NodeJS.Timeout | undefined;
  paused = false;

  /** `send` returns false when the peer's address is not known yet (nothing is sent). */
  constructor(private readonly send: (packet: Buffer) => boolean) {}

  play(spec: StreamSpec): void {
    const restart = this.spec?.msPerPacket !== spec.msPerPacket;
    this.spec = spec;
    this.loops = spec.loops;
    this.pos = 0;
    this.marker = true;
    this.ts = Date.now() * (spec.ticksPerPacket / spec.msPerPacket);
    this.nextDue = performance.now() + spec.msPerPacket;
    if (restart || !this.timer) {
      this.stopTimer();
      this.timer = setInterval(this.tick, spec.msPerPacket);
    }
  }

  private readonly tick = (): void => {
    const s = this.spec!;
    const now = performance.now();
    for (let n = 0; this.loops !== 0 && this.nextDue <= now && n < MAX_CATCH_UP; n++) {
      this.nextDue += s.msPerPacket;
      if (!this.paused && this.send(this.packet(s))) {
        this.seq = (this.seq + 1) & 0xffff;
        this.advance(s);
      }
      this.ts += s.ticksPerPacket;
    }
    if (this.loops === 0) this.stopTimer();
  };

  /** The next packet: header and the audio at the play position (wrapping to the start). */
  private packet(s: StreamSpec): Buffer {
    const b = Buffer.allocUnsafe(12 + s.bytesPerPacket);
    b[0] = 0x80;
    b[1] = (this.marker ? 0x80 : 0) | (s.payloadType & 0x7f);
    this.marker = false;
    b.writeUInt16BE(this.seq, 2);
    b.writeUInt32BE(this.ts % 4294967296, 4);
    b.writeUInt32BE(this.ssrc, 8);
    let at = 12;
    let pos = this.pos;
    while (at < b.length) {
      const n = Math.min(b.length - at, s.audio.length - pos);
      s.audio.copy(b, at, pos, pos + n);
      at += n;
      pos = (pos + n) % s.audio.length;
    }
    return b;
  }

  /** Move the play position past one packet, counting a loop each time the file's end is passed. */
  private advance(s: StreamSpec): void {
    let left = s.bytesPerPacket;
    while (left > 0) {
      const n = Math.min(left, s.audio.length - this.pos);
      left -= n;
      this.pos += n;
      if (this.pos >= s.audio.length) {
        this.pos = 0;
        if (this.loops > 0) this.loops--;
      }
    }
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.stopTimer();
    this.loops = 0;
  }
}
