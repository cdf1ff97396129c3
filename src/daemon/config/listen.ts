/**
 * Listen addresses as operators write them: `PROTO:HOST:PORT`, the form Kamailio's `listen=`
 * uses. IPv6 hosts go in brackets (`tcp:[::1]:5070`); the port may be omitted (5060) and may be 0
 * (an ephemeral port, chosen by the kernel; `sipd status` then shows the real one);
 * `;advertise=HOST[:PORT]` sets the Via sent-by behind NAT. Parsing is the core transport's
 * (parseListenSpec), so sipd accepts exactly what the transport can bind.
 */
import { isIP } from 'node:net';
import { parseListenSpec, type ListenSpec as CoreListenSpec } from '../../core/index.js';

export const SIP_PROTOCOLS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const;
export type SipProtocol = (typeof SIP_PROTOCOLS)[number];

export interface ListenSpec {
  readonly proto: SipProtocol;
  /** IP literal without brackets. */
  readonly host: string;
  readonly port: number;
  /** Via sent-by to advertise instead of the bound address. */
  readonly advertise?: { readonly host: string; readonly port: number };
  /**
   * Only the zero-config IPv6 wildcard listeners are optional: a host without IPv6 skips them
   * with a warning instead of failing to start.
   */
  readonly optional?: boolean;
}

/** A bound listener: what `status` and `core.sockets_list` report. */
export interface BoundAddress {
  readonly proto: SipProtocol;
  readonly host: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

export const DEFAULT_SIP_PORT = 5060;

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** True for a DNS host name (letters, digits, hyphens, dots; RFC 1123 labels). */
export function isHostname(s: string): boolean {
  return HOSTNAME.test(s);
}

/** Parses `udp:127.0.0.1:5070`, `tcp:[::1]:5070;advertise=sip.example.com`. Throws a one-line reason. */
export function parseListen(text: string): ListenSpec {
  let s: CoreListenSpec;
  try {
    s = parseListenSpec(text);
  } catch (e) {
    // "Invalid listen address "x": why" → "why (in 'x')": the key is printed before it already.
    const m = /^Invalid listen address ".*": (.*)$/.exec((e as Error).message);
    throw new Error(
      m
        ? `${m[1]} (expected PROTO:ADDRESS:PORT such as udp:0.0.0.0:5060, tcp:[::1]:5070, tls:0.0.0.0:5061 or wss:0.0.0.0:8443)`
        : (e as Error).message,
    );
  }
  return {
    proto: s.protocol.toLowerCase() as SipProtocol,
    host: s.host,
    port: s.port,
    ...(s.advertise ? { advertise: s.advertise } : {}),
  };
}

/** The core transport's form of a spec. */
export function toCoreListenSpec(l: ListenSpec): CoreListenSpec {
  return { protocol: l.proto.toUpperCase(), host: l.host, port: l.port, advertise: l.advertise };
}

/** The canonical text of a listen spec or bound address (`tcp:[::1]:5070`). */
export function formatListen(l: {
  proto: string;
  host: string;
  port: number;
  advertise?: { host: string; port: number };
}): string {
  const host = isIP(l.host) === 6 ? `[${l.host}]` : l.host;
  const adv = l.advertise ? `;advertise=${l.advertise.host}:${l.advertise.port}` : '';
  return `${l.proto}:${host}:${l.port}${adv}`;
}

/** Listeners that need the [tls] certificates. */
export function needsCertificates(l: ListenSpec): boolean {
  return l.proto === 'tls' || l.proto === 'wss';
}

/** Zero-config listeners: UDP and TCP on port 5060 on every IPv4 address, and on IPv6 if present. */
export function defaultListen(): ListenSpec[] {
  return [
    { proto: 'udp', host: '0.0.0.0', port: DEFAULT_SIP_PORT },
    { proto: 'tcp', host: '0.0.0.0', port: DEFAULT_SIP_PORT },
    { proto: 'udp', host: '::', port: DEFAULT_SIP_PORT, optional: true },
    { proto: 'tcp', host: '::', port: DEFAULT_SIP_PORT, optional: true },
  ];
}
