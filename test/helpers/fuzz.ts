/**
 * Bounded, seeded fuzz input for the transport tests: random bytes and mutations (bit flips,
 * insertions, deletions, truncation, line shuffles, Content-Length lies, CR/LF noise) of real
 * messages, the RFC 4475/5118 torture corpus among them. Deterministic for a given seed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, fixturesDir } from './fixtures.js';

/** A small fast PRNG (mulberry32). */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0;
  };
}

const VALID = [
  'OPTIONS sip:s@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKf1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:s@example.com>\r\nCall-ID: fz1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
  'INVITE sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKf2\r\nf: "A" <sip:a@example.com>;tag=2\r\nt: <sip:bob@example.com>\r\ni: fz2@example.com\r\nCSeq: 2 INVITE\r\nc: application/sdp\r\nl: 30\r\n\r\nv=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n',
  'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP pc.example.com;branch=z9hG4bKf3\r\nFrom: <sip:a@example.com>;tag=3\r\nTo: <sip:a@example.com>\r\nCall-ID: fz3\r\nCSeq: 3 REGISTER\r\nContact: <sip:a@192.0.2.9>;expires=60\r\nAuthorization: Digest username="a", realm="example.com", nonce="n", uri="sip:example.com", response="0123456789abcdef0123456789abcdef"\r\nContent-Length: 0\r\n\r\n',
  'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKf4\r\nFrom: <sip:a@example.com>;tag=4\r\nTo: <sip:b@example.com>;tag=x\r\nCall-ID: fz4\r\nCSeq: 4 INVITE\r\nContent-Length: 0\r\n\r\n',
];

/** Seed messages: a few valid ones and every torture message. */
export function corpus(): Buffer[] {
  const out: Buffer[] = VALID.map((s) => Buffer.from(s, 'latin1'));
  for (const set of ['rfc4475', 'rfc5118'])
    for (const f of readdirSync(join(fixturesDir, 'torture', set)).sort()) out.push(fixture('torture', set, f));
  return out;
}

const NOISE = [
  '\r\n',
  '\r',
  '\n',
  ':',
  ';',
  ',',
  '<',
  '>',
  '"',
  ' ',
  '\t',
  '\0',
  'Content-Length: 99999\r\n',
  'l: -1\r\n',
  'Via: \r\n',
  '\r\n\r\n',
];

/** One random or mutated message. */
export function mutate(seeds: Buffer[], rnd: (n: number) => number): Buffer {
  const kind = rnd(10);
  if (kind === 0) {
    const b = Buffer.alloc(rnd(1500));
    for (let i = 0; i < b.length; i++) b[i] = rnd(256);
    return b;
  }
  let b = Buffer.from(seeds[rnd(seeds.length)]!);
  const rounds = 1 + rnd(4);
  for (let r = 0; r < rounds; r++) {
    switch (rnd(7)) {
      case 0: // bit flips
        for (let k = 0, n = 1 + rnd(8); k < n && b.length > 0; k++) b[rnd(b.length)]! ^= 1 << rnd(8);
        break;
      case 1: {
        // insert noise
        const at = rnd(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), Buffer.from(NOISE[rnd(NOISE.length)]!, 'latin1'), b.subarray(at)]);
        break;
      }
      case 2: {
        // delete a range
        const at = rnd(b.length + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + rnd(40))]);
        break;
      }
      case 3: // truncate
        b = b.subarray(0, rnd(b.length + 1));
        break;
      case 4: {
        // shuffle two lines
        const lines = b.toString('latin1').split('\r\n');
        const i = rnd(lines.length);
        const j = rnd(lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        b = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 5: // lie about Content-Length
        b = Buffer.from(
          b
            .toString('latin1')
            .replace(/(Content-Length|l):\s*\d+/i, `Content-Length: ${rnd(3) === 0 ? 4294967295 : rnd(500)}`),
          'latin1',
        );
        break;
      case 6: // duplicate a slice
        b = Buffer.concat([b, b.subarray(rnd(b.length + 1))]);
        break;
    }
  }
  return b;
}
