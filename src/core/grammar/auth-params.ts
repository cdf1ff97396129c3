/**
 * Grammar of the authentication header fields: WWW-Authenticate / Proxy-Authenticate (challenges)
 * and Authorization / Proxy-Authorization (credentials), RFC 3261 §25.1, RFC 2617 §3.2, RFC 7616
 * §3.3-3.4 and RFC 7235 §2.1:
 *
 *     challenge   = auth-scheme LWS auth-param *(COMMA auth-param)
 *     credentials = auth-scheme LWS auth-param *(COMMA auth-param)
 *     auth-param  = auth-param-name EQUAL ( token / quoted-string )
 *
 * This file knows no scheme: it yields the scheme and its parameters (names lower-cased, as they
 * are case-insensitive; values unquoted). `src/core/auth/digest-headers.ts` gives Digest its typed
 * view. A scheme we do not know is kept as written (RFC 4475 §3.3.7, regaut01): when its text is
 * not a parameter list it is still accepted, as `raw`, so that a registrar can answer with a
 * challenge instead of a 400.
 *
 * Values are the latin1 strings of the message model (one char per byte).
 */
import { SipParseError } from '../errors.js';
import { isToken, TOKEN } from './chars.js';

/** One challenge or one set of credentials. */
export interface AuthValue {
  /** The scheme as written ("Digest", "NoOneKnowsThisScheme"); compare it case-insensitively. */
  scheme: string;
  /** auth-params: lower-case name → value with quotes removed and quoted-pairs resolved. */
  params: Map<string, string>;
  /** Names of the params whose value was written as a quoted-string. */
  quoted: Set<string>;
  /** token68 form (RFC 7235 §2.1, e.g. `Basic QWxhZGRpbjo=`), when that is what follows the scheme. */
  token68?: string;
  /** Everything after the scheme, trimmed, exactly as written. */
  raw: string;
}

const isLws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/** token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const TOKEN68 = new Uint8Array(128);
for (const ch of '-._~+/') TOKEN68[ch.charCodeAt(0)] = 1;
for (let c = 0; c < 128; c++) if (TOKEN[c] === 1 && /[A-Za-z0-9]/.test(String.fromCharCode(c))) TOKEN68[c] = 1;
const isToken68Char = (c: number) => c < 128 && TOKEN68[c] === 1;

/**
 * Characters of an unquoted value. The grammar says token; we also take what broken user agents
 * put there unquoted (":" "/" "@" "[" "]"...), i.e. any visible char but DQUOTE and ",".
 */
const isBareValueChar = (c: number) => c > 0x20 && c !== 0x7f && c !== 0x22 && c !== 0x2c;

function skipLws(s: string, i: number): number {
  while (i < s.length && isLws(s.charCodeAt(i))) i++;
  return i;
}

function skipToken(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) < 256 && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

class Parser {
  constructor(
    readonly s: string,
    readonly header: string,
  ) {}

  fail(why: string): SipParseError {
    const title = this.header.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
    return new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed ${title}: ${why}`, { header: this.header });
  }

  /**
   * Parse one challenge/credentials from s[i]. With `list`, a ", scheme ..." that starts the next
   * challenge of an RFC 7235 list ends this one. Returns the value and where it stopped.
   */
  one(i: number, list: boolean): { value: AuthValue; end: number } {
    const s = this.s;
    i = skipLws(s, i);
    const schemeEnd = skipToken(s, i);
    if (schemeEnd === i) throw this.fail(i >= s.length ? 'no auth scheme' : `unexpected "${s[i]}"`);
    const scheme = s.slice(i, schemeEnd);
    if (schemeEnd < s.length && !isLws(s.charCodeAt(schemeEnd)) && s.charCodeAt(schemeEnd) !== 0x2c)
      throw this.fail(`bad auth scheme "${s.slice(i, schemeEnd + 1)}"`);
    const start = skipLws(s, schemeEnd);
    const value: AuthValue = { scheme, params: new Map(), quoted: new Set(), raw: '' };
    const digest = scheme.toLowerCase() === 'digest';
    let end: number;
    try {
      // Digest has no token68 form (RFC 7616 §3.3-3.4): "Digest realm" is an error, not a blob.
      end = (digest ? undefined : this.token68(start, value, list)) ?? this.params(start, value, list);
    } catch (e) {
      // An unknown scheme stays opaque (RFC 4475 §3.3.7): keep its text, parsed or not.
      if (digest || !(e instanceof SipParseError)) throw e;
      value.params.clear();
      value.quoted.clear();
      end = s.length;
    }
    let rawEnd = end; // trim trailing LWS and commas (a loop, not a regex: no backtracking on long runs)
    while (rawEnd > start && (isLws(s.charCodeAt(rawEnd - 1)) || s.charCodeAt(rawEnd - 1) === 0x2c)) rawEnd--;
    value.raw = s.slice(start, rawEnd);
    return { value, end };
  }

  /** `scheme token68` (then the end, or a comma in a list): where it ends, or undefined if not that form. */
  token68(i: number, into: AuthValue, list: boolean): number | undefined {
    const s = this.s;
    let j = i;
    while (j < s.length && isToken68Char(s.charCodeAt(j))) j++;
    if (j === i) return undefined;
    let k = j;
    while (k < s.length && s.charCodeAt(k) === 0x3d) k++;
    const m = skipLws(s, k);
    if (m < s.length && (!list || s.charCodeAt(m) !== 0x2c)) return undefined;
    into.token68 = s.slice(i, k);
    return m;
  }

  /** `auth-param *(COMMA auth-param)`; empty list elements are skipped (RFC 7230 §7). */
  params(i: number, into: AuthValue, list: boolean): number {
    const s = this.s;
    for (;;) {
      i = skipLws(s, i);
      if (i >= s.length) return i;
      if (s.charCodeAt(i) === 0x2c) {
        i++;
        continue;
      }
      const nameStart = i;
      const nameEnd = skipToken(s, i);
      if (nameEnd === nameStart) throw this.fail(`unexpected "${s[i]}"`);
      i = skipLws(s, nameEnd);
      if (i >= s.length || s.charCodeAt(i) !== 0x3d) {
        // "…, Basic realm=…": the next challenge of a list starts here.
        if (list) return nameStart;
        throw this.fail(`parameter "${s.slice(nameStart, nameEnd)}" has no "="`);
      }
      const name = s.slice(nameStart, nameEnd).toLowerCase();
      if (into.params.has(name)) throw this.fail(`parameter "${name}" appears twice`);
      i = skipLws(s, i + 1);
      if (i < s.length && s.charCodeAt(i) === 0x22) {
        const [v, end] = this.quotedString(i);
        into.params.set(name, v);
        into.quoted.add(name);
        i = end;
      } else {
        const vStart = i;
        while (i < s.length && isBareValueChar(s.charCodeAt(i))) i++;
        if (i === vStart) throw this.fail(`parameter "${name}" has no value`);
        into.params.set(name, s.slice(vStart, i));
      }
      i = skipLws(s, i);
      if (i < s.length && s.charCodeAt(i) !== 0x2c) throw this.fail(`expected "," after parameter "${name}"`);
    }
  }

  /** quoted-string at s[i] === '"' (RFC 3261 §25.1): its content and the index past it. */
  quotedString(i: number): [string, number] {
    const s = this.s;
    let out = '';
    let from = i + 1;
    for (let j = i + 1; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x22) return [out + s.slice(from, j), j + 1];
      if (c === 0x5c) {
        if (j + 1 >= s.length) break;
        out += s.slice(from, j);
        from = j + 1; // quoted-pair: keep the next char as is
        j++;
      } else if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw this.fail('control character in quoted string');
    }
    throw this.fail('unterminated quoted string');
  }
}

/**
 * Parse one challenge or one set of credentials (one header field value).
 * @param header canonical lower-case header name, used in errors (default `authorization`).
 * @throws SipParseError `SIP_ERR_HEADER_VALUE` when the value is out of grammar.
 */
export function parseAuthValue(value: string, header = 'authorization'): AuthValue {
  const p = new Parser(value, header);
  const { value: v, end } = p.one(0, false);
  if (skipLws(value, end) < value.length) throw p.fail(`unexpected "${value[end]}"`);
  return v;
}

/**
 * Parse a challenge list. SIP puts one challenge in each WWW-Authenticate field (RFC 3261 §25.1)
 * but HTTP allows several in one (`Digest realm="a", nonce="b", Basic realm="c"`, RFC 7235 §4.1);
 * both forms are accepted.
 */
export function parseChallenges(value: string, header = 'www-authenticate'): AuthValue[] {
  const p = new Parser(value, header);
  const out: AuthValue[] = [];
  let i = 0;
  for (;;) {
    i = skipLws(value, i);
    while (i < value.length && value.charCodeAt(i) === 0x2c) i = skipLws(value, i + 1);
    if (i >= value.length) break;
    const { value: v, end } = p.one(i, true);
    out.push(v);
    i = end;
  }
  if (out.length === 0) throw p.fail('no auth scheme');
  return out;
}

/** A param for formatAuthValue: name, value, and whether to write it as a quoted-string. */
export type AuthParamOut = [name: string, value: string, quoted?: boolean];

/** Escape a value as a quoted-string (`"` and `\` become quoted-pairs). */
export function quoteAuthValue(v: string): string {
  return '"' + v.replace(/(["\\])/g, '\\$1') + '"';
}

/**
 * Write `scheme name=value, name="value"`. A param is quoted when asked to, or when its value is
 * not a token (so that it can be read back).
 */
export function formatAuthValue(scheme: string, params: Iterable<AuthParamOut>, token68?: string): string {
  let out = scheme;
  let sep = ' ';
  if (token68 !== undefined) return `${scheme} ${token68}`;
  for (const [name, value, quoted] of params) {
    out += `${sep}${name}=${quoted === true || !isToken(value) ? quoteAuthValue(value) : value}`;
    sep = ', ';
  }
  return out;
}
