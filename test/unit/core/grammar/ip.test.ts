/**
 * The grammar's IP literal checks (src/core/grammar/ip.ts) answer as node:net's isIPv4, isIPv6
 * and isIP, which they replace on siptest's start-up path: hand-picked edge cases of RFC 4291
 * §2.2 and of node's zone IDs, every compression of random addresses, and random strings over
 * the characters an address is written with.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { describe, test } from 'node:test';
import { isIP, isIPv4, isIPv6 } from '../../../../src/core/grammar/ip.js';

const same = (s: string) => {
  assert.equal(isIPv6(s), net.isIPv6(s), `isIPv6(${JSON.stringify(s)})`);
  assert.equal(isIPv4(s), net.isIPv4(s), `isIPv4(${JSON.stringify(s)})`);
  assert.equal(isIP(s), net.isIP(s), `isIP(${JSON.stringify(s)})`);
};

/** A deterministic generator (xorshift32), so that a failure repeats. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const EDGES = [
  '',
  '::',
  ':::',
  '::1',
  '1::',
  '1:::',
  ':1::2',
  '1::2:',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1::3:4:5:6:7:8',
  '1::2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7::8',
  '1::2::3',
  'ffff:FFFF:abcd:ABCD:0:00:000:0000',
  '12345::',
  '0::00000',
  'g::1',
  '::ffff:192.0.2.1',
  '::192.0.2.1',
  '192.0.2.1',
  '1:2:3:4:5:6:192.0.2.1',
  '1:2:3:4:5:6:7:192.0.2.1',
  '1:2:3:4:5::192.0.2.1',
  '1:2:3:4:5:6::192.0.2.1',
  '1::2:3:4:5:192.0.2.1',
  '1::2:3:4:5:6:192.0.2.1',
  '::ffff:192.0.2.256',
  '::ffff:192.0.2.01',
  '::ffff:192.0.2',
  '::ffff:192.0.2.1.5',
  '::ffff:1.2.3.4:5',
  '::a.2.3.4',
  '::1.2.3.4%eth0',
  'fe80::1%eth0',
  'fe80::1%',
  'fe80::1%%',
  'fe80::1%a%b',
  'fe80::1%en-0.1:2',
  'fe80::1%en_0',
  'fe80::1%en 0',
  'fe80::1%[x]',
  '%eth0',
  '::%1',
  ':%1',
  'fe80::1 ',
  ' fe80::1',
  '[::1]',
  '0.0.0.0',
  '255.255.255.255',
  '256.1.1.1',
  '1.2.3',
  '1.2.3.4.',
  '.1.2.3.4',
  '01.2.3.4',
  '1.2.3.0004',
  '1..2.3',
  '1.2.3.4\n',
  '::１',
];

/** A random address written every way RFC 4291 allows: full, each "::" run, a dotted tail. */
function forms(r: (n: number) => number): string[] {
  const groups = Array.from({ length: 8 }, () => (r(3) === 0 ? 0 : r(0x10000)));
  const hex = groups.map((g) => g.toString(16));
  const out = [hex.join(':')];
  for (let a = 0; a < 8; a++)
    for (let b = a + 1; b <= 8; b++) out.push(`${hex.slice(0, a).join(':')}::${hex.slice(b).join(':')}`);
  const quad = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`;
  out.push(`${hex.slice(0, 6).join(':')}:${quad}`);
  for (let a = 0; a < 6; a++)
    out.push(`${hex.slice(0, a).join(':')}::${hex.slice(a + 1, 6).join(':')}${a < 5 ? ':' : ''}${quad}`);
  return out;
}

describe('IP literals (core/grammar/ip.ts)', () => {
  test('edge cases answer as node:net', () => {
    for (const s of EDGES) same(s);
  });

  test('every compression of random addresses, with and without zone IDs and upper-case digits', () => {
    const r = rng(15);
    for (let i = 0; i < 300; i++)
      for (const f of forms(r)) {
        same(f);
        same(f.toUpperCase());
        same(`${f}%eth${i}`);
        same(`${f}:`);
        same(`${f}::`);
        same(`:${f}`);
      }
  });

  test('random strings of hex digits, ":", ".", "%" and a few others answer as node:net', () => {
    const r = rng(4291);
    const alphabet = '0123456789abcdefABCDEF::::....%g-_ z';
    for (let i = 0; i < 100_000; i++) {
      let s = '';
      const len = r(24);
      for (let k = 0; k < len; k++) s += alphabet[r(alphabet.length)];
      same(s);
    }
  });

  test('mutations of valid addresses (a character dropped, doubled or replaced) answer as node:net', () => {
    const r = rng(4007);
    const alphabet = '0123456789abcdefg:.%';
    for (let i = 0; i < 200; i++)
      for (const f of forms(r)) {
        const k = r(f.length);
        same(f.slice(0, k) + f.slice(k + 1));
        same(f.slice(0, k) + f[k]! + f.slice(k));
        same(f.slice(0, k) + alphabet[r(alphabet.length)]! + f.slice(k + 1));
      }
  });
});
