/**
 * Writing captures and RTP for tests and for the pcaps siptest ships (make-pcaps.ts): classic
 * libpcap files with Ethernet, Linux cooked or raw IPv4/IPv6 frames around UDP datagrams, RTP
 * packets, A-law samples and WAV files. IP and UDP checksums are left 0 (a player never reads them).
 */

export interface RtpFields {
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
  marker?: boolean;
  payload: Buffer;
}

export function rtpPacket(f: RtpFields): Buffer {
  const b = Buffer.alloc(12 + f.payload.length);
  b[0] = 0x80;
  b[1] = (f.marker ? 0x80 : 0) | f.pt;
  b.writeUInt16BE(f.seq & 0xffff, 2);
  b.writeUInt32BE(f.ts >>> 0, 4);
  b.writeUInt32BE(f.ssrc >>> 0, 8);
  f.payload.copy(b, 12);
  return b;
}

export const LINK = { ethernet: 1, sll: 113, rawIpv4: 228, rawIpv6: 229, raw: 101 } as const;

export interface Datagram {
  sport: number;
  dport: number;
  payload: Buffer;
  ipv6?: boolean;
}

function ipPacket(d: Datagram): Buffer {
  const udp = Buffer.alloc(8 + d.payload.length);
  udp.writeUInt16BE(d.sport, 0);
  udp.writeUInt16BE(d.dport, 2);
  udp.writeUInt16BE(udp.length, 4);
  d.payload.copy(udp, 8);
  if (d.ipv6) {
    const ip = Buffer.alloc(40);
    ip[0] = 0x60;
    ip.writeUInt16BE(udp.length, 4);
    ip[6] = 17;
    ip[7] = 64;
    ip[23] = 1; // ::1 → ::1
    ip[39] = 1;
    return Buffer.concat([ip, udp]);
  }
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + udp.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from([127, 0, 0, 1, 127, 0, 0, 1]).copy(ip, 12);
  return Buffer.concat([ip, udp]);
}

/** A frame of link type `link` carrying the datagram. */
export function frame(link: number, d: Datagram): Buffer {
  const ip = ipPacket(d);
  const type = Buffer.alloc(2);
  type.writeUInt16BE(d.ipv6 ? 0x86dd : 0x0800);
  if (link === LINK.ethernet) return Buffer.concat([Buffer.alloc(12), type, ip]);
  if (link === LINK.sll) return Buffer.concat([Buffer.alloc(14), type, ip]);
  return ip;
}

export interface Record {
  us: number;
  frame: Buffer;
  /** Original length when the capture was cut (snaplen). */
  origLen?: number;
}

export function pcapFile(link: number, records: Record[], opts: { bigEndian?: boolean; nanos?: boolean } = {}): Buffer {
  const be = opts.bigEndian ?? false;
  const u32 = (b: Buffer, v: number, at: number) => (be ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  const u16 = (b: Buffer, v: number, at: number) => (be ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  const head = Buffer.alloc(24);
  u32(head, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(head, 2, 4);
  u16(head, 4, 6);
  u32(head, 65535, 16);
  u32(head, link, 20);
  const parts: Buffer[] = [head];
  for (const r of records) {
    const h = Buffer.alloc(16);
    u32(h, Math.floor(r.us / 1e6), 0);
    u32(h, opts.nanos ? (r.us % 1e6) * 1000 : r.us % 1e6, 4);
    u32(h, r.frame.length, 8);
    u32(h, r.origLen ?? r.frame.length, 12);
    parts.push(h, r.frame);
  }
  return Buffer.concat(parts);
}

/** G.711 A-law of a 16-bit linear sample (ITU-T G.711). */
export function alaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  const sign = s >= 0 ? 0x80 : 0;
  if (s < 0) s = -s - 1;
  let seg = 0;
  for (let v = s >> 4; v > 1 && seg < 7; v >>= 1) seg++;
  const mant = seg === 0 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f;
  const code = seg === 0 ? s >> 1 : (seg << 4) | mant;
  return (sign | (code & 0x7f)) ^ 0x55;
}

/** `n` A-law samples of a sine tone at 8 kHz. */
export function alawTone(n: number, hz = 440, amplitude = 8000): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = alaw(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000));
  return b;
}

/** A WAV file of G.711 data (format 6 A-law or 7 µ-law, 8 kHz mono 8-bit). */
export function wavFile(data: Buffer, opts: { format?: number; rate?: number; channels?: number } = {}): Buffer {
  const fmt = Buffer.alloc(18);
  fmt.writeUInt16LE(opts.format ?? 6, 0);
  fmt.writeUInt16LE(opts.channels ?? 1, 2);
  fmt.writeUInt32LE(opts.rate ?? 8000, 4);
  fmt.writeUInt32LE((opts.rate ?? 8000) * (opts.channels ?? 1), 8);
  fmt.writeUInt16LE(opts.channels ?? 1, 12);
  fmt.writeUInt16LE(8, 14);
  const chunk = (id: string, body: Buffer) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), chunk('data', data)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}
