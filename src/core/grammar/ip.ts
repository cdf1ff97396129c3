/**
 * IP address literals in text form: the answers of node:net's isIPv4 / isIPv6 / isIP, without
 * loading node:net. Importing node:net compiles the stream modules (a dozen internal modules,
 * ~6 M instructions) and the grammar only needs a check: siptest reaches its first INVITE
 * without them (issue 15). test/unit/core/grammar/ip.test.ts holds these to node:net's answers.
 */

/** dotted-quad IPv4 address, each part 0–255 without leading zeros beyond one digit. */
export function isIPv4Literal(h: string): boolean {
  let parts = 0;
  let v = 0;
  let digits = 0;
  for (let i = 0; i <= h.length; i++) {
    const c = i < h.length ? h.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || v > 255 || (digits > 1 && h.charCodeAt(i - digits) === 0x30)) return false;
      parts++;
      v = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      if (++digits > 3) return false;
    } else return false;
  }
  return parts === 4;
}

export { isIPv4Literal as isIPv4 };

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

/** A zone ID's characters as node:net takes them after "%": [0-9a-zA-Z-.:]. */
const isZoneChar = (c: number) =>
  (c >= 0x30 && c <= 0x3a) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x2d || c === 0x2e;

/**
 * RFC 4291 §2.2 text form: eight groups of 1-4 hex digits separated by ":", or fewer with one
 * "::" standing for at least one group of zeros (so at most seven written with it), the last 32
 * bits possibly as a dotted quad (form 3, counting as two groups). A zone ID (RFC 4007 §11)
 * may follow after "%", as node:net accepts it.
 */
export function isIPv6(s: string): boolean {
  const pct = s.indexOf('%');
  const n = pct < 0 ? s.length : pct;
  if (pct >= 0) {
    if (pct + 1 === s.length) return false;
    for (let i = pct + 1; i < s.length; i++) if (!isZoneChar(s.charCodeAt(i))) return false;
  }
  let i = 0;
  let groups = 0;
  let compressed = false;
  if (s.charCodeAt(0) === 0x3a) {
    if (s.charCodeAt(1) !== 0x3a) return false;
    compressed = true;
    i = 2;
    if (i === n) return true; // "::"
  }
  for (;;) {
    const start = i;
    while (i < n && isHex(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) === 0x2e) {
      // The dotted quad ends the address and stands for two groups.
      return isIPv4Literal(s.slice(start, n)) && (compressed ? groups + 2 <= 7 : groups + 2 === 8);
    }
    if (i === start || i - start > 4) return false;
    groups++;
    if (i === n) break;
    if (s.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (s.charCodeAt(i) === 0x3a) {
      if (compressed) return false;
      compressed = true;
      i++;
      if (i === n) break;
    } else if (i === n) return false; // a single trailing ":"
  }
  return compressed ? groups <= 7 : groups === 8;
}

/** 4 for an IPv4 literal, 6 for an IPv6 one, else 0 (node:net's isIP). */
export function isIP(s: string): 0 | 4 | 6 {
  return isIPv4Literal(s) ? 4 : isIPv6(s) ? 6 : 0;
}
