/**
 * Header parameters: `*( SEMI generic-param )` with `generic-param = token [ EQUAL gen-value ]`,
 * `gen-value = token / host / quoted-string`, SEMI and EQUAL allowing LWS around them
 * (RFC 3261 §25.1). Names are case-insensitive and kept lower-case; values are kept as written
 * (a quoted-string keeps its quotes: use unquote()).
 */
import { SipParseError } from '../errors.js';
import { isWs, TOKEN } from './chars.js';
import { ParamList } from './param-list.js';

export type Params = Map<string, string | null>;

/** Skip SP/HTAB from i. */
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** Index just past the quoted-string starting at s[i] === '"', or -1 if it is unterminated. */
export function skipQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** The content of a quoted-string with its quotes removed and quoted-pairs resolved. */
export function unquote(v: string): string {
  if (v.length < 2 || v.charCodeAt(0) !== 0x22 || v.charCodeAt(v.length - 1) !== 0x22) return v;
  const inner = v.slice(1, -1);
  return inner.indexOf('\\') < 0 ? inner : inner.replace(/\\(.)/gs, '$1');
}

/** Quote a string for use as a quoted-string (escapes `"` and `\`). */
export function quote(v: string): string {
  return '"' + v.replace(/(["\\])/g, '\\$1') + '"';
}

function isGenValueChar(c: number): boolean {
  // token chars plus what a host needs: ":" and "[" "]" for IPv6 references.
  return c < 256 && (TOKEN[c] === 1 || c === 0x3a || c === 0x5b || c === 0x5d);
}

/**
 * Parse `*( SEMI generic-param )` starting at s[i] (which must be ';' or the end, after optional
 * LWS). Stops at a ',' (next list element) or the end. Returns the index where it stopped.
 */
function paramError(header: string, why: string): SipParseError {
  return new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed ${header} parameters: ${why}`, {
    header: header.toLowerCase(),
  });
}

export function parseParams(s: string, i: number, into: Params, header: string): number {
  for (;;) {
    const n = s.length;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n || s.charCodeAt(i) === 0x2c) return i;
    if (s.charCodeAt(i) !== 0x3b) throw paramError(header, `unexpected "${s[i]}"`);
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const nameStart = i;
    let upper = false;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 255 || TOKEN[c] !== 1) break;
      if (c >= 0x41 && c <= 0x5a) upper = true;
    }
    if (i === nameStart) throw paramError(header, 'empty parameter');
    const name = upper ? s.slice(nameStart, i).toLowerCase() : s.slice(nameStart, i);
    while (i < n && isWs(s.charCodeAt(i))) i++;
    let value: string | null = null;
    if (i < s.length && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      if (s.charCodeAt(i) === 0x22) {
        const end = skipQuoted(s, i);
        if (end < 0) throw paramError(header, 'unterminated quoted string');
        value = s.slice(i, end);
        i = end;
      } else {
        const vStart = i;
        while (i < s.length && isGenValueChar(s.charCodeAt(i))) i++;
        if (i === vStart) throw paramError(header, `parameter "${name}" has no value`);
        value = s.slice(vStart, i);
      }
    }
    into.set(name, value);
  }
}

/** Write params back: `;name=value;flag`. */
export function formatParams(params: Params): string {
  if (params instanceof ParamList) return params.format();
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
