/**
 * <exec play_dtmf="digits[,ms]">: RFC 2833 telephone events built as a capture and played like
 * one (SIPp 3.6.1 prepare_pcap.c:prepare_dtmf), packet for packet as SIPp sends them:
 * - first, 20 "no-op" packets (payload type 97, 4 zero bytes) 20 ms apart to warm the stream up;
 *   SIPp numbers them start, start + 2, … (its counter moves twice per packet) and stamps them
 *   24000 + the time in ms;
 * - then per digit (0-9 * # A-D; others skipped) one event packet every 20 ms for the tone length
 *   (default 200 ms, 50-2000 accepted; payload type 96, volume 10, duration in 8 kHz ticks, the
 *   marker on the first), then three end-of-event packets 1 ms apart; each digit starts 2 × tone
 *   length after the previous one and keeps one RTP timestamp;
 * - one SSRC per play_dtmf (0x01020305 and up, as SIPp's counter).
 * The call's sequence numbers go on from 1200 across its play_dtmf actions (SIPp's last_seq_no).
 */
import type { PcapFile, PcapPacket } from './pcap-file.js';

let dtmfSsrc = 0x01020304;

const EVENTS = '0123456789*#ABCD';

function rtp(pt: number, marker: boolean, seq: number, ts: number, ssrc: number, payload: number[]): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
}

function event(digit: number, end: boolean, durationMs: number): number[] {
  const d = (durationMs * 8) & 0xffff;
  return [digit, (end ? 0x80 : 0) | 10, d >> 8, d & 0xff];
}

/** The packets of one play_dtmf; `startSeq` is the call's next sequence number. */
export function dtmfCapture(value: string, startSeq: number): PcapFile {
  const ssrc = ++dtmfSsrc >>> 0;
  const comma = value.indexOf(',');
  let toneLen = 200;
  if (comma >= 0) {
    const t = parseInt(value.slice(comma + 1), 10) || 0;
    toneLen = t < 50 || t > 2000 ? 200 : t;
  }
  const digits = [...(comma >= 0 ? value.slice(0, comma) : value)].map((c) => EVENTS.indexOf(c)).filter((d) => d >= 0);
  const packets: PcapPacket[] = [];
  const push = (atMs: number, payload: Buffer) => packets.push({ payload, dport: 0, atUs: atMs * 1000 });
  let seq = startSeq;
  let offset = 0;
  let tsStart = 24000;
  if (digits.length) {
    for (let i = 0; i < 20; i++, offset += 20)
      push(offset, rtp(97, false, packets.length + seq++, tsStart + offset, ssrc, [0, 0, 0, 0]));
    tsStart += offset;
  }
  digits.forEach((digit, n) => {
    const at = offset + (n + 1) * toneLen * 2;
    const ts = n * toneLen * 2 + tsStart;
    for (let cur = 0; cur < toneLen; cur += 20)
      push(at + cur, rtp(96, cur === 0, packets.length + seq, ts, ssrc, event(digit, false, cur)));
    for (let i = 0; i < 3; i++)
      push(at + toneLen + i + 1, rtp(96, false, packets.length + seq, ts, ssrc, event(digit, true, toneLen)));
  });
  // Times relative to the first packet, as a capture's (the first no-op is at 0 already).
  return { path: 'play_dtmf', packets, base: 0 };
}
