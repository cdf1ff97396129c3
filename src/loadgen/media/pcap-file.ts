/**
 * Reading a capture for <exec play_pcap_audio|video|image> (SIPp's prepare_pcap.c:prepare_pkts):
 * classic libpcap files (either byte order, micro- or nanosecond timestamps) with Ethernet (and
 * 802.1Q VLAN), Linux cooked (SLL) or raw IPv4/IPv6 frames. Each UDP datagram is kept with its
 * destination port and its capture time; everything else is skipped, as SIPp does. The file is
 * read once, when the scenario loads, so a bad file stops the run before any traffic.
 */
import { readFileSync } from 'node:fs';

export interface PcapPacket {
  /** The UDP payload (for RTP: header and payload, sent as captured). */
  readonly payload: Buffer;
  /** The captured destination port: SIPp sends to remote port + (dport - base). */
  readonly dport: number;
  /**
   * When to send, microseconds after the first packet: the sum of the forward steps between
   * capture times (SIPp's do_sleep does not wait for a packet stamped before the one before it).
   */
  readonly atUs: number;
}

export interface PcapFile {
  readonly path: string;
  readonly packets: PcapPacket[];
  /** Lowest destination port in the capture (SIPp's pkts->base). */
  readonly base: number;
}

const LINK_ETHERNET = 1;
const LINK_RAW = [101, 12, 14];
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;
const LINK_SLL = 113;

/** An error that names the file, for the scenario loader to report. */
export class PcapError extends Error {}

function fail(path: string, what: string): never {
  throw new PcapError(`pcap file '${path}': ${what}`);
}

interface Header {
  le: boolean;
  nanos: boolean;
  link: number;
}

function readHeader(path: string, b: Buffer): Header {
  if (b.length < 24) fail(path, `truncated file header (${b.length} of 24 bytes)`);
  const magicLe = b.readUInt32LE(0);
  let le: boolean;
  let nanos = false;
  if (magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d) {
    le = true;
    nanos = magicLe === 0xa1b23c4d;
  } else if (b.readUInt32BE(0) === 0xa1b2c3d4 || b.readUInt32BE(0) === 0xa1b23c4d) {
    le = false;
    nanos = b.readUInt32BE(0) === 0xa1b23c4d;
  } else if (magicLe === 0x0a0d0d0a) fail(path, 'pcapng is not supported; convert it with: editcap -F pcap in out');
  else fail(path, 'not a libpcap capture (bad magic number)');
  const link = le ? b.readUInt32LE(20) : b.readUInt32BE(20);
  return { le, nanos, link: link & 0x0fffffff };
}

/** Offset of the IP header in a frame, or -1 when the frame is not IP (skipped). */
function ipOffset(path: string, link: number, f: Buffer): number {
  if (link === LINK_IPV4 || link === LINK_IPV6 || LINK_RAW.includes(link)) return 0;
  let at: number;
  if (link === LINK_ETHERNET) at = 12;
  else if (link === LINK_SLL) at = 14;
  else fail(path, `unsupported link type ${link} (Ethernet, Linux cooked or raw IP captures only)`);
  if (f.length < at + 2) return -1;
  let type = f.readUInt16BE(at);
  if (type === 0x8100 && f.length >= at + 6) {
    at += 4;
    type = f.readUInt16BE(at);
  }
  return type === 0x0800 || type === 0x86dd ? at + 2 : -1;
}

/** The UDP datagram of one IP packet at `ip`, or undefined when it is not UDP. */
function udpOf(path: string, f: Buffer, ip: number, n: number): { dport: number; payload: Buffer } | undefined {
  if (f.length < ip + 1) return undefined;
  const version = f[ip]! >> 4;
  let udp: number;
  if (version === 4) {
    if (f.length < ip + 20 || f[ip + 9] !== 17) return undefined;
    udp = ip + (f[ip]! & 0x0f) * 4;
  } else if (version === 6) {
    if (f.length < ip + 40 || f[ip + 6] !== 17) return undefined;
    udp = ip + 40;
  } else return undefined;
  if (f.length < udp + 8) fail(path, `packet ${n}: truncated UDP header`);
  const len = f.readUInt16BE(udp + 4);
  if (len < 8 || f.length < udp + len)
    fail(path, `packet ${n}: UDP length ${len} runs past the captured bytes (capture again with -s0)`);
  // A copy, so that the file's buffer can be released.
  return { dport: f.readUInt16BE(udp + 2), payload: Buffer.from(f.subarray(udp + 8, udp + len)) };
}

/** Parse a whole capture held in memory (`path` only names it in errors). */
export function parsePcap(path: string, b: Buffer): PcapFile {
  const h = readHeader(path, b);
  const u32 = (at: number) => (h.le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const packets: PcapPacket[] = [];
  let base = 0xffff;
  let prev: number | undefined;
  let at = 0;
  let off = 24;
  for (let n = 1; off < b.length; n++) {
    if (off + 16 > b.length) fail(path, `packet ${n}: truncated record header at byte ${off}`);
    const sec = u32(off);
    const frac = u32(off + 4);
    const caplen = u32(off + 8);
    const len = u32(off + 12);
    if (off + 16 + caplen > b.length) fail(path, `packet ${n}: truncated (${caplen} bytes announced at byte ${off})`);
    if (caplen !== len) fail(path, `packet ${n} was captured truncated (${caplen} of ${len} bytes); capture with -s0`);
    const frame = b.subarray(off + 16, off + 16 + caplen);
    off += 16 + caplen;
    const ip = ipOffset(path, h.link, frame);
    const udp = ip < 0 ? undefined : udpOf(path, frame, ip, n);
    if (!udp) continue;
    const us = sec * 1e6 + (h.nanos ? Math.floor(frac / 1000) : frac);
    if (prev !== undefined && us > prev) at += us - prev;
    prev = us;
    packets.push({ payload: udp.payload, dport: udp.dport, atUs: at });
    if (udp.dport < base) base = udp.dport;
  }
  if (packets.length === 0) fail(path, 'no UDP packet in the capture');
  return { path, packets, base };
}

export function readPcap(path: string): PcapFile {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (e) {
    throw new PcapError(`Can't open PCAP file '${path}': ${(e as Error).message}`);
  }
  return parsePcap(path, b);
}
