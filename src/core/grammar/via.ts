/**
 * Via (RFC 3261 §20.42, §25.1): `SIP / 2.0 / transport sent-by *( SEMI via-params )`, LWS allowed
 * around "/" (RFC 4475 §3.1.1.1). `received` may be IPv4 or IPv6, with or without brackets
 * (RFC 5118 §4.5); `rport` may be empty (RFC 3581).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { SipParseError } from '../errors.js';
import { DIGIT, HOST, isWs, TOKEN } from './chars.js';
import { parseParams, skipWs, type Params } from './params.js';
import { isHostname } from './uri.js';

export interface Via {
  /** "SIP" */
  protocol: string;
  /** "2.0" */
  version: string;
  /** upper-case transport: UDP, TCP, TLS, SCTP, WS, WSS or an extension token */
  transport: string;
  /** sent-by host as written (IPv6 in brackets) */
  host: string;
  port: number | undefined;
  params: Params;
}

/** The RFC 3261 magic cookie that marks a branch as globally unique (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

function token(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) < 256 && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

/** Parse one via-parm (already split from the list). */
export function parseVia(s: string): Via {
  const bad = (why: string) => new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed Via: ${why}`, { header: 'via' });
  let i = skipWs(s, 0);
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      i = skipWs(s, i);
      if (s.charCodeAt(i) !== 0x2f) throw bad('expected "/" in sent-protocol');
      i = skipWs(s, i + 1);
    }
    const end = token(s, i);
    if (end === i) throw bad('empty sent-protocol element');
    parts.push(s.slice(i, end));
    i = end;
  }
  if (!isWs(s.charCodeAt(i))) throw bad('missing space before sent-by');
  i = skipWs(s, i);
  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0 || !isIPv6(s.slice(i + 1, close))) throw bad('invalid IPv6 reference in sent-by');
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    const start = i;
    while (i < s.length && HOST[s.charCodeAt(i)] === 1) i++;
    host = s.slice(start, i);
    if (!isHostname(host)) throw bad(`invalid sent-by host "${host}"`);
  }
  let port: number | undefined;
  const afterHost = skipWs(s, i);
  if (s.charCodeAt(afterHost) === 0x3a) {
    i = skipWs(s, afterHost + 1);
    const start = i;
    while (i < s.length && DIGIT[s.charCodeAt(i)] === 1) i++;
    if (i === start || i - start > 5 || Number(s.slice(start, i)) > 65535) throw bad('invalid sent-by port');
    port = Number(s.slice(start, i));
  }
  const params: Params = new Map();
  i = parseParams(s, i, params, 'Via');
  if (i !== s.length) throw bad(`unexpected "${s[i]}"`);
  const version = parts[1]!;
  if (parts[0]!.toUpperCase() !== 'SIP' || version !== '2.0')
    throw new SipParseError('SIP_ERR_VERSION', 'SIP Version Not Supported', { status: 505, header: 'via' });
  checkViaParams(params, bad);
  return { protocol: 'SIP', version, transport: parts[2]!.toUpperCase(), host, port, params };
}

function checkViaParams(params: Params, bad: (why: string) => SipParseError): void {
  const received = params.get('received');
  if (received !== undefined) {
    const addr =
      received !== null && received.startsWith('[') && received.endsWith(']') ? received.slice(1, -1) : received;
    if (addr === null || !(isIPv4(addr) || isIPv6(addr))) throw bad('received is not an IP address');
  }
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && (!/^\d{1,5}$/.test(rport) || Number(rport) > 65535))
    throw bad('invalid rport');
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !/^\d{1,3}$/.test(ttl) || Number(ttl) > 255)) throw bad('invalid ttl');
  const branch = params.get('branch');
  if (branch === null) throw bad('branch without a value');
}

export function viaBranch(v: Via): string | undefined {
  return v.params.get('branch') ?? undefined;
}

/** sent-by as "host:port" (port defaulted per transport when absent: 5061 for TLS, else 5060). */
export function viaSentBy(v: Via): string {
  return `${v.host.toLowerCase()}:${v.port ?? (v.transport === 'TLS' || v.transport === 'WSS' ? 5061 : 5060)}`;
}

/** Write a Via back: `SIP/2.0/UDP host:port;params`. */
export function formatVia(v: Via): string {
  let out = `SIP/2.0/${v.transport} ${v.host}`;
  if (v.port !== undefined) out += ':' + v.port;
  for (const [k, val] of v.params) out += val === null ? ';' + k : ';' + k + '=' + val;
  return out;
}
