/**
 * URIs: SIP and SIPS (RFC 3261 §19.1, §25.1, with RFC 5954's IPv6 fix), tel (RFC 3966) and, for
 * any other scheme, absoluteURI (RFC 2396) kept as text. Components are kept as written (still
 * %-escaped); comparison (§19.1.4) unescapes.
 */
import { isIPv4Literal, isIPv6 } from './ip.js';
import { ParamList } from './param-list.js';
import { SipParseError } from '../errors.js';
import {
  ALPHA,
  allOf,
  allOfEscaped,
  DIGIT,
  HNV,
  HOST,
  PARAMCHAR,
  PASSWORD,
  SCHEME,
  unescape,
  URIC,
  USER,
} from './chars.js';
import { formatParams, type Params } from './params.js';

/** Kept here for the grammar's users (it moved to ip.ts with the IPv6 check). */
export { isIPv4Literal };

export interface SipUri {
  scheme: 'sip' | 'sips';
  /** user part as written (may contain %-escapes); undefined when there is no userinfo. */
  user: string | undefined;
  password: string | undefined;
  /** host as written: a hostname, an IPv4 address or a bracketed IPv6 reference "[2001:db8::1]". */
  host: string;
  port: number | undefined;
  /** uri-parameters, names lower-case, values as written (null for a flag such as `lr`). */
  params: Params;
  /** the headers component after "?", as written. */
  headers: string | undefined;
}

export interface TelUri {
  scheme: 'tel';
  number: string;
  params: Params;
}

/** A URI of a scheme we do not interpret (RFC 4475 §3.3.2–3.3.4 require accepting them). */
export interface OtherUri {
  scheme: string;
  /** everything after "scheme:" */
  rest: string;
}

export type Uri = SipUri | TelUri | OtherUri;

export function isSipUri(u: Uri): u is SipUri {
  return u.scheme === 'sip' || u.scheme === 'sips';
}

const uriError = (why: string) => new SipParseError('SIP_ERR_URI', `Malformed URI: ${why}`);

/** Parse any URI: sip/sips/tel are interpreted, other schemes are checked as absoluteURI. */
export function parseUri(s: string): Uri {
  const colon = s.indexOf(':');
  if (colon <= 0 || ALPHA[s.charCodeAt(0)] !== 1 || !allOf(SCHEME, s, 0, colon)) throw uriError(`no scheme in "${s}"`);
  const scheme = s.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(s, colon, scheme);
  if (scheme === 'tel') return parseTelUri(s, colon);
  const rest = s.slice(colon + 1);
  if (!allOf(URIC, rest)) throw uriError(`invalid characters in "${s}"`);
  return { scheme, rest };
}

function parseSipUri(s: string, colon: number, scheme: 'sip' | 'sips'): SipUri {
  let i = colon + 1;
  const end = s.length;
  let user: string | undefined;
  let password: string | undefined;
  // userinfo ends at the first "@": user may contain ";", "?", "/", "," (user-unreserved) but
  // never a raw "@", and neither may the host, parameters or (escaped) headers.
  const at = s.indexOf('@', i);
  if (at >= 0) {
    const pwColon = s.indexOf(':', i);
    const userEnd = pwColon >= 0 && pwColon < at ? pwColon : at;
    if (!allOfEscaped(USER, s, i, userEnd)) throw uriError(`invalid user part in "${s}"`);
    user = s.slice(i, userEnd);
    if (userEnd < at) {
      if (at > userEnd + 1 && !allOfEscaped(PASSWORD, s, userEnd + 1, at)) throw uriError(`invalid password in "${s}"`);
      password = s.slice(userEnd + 1, at);
    }
    i = at + 1;
  }
  // host
  let host: string;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) throw uriError(`unterminated IPv6 reference in "${s}"`);
    const addr = s.slice(i + 1, close);
    if (!isIPv6(addr)) throw uriError(`invalid IPv6 address "${addr}"`);
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    const hStart = i;
    i = scanHostname(s, hStart);
    if (i < 0) {
      let e = hStart;
      while (e < end && HOST[s.charCodeAt(e)] === 1) e++;
      throw uriError(e === hStart ? `missing host in "${s}"` : `invalid host "${s.slice(hStart, e)}"`);
    }
    host = s.slice(hStart, i);
  }
  let port: number | undefined;
  if (i < end && s.charCodeAt(i) === 0x3a /* : */) {
    const pStart = ++i;
    while (i < end && DIGIT[s.charCodeAt(i)] === 1) i++;
    port = parsePort(s, pStart, i);
  }
  const params: Params = new ParamList();
  while (i < end && s.charCodeAt(i) === 0x3b /* ; */) {
    const nStart = ++i;
    while (i < end && s.charCodeAt(i) !== 0x3b && s.charCodeAt(i) !== 0x3f && s.charCodeAt(i) !== 0x3d) i++;
    if (!allOfEscaped(PARAMCHAR, s, nStart, i)) throw uriError(`invalid parameter name in "${s}"`);
    const name = s.slice(nStart, i).toLowerCase();
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === 0x3d /* = */) {
      const vStart = ++i;
      while (i < end && s.charCodeAt(i) !== 0x3b && s.charCodeAt(i) !== 0x3f) i++;
      if (!allOfEscaped(PARAMCHAR, s, vStart, i)) throw uriError(`invalid value of parameter "${name}" in "${s}"`);
      value = s.slice(vStart, i);
    }
    params.set(name, value);
  }
  let headers: string | undefined;
  if (i < end && s.charCodeAt(i) === 0x3f /* ? */) {
    headers = s.slice(i + 1);
    // headers = hname "=" hvalue *( "&" hname "=" hvalue )
    for (const h of headers.split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0 || !allOfEscaped(HNV, h, 0, eq) || (eq + 1 < h.length && !allOfEscaped(HNV, h, eq + 1, h.length)))
        throw uriError(`invalid headers component in "${s}"`);
    }
    i = end;
  }
  if (i !== end) throw uriError(`unexpected "${s[i]}" in "${s}"`);
  return { scheme, user, password, host, port, params, headers };
}

function parsePort(s: string, start: number, end: number): number {
  if (end === start || end - start > 5) throw uriError(`invalid port in "${s}"`);
  const port = Number(s.slice(start, end));
  if (port > 65535) throw uriError(`port out of range in "${s}"`);
  return port;
}

/**
 * hostname = *( domainlabel "." ) toplabel [ "." ] / IPv4address (RFC 3261 §25.1). Lenient where
 * deployments are: "_" is accepted and a top label may start with a digit (container names), but
 * a name made only of digits and dots must be a valid IPv4 address. One pass, no allocation.
 */
export function isHostname(h: string): boolean {
  const n = h.length;
  if (n === 0 || n > 255) return false;
  let labelLen = 0;
  let prev = 0x2e;
  let onlyDigits = true;
  for (let i = 0; i < n; i++) {
    const c = h.charCodeAt(i);
    if (c === 0x2e) {
      if (labelLen === 0 || prev === 0x2d) return false;
      labelLen = 0;
    } else {
      if (c > 255 || HOST[c] !== 1 || c === 0x2e) return false;
      if (labelLen === 0 && c === 0x2d) return false;
      if (c < 0x30 || c > 0x39) onlyDigits = false;
      if (++labelLen > 63) return false;
    }
    prev = c;
  }
  if (prev === 0x2d) return false;
  return onlyDigits ? isIPv4Literal(h) : true;
}

/**
 * Scan a hostname (or IPv4 address) starting at s[start] and validate it in the same pass, with
 * isHostname()'s rules. Returns the index after it, or -1 when what is there is not a valid host.
 */
export function scanHostname(s: string, start: number): number {
  const n = s.length;
  let i = start;
  let labelLen = 0;
  let prev = 0x2e;
  let onlyDigits = true;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (labelLen === 0 || prev === 0x2d) return -1;
      labelLen = 0;
    } else if (c < 256 && HOST[c] === 1) {
      if (labelLen === 0 && c === 0x2d) return -1;
      if (c < 0x30 || c > 0x39) onlyDigits = false;
      if (++labelLen > 63) return -1;
    } else break;
    prev = c;
  }
  if (i === start || i - start > 255 || prev === 0x2d) return -1;
  if (onlyDigits && !isIPv4Literal(s.slice(start, i))) return -1;
  return i;
}

function parseTelUri(s: string, colon: number): TelUri {
  const semi = s.indexOf(';', colon);
  const number = s.slice(colon + 1, semi < 0 ? s.length : semi);
  if (!/^\+?[0-9A-Fa-f*#\-.()pPwW]+$/.test(number)) throw uriError(`invalid telephone number in "${s}"`);
  const params: Params = new ParamList();
  if (semi >= 0) {
    for (const p of s.slice(semi + 1).split(';')) {
      const eq = p.indexOf('=');
      const name = (eq < 0 ? p : p.slice(0, eq)).toLowerCase();
      if (!name || !allOfEscaped(URIC, name)) throw uriError(`invalid parameter in "${s}"`);
      params.set(name, eq < 0 ? null : p.slice(eq + 1));
    }
  }
  return { scheme: 'tel', number, params };
}

/** Write a URI back as text. */
export function formatUri(u: Uri): string {
  if (isSipUri(u)) {
    let out = u.scheme + ':';
    if (u.user !== undefined) out += u.user + (u.password !== undefined ? ':' + u.password : '') + '@';
    out += u.host;
    if (u.port !== undefined) out += ':' + u.port;
    out += formatParams(u.params);
    if (u.headers !== undefined) out += '?' + u.headers;
    return out;
  }
  if (u.scheme === 'tel') {
    const t = u as TelUri;
    let out = 'tel:' + t.number;
    out += formatParams(t.params);
    return out;
  }
  return u.scheme + ':' + (u as OtherUri).rest;
}

/** Host without IPv6 brackets, lower-case: what a socket or a DNS lookup wants. */
export function bareHost(host: string): string {
  return (host.charCodeAt(0) === 0x5b ? host.slice(1, -1) : host).toLowerCase();
}

/** Port of a SIP URI, or its default (RFC 3263 §4.2 without DNS: 5061 for sips or TLS, else 5060). */
export function defaultPort(u: SipUri): number {
  return u.port ?? (u.scheme === 'sips' || u.params.get('transport')?.toLowerCase() === 'tls' ? 5061 : 5060);
}

/** A deep copy that can be modified without touching the original. */
export function cloneSipUri(u: SipUri): SipUri {
  return { ...u, params: new ParamList(u.params) };
}

// Parameters that, when present in only one of two URIs, make them differ (§19.1.4).
const SIGNIFICANT_PARAMS = ['user', 'ttl', 'method', 'maddr'];

/**
 * URI equality of RFC 3261 §19.1.4: scheme, user and password case-sensitive after unescaping,
 * host case-insensitive, ports compared as written (5060 ≠ absent), parameters present in both
 * must match case-insensitively, and user/ttl/method/maddr/transport must agree when either has
 * them. Headers are compared too.
 */
export function sipUriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if ((a.user === undefined) !== (b.user === undefined)) return false;
  if (a.user !== undefined && unescape(a.user) !== unescape(b.user!)) return false;
  if ((a.password ?? '') !== (b.password ?? '') && unescape(a.password ?? '') !== unescape(b.password ?? ''))
    return false;
  if (bareHost(a.host) !== bareHost(b.host)) return false;
  if (a.port !== b.port) return false;
  for (const [k, v] of a.params) {
    if (!b.params.has(k)) {
      if (SIGNIFICANT_PARAMS.includes(k) || k === 'transport') return false;
      continue;
    }
    const w = b.params.get(k);
    if ((v === null) !== (w === null)) return false;
    if (v !== null && unescape(v).toLowerCase() !== unescape(w!).toLowerCase()) return false;
  }
  for (const k of b.params.keys())
    if (!a.params.has(k) && (SIGNIFICANT_PARAMS.includes(k) || k === 'transport')) return false;
  if ((a.headers ?? '') !== (b.headers ?? '')) {
    const ha = new Set((a.headers ?? '').split('&').map((h) => unescape(h)));
    const hb = (b.headers ?? '').split('&').map((h) => unescape(h));
    if (ha.size !== hb.length || !hb.every((h) => ha.has(h))) return false;
  }
  return true;
}
