/**
 * Addresses: listen specifications (`udp:127.0.0.1:5070`, `tcp:[::1]:0`), IP normalisation and
 * comparison (for RFC 3261 §18.2.1's "differs from the packet source address").
 */
import { isIP } from 'node:net';
import { TransportError } from './errors.js';

/** A listen address: protocol, bare host (no brackets), port (0 = any free port). */
export interface ListenSpec {
  /** "UDP", "TCP", "TLS", "WS" or "WSS" (upper-case Via token) */
  protocol: string;
  /** bare IP address to bind (0.0.0.0, ::, 127.0.0.1, ::1...) */
  host: string;
  port: number;
  /** sent-by to advertise in Via instead of the bound address (e.g. a public address or a name) */
  advertise?: { host: string; port: number } | undefined;
  /**
   * UDP only: serve this already-bound socket (a file descriptor a parent process bound and passed
   * down: sipd's workers) instead of binding one; needs the batched addon (native-udp.ts).
   */
  fd?: number | undefined;
}

const DEFAULT_PORTS: Record<string, number> = { UDP: 5060, TCP: 5060, TLS: 5061, WS: 80, WSS: 443 };

/** Default port of a transport when a URI or Via names none (RFC 3261 §19.1.2, §18.2.2). */
export function defaultPortFor(protocol: string): number {
  return DEFAULT_PORTS[protocol.toUpperCase()] ?? 5060;
}

/** Transports a listen spec may name. */
const LISTEN_PROTOCOLS = new Set(['UDP', 'TCP', 'TLS', 'WS', 'WSS']);

const badSpec = (s: string, why: string) =>
  new TransportError('SIP_ERR_BAD_ADDRESS', `Invalid listen address "${s}": ${why}`);

/** Split "host:port", "[v6]:port", "host" (port undefined) into bare host and port. */
export function splitHostPort(s: string): { host: string; port: number | undefined } {
  let host: string;
  let rest: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new TransportError('SIP_ERR_BAD_ADDRESS', `Unterminated IPv6 reference in "${s}"`);
    host = s.slice(1, close);
    rest = s.slice(close + 1);
  } else {
    const colon = s.indexOf(':');
    // More than one colon without brackets: a bare IPv6 address without a port.
    if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) return { host: s, port: undefined };
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? '' : s.slice(colon);
  }
  if (rest === '') return { host, port: undefined };
  if (rest[0] !== ':' || !/^\d{1,5}$/.test(rest.slice(1)) || Number(rest.slice(1)) > 65535)
    throw new TransportError('SIP_ERR_BAD_ADDRESS', `Invalid port in "${s}"`);
  return { host, port: Number(rest.slice(1)) };
}

/**
 * Parse `proto:host[:port]` with proto udp, tcp, tls, ws or wss (case-insensitive), host an IPv4
 * address or a bracketed IPv6 address; port defaults to the protocol's (5060, TLS 5061, WS 80, WSS
 * 443) and 0 picks a free port.
 * Optionally `;advertise=host[:port]` names the Via sent-by to use (behind NAT, or a DNS name).
 */
export function parseListenSpec(spec: string): ListenSpec {
  const [main, ...opts] = spec.trim().split(';');
  const colon = main!.indexOf(':');
  if (colon <= 0) throw badSpec(spec, 'expected protocol:address[:port]');
  const protocol = main!.slice(0, colon).toUpperCase();
  if (!LISTEN_PROTOCOLS.has(protocol)) throw badSpec(spec, `unsupported protocol "${protocol.toLowerCase()}"`);
  const rest = main!.slice(colon + 1);
  if (!rest.startsWith('[') && rest.split(':').length > 2) throw badSpec(spec, 'IPv6 addresses go in brackets');
  const { host, port } = splitHostPort(rest);
  if (isIP(host) === 0) throw badSpec(spec, `"${host}" is not an IP address`);
  const out: ListenSpec = { protocol, host, port: port ?? defaultPortFor(protocol) };
  for (const o of opts) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    if (key !== 'advertise' || eq < 0) throw badSpec(spec, `unknown option "${o}"`);
    const a = splitHostPort(o.slice(eq + 1));
    if (a.host === '') throw badSpec(spec, 'empty advertise host');
    out.advertise = { host: a.host, port: a.port ?? out.port };
  }
  return out;
}

/** `udp:127.0.0.1:5070`, `tcp:[::1]:5070` */
export function formatListenSpec(s: { protocol: string; host: string; port: number }): string {
  return `${s.protocol.toLowerCase()}:${hostForUri(s.host)}:${s.port}`;
}

/** An address as a URI/Via host: IPv6 in brackets, others unchanged. */
export function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Bare form of an address: brackets removed, IPv4-mapped IPv6 (::ffff:a.b.c.d) reduced to IPv4, lower-case. */
export function normalizeIp(addr: string): string {
  let a = addr.charCodeAt(0) === 0x5b ? addr.slice(1, -1) : addr;
  if (a.length > 7 && a.charCodeAt(0) === 0x3a && a.slice(0, 7).toLowerCase() === '::ffff:' && isIP(a.slice(7)) === 4)
    a = a.slice(7);
  return a.toLowerCase();
}

/** Expand an IPv6 address to its full 8-group form for comparison. */
function expandIPv6(a: string): string {
  let s = a.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    const p = s
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    s = s.slice(0, lastColon + 1) + ((p[0]! << 8) | p[1]!).toString(16) + ':' + ((p[2]! << 8) | p[3]!).toString(16);
  }
  const dbl = s.indexOf('::');
  let groups: string[];
  if (dbl >= 0) {
    const head = s.slice(0, dbl) === '' ? [] : s.slice(0, dbl).split(':');
    const tail = s.slice(dbl + 2) === '' ? [] : s.slice(dbl + 2).split(':');
    groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else groups = s.split(':');
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** Whether two addresses are the same IP (brackets, case, IPv6 compression and IPv4 mapping ignored). */
export function sameIp(a: string, b: string): boolean {
  const x = normalizeIp(a);
  const y = normalizeIp(b);
  if (x === y) return true;
  if (isIP(x) !== 6 || isIP(y) !== 6) return false;
  return expandIPv6(x) === expandIPv6(y);
}

/** Address family of an IP address (brackets allowed), or 0 for a host name. */
export function ipFamily(addr: string): 0 | 4 | 6 {
  return isIP(addr.charCodeAt(0) === 0x5b ? addr.slice(1, -1) : addr) as 0 | 4 | 6;
}
