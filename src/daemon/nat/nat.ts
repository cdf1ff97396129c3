/**
 * Folder daemon/nat/: NAT traversal help: detecting a NAT'd registration and routing to it (this
 * file) and keeping its pinhole open with OPTIONS keepalives (nat-keepalive.ts).
 *
 * NAT traversal help (Kamailio's nathelper): a registration from behind NAT (see natReceived)
 * has its real source stored as `received` (fix_nated_register)
 * and requests for it are sent there (the Request-URI stays the Contact). Stream registrations
 * are reached over their own connection.
 */
import {
  bareHost,
  isSipUri,
  sameIp,
  type MessageSource,
  type SipRequest,
  type BranchTarget,
} from '../../core/index.js';
import type { Binding } from '../registrar/binding.js';

/** RFC 1918 / RFC 6598 / IPv6 ULA addresses: a Contact with one of them is behind NAT (nat_uac_test 1). */
export function isPrivateAddress(ip: string): boolean {
  return (
    /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(ip) ||
    /^f[cd]/i.test(ip)
  );
}

/**
 * The `received` URI for a REGISTER from behind NAT, or undefined when it is not behind NAT.
 * The test is Kamailio's default `nat_uac_test("19")`: the first Contact has a private address
 * (1), or the top Via's sent-by differs from the source address (2) or port (16). Contact vs
 * source alone does not mean NAT: a registration made for another device (a provisioning tool,
 * sipp registering its UAS) names an address that is not where the REGISTER came from.
 */
export function natReceived(req: SipRequest, source: MessageSource): string | undefined {
  const contacts = req.contacts();
  if (contacts === '*' || contacts.length === 0) return undefined;
  let uri;
  try {
    uri = contacts[0]!.uri;
  } catch {
    return undefined;
  }
  if (!isSipUri(uri)) return undefined;
  const via = req.topVia();
  const src = source.remoteAddress;
  const contactHost = bareHost(uri.host);
  const natted =
    (isPrivateAddress(contactHost) && !(sameIp(contactHost, src) && (uri.port ?? 5060) === source.remotePort)) ||
    (via !== undefined &&
      (!sameIp(bareHost(via.host), src) ||
        (via.port ?? (via.transport === 'TLS' ? 5061 : 5060)) !== source.remotePort));
  if (!natted) return undefined;
  return sourceUri(source);
}

/** The source of a message as natReceived's URI form: "sip:203.0.113.7:5060;transport=udp". */
export function sourceUri(source: MessageSource): string {
  const src = source.remoteAddress;
  const ip = src.includes(':') ? `[${src}]` : src;
  return `sip:${ip}:${source.remotePort};transport=${source.protocol.toLowerCase()}`;
}

/**
 * The `received` of a REGISTER: for a WebSocket client always its connection's source (RFC
 * 7118 §5.4: a browser cannot be reached at its Contact, whose host is a made-up `.invalid`
 * name; only the connection it opened leads to it, whatever fix_nated_register says); else the
 * NAT test's answer when `fixNated`.
 */
export function registerReceived(req: SipRequest, source: MessageSource, fixNated: boolean): string | undefined {
  if (source.protocol === 'WS' || source.protocol === 'WSS') return sourceUri(source);
  return fixNated ? natReceived(req, source) : undefined;
}

/** A proxy branch for a binding: its Contact as Request-URI, sent to its real source if NAT'd. */
export function branchFor(b: Binding): BranchTarget {
  const target: BranchTarget = { uri: b.contact, registered: true };
  if (b.path) target.path = b.path;
  if (b.received) {
    // "sip:203.0.113.7:5060;transport=udp" or "sip:[2001:db8::7]:5060;transport=tcp" (natReceived's form).
    const m = /^sips?:(?:\[([^\]]+)\]|([^:;]+)):(\d+)(?:;transport=(\w+))?/i.exec(b.received);
    if (m) target.destination = { address: m[1] ?? m[2]!, port: Number(m[3]), protocol: (m[4] ?? 'udp').toUpperCase() };
  }
  if (b.connectionId > 0 && target.destination) target.destination.connectionId = b.connectionId;
  return target;
}
