/**
 * Via (RFC 3261 §20.42, §25.1): `SIP / 2.0 / transport sent-by *( SEMI via-params )`, LWS allowed
 * around "/" (RFC 4475 §3.1.1.1). `received` may be IPv4 or IPv6, with or without brackets
 * (RFC 5118 §4.5); `rport` may be empty (RFC 3581).
 */
import { ParamList } from './param-list.js';
import { SipParseError } from '../errors.js';
import { DIGIT, HOST, isWs, TOKEN } from './chars.js';
import { formatParams, parseParams, skipWs, type Params } from './params.js';
import { isIPv4Literal, isIPv6 } from './ip.js';
import { scanHostname } from './uri.js';

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

const bad = (why: string) => new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed Via: ${why}`, { header: 'via' });

/** The usual spellings of the transport, so that no upper-casing is needed for them. */
const TRANSPORTS: Record<string, string> = { UDP: 'UDP', TCP: 'TCP', TLS: 'TLS', WS: 'WS', WSS: 'WSS', SCTP: 'SCTP' };

/** Parse one via-parm (already split from the list). */
export function parseVia(s: string): Via {
  let i = 0;
  let transport: string;
  if (s.startsWith('SIP/2.0/')) {
    // Fast path: the spelling everybody sends.
    const end = token(s, 8);
    if (end === 8) throw bad('empty transport');
    const t = s.slice(8, end);
    transport = TRANSPORTS[t] ?? t.toUpperCase();
    i = end;
  } else {
    // General form: LWS is allowed around each "/" (RFC 4475 §3.1.1.1).
    i = skipWs(s, 0);
    let protocol = '';
    let version = '';
    transport = '';
    for (let k = 0; k < 3; k++) {
      if (k > 0) {
        i = skipWs(s, i);
        if (s.charCodeAt(i) !== 0x2f) throw bad('expected "/" in sent-protocol');
        i = skipWs(s, i + 1);
      }
      const end = token(s, i);
      if (end === i) throw bad('empty sent-protocol element');
      const part = s.slice(i, end);
      if (k === 0) protocol = part;
      else if (k === 1) version = part;
      else transport = part.toUpperCase();
      i = end;
    }
    if (protocol.toUpperCase() !== 'SIP' || version !== '2.0')
      throw new SipParseError('SIP_ERR_VERSION', 'SIP Version Not Supported', { status: 505, header: 'via' });
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
    i = scanHostname(s, start);
    if (i < 0) {
      let e = start;
      while (e < s.length && HOST[s.charCodeAt(e)] === 1) e++;
      throw bad(`invalid sent-by host "${s.slice(start, e)}"`);
    }
    host = s.slice(start, i);
  }
  let port: number | undefined;
  if (s.charCodeAt(i) !== 0x3b) {
    const afterHost = skipWs(s, i);
    if (s.charCodeAt(afterHost) === 0x3a) {
      i = skipWs(s, afterHost + 1);
      let p = 0;
      const start = i;
      while (i < s.length && DIGIT[s.charCodeAt(i)] === 1) p = p * 10 + (s.charCodeAt(i++) - 0x30);
      if (i === start || i - start > 5 || p > 65535) throw bad('invalid sent-by port');
      port = p;
    }
  }
  const params: Params = new ParamList();
  i = parseParams(s, i, params, 'Via');
  if (i !== s.length) throw bad(`unexpected "${s[i]}"`);
  checkViaParams(params);
  return { protocol: 'SIP', version: '2.0', transport, host, port, params };
}

function isDigits(v: string, maxLen: number): boolean {
  if (v.length === 0 || v.length > maxLen) return false;
  for (let i = 0; i < v.length; i++) if (DIGIT[v.charCodeAt(i)] !== 1) return false;
  return true;
}

function checkViaParams(params: Params): void {
  if (params.size === 1 && params.has('branch')) {
    if (params.get('branch') === null) throw bad('branch without a value');
    return;
  }
  const received = params.get('received');
  if (received !== undefined) {
    const addr =
      received !== null && received.startsWith('[') && received.endsWith(']') ? received.slice(1, -1) : received;
    if (addr === null || !(isIPv4Literal(addr) || isIPv6(addr))) throw bad('received is not an IP address');
  }
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null && (!isDigits(rport, 5) || Number(rport) > 65535))
    throw bad('invalid rport');
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !isDigits(ttl, 3) || Number(ttl) > 255)) throw bad('invalid ttl');
  if (params.get('branch') === null) throw bad('branch without a value');
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
  return out + formatParams(v.params);
}
