/**
 * Listen addresses as operators write them: `PROTO:HOST:PORT`, the form Kamailio's `listen=`
 * uses. IPv6 hosts go in brackets (`tcp:[::1]:5070`); the port may be omitted (5060) and may be 0
 * (an ephemeral port, chosen by the kernel; `sipd status` then shows the real one).
 */
import { isIP } from 'node:net';

export const SIP_PROTOCOLS = ['udp', 'tcp'] as const;
export type SipProtocol = (typeof SIP_PROTOCOLS)[number];

export interface ListenSpec {
  readonly proto: SipProtocol;
  /** IP literal without brackets, or a host name resolved when binding. */
  readonly host: string;
  readonly port: number;
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

/** Parses `udp:127.0.0.1:5070`, `tcp:[::1]:5070`, `udp:example.com`. Throws a one-line reason. */
export function parseListen(text: string): ListenSpec {
  const m = /^([A-Za-z]+):(.*)$/.exec(text.trim());
  if (!m) throw new Error(`expected PROTO:HOST:PORT (for example udp:0.0.0.0:5060), got '${text}'`);
  const proto = m[1].toLowerCase();
  if (!(SIP_PROTOCOLS as readonly string[]).includes(proto)) {
    throw new Error(`unsupported protocol '${m[1]}' in '${text}' (supported: ${SIP_PROTOCOLS.join(', ')})`);
  }
  const rest = m[2];
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) throw new Error(`unclosed '[' in '${text}'`);
    host = rest.slice(1, end);
    const after = rest.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) throw new Error(`unexpected '${after}' after ']' in '${text}'`);
    portText = after === '' ? undefined : after.slice(1);
    if (isIP(host) !== 6) throw new Error(`'${host}' in brackets is not an IPv6 address in '${text}'`);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon) {
      throw new Error(`IPv6 addresses need brackets, as in ${proto}:[::1]:5060 (got '${text}')`);
    }
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (host === '*') host = '0.0.0.0';
    if (host === '') throw new Error(`missing host in '${text}'`);
    if (isIP(host) !== 4 && !isHostname(host)) throw new Error(`'${host}' is not an IP address or host name`);
  }
  let port = DEFAULT_SIP_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw new Error(`port '${portText}' in '${text}' is not a number from 0 to 65535`);
    }
    port = Number(portText);
  }
  return { proto: proto as SipProtocol, host, port };
}

/** The canonical text of a listen spec or bound address (`tcp:[::1]:5070`). */
export function formatListen(l: { proto: string; host: string; port: number }): string {
  const host = isIP(l.host) === 6 ? `[${l.host}]` : l.host;
  return `${l.proto}:${host}:${l.port}`;
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
