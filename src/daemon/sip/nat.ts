/**
 * NAT traversal help (Kamailio's nathelper): a registration whose Contact does not match where
 * it came from is behind NAT, so its real source is stored as `received` (fix_nated_register)
 * and requests for it are sent there (the Request-URI stays the Contact). Stream registrations
 * are reached over their own connection.
 */
import { bareHost, isSipUri, sameIp, type MessageSource, type SipRequest } from '../../core/index.js';
import type { Binding } from '../registrar/binding.js';
import type { BranchTarget } from './proxy-context.js';

/** RFC 1918 / RFC 6598 / IPv6 ULA addresses: a Contact with one of them is behind NAT (nat_uac_test 1). */
export function isPrivateAddress(ip: string): boolean {
  return (
    /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/.test(ip) ||
    /^f[cd]/i.test(ip)
  );
}

/**
 * The `received` URI for a REGISTER from behind NAT, or undefined when the first Contact is
 * reachable as written: its host and port equal the source (nat_uac_test 1 + 2 + 16).
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
  const host = bareHost(uri.host);
  const port = uri.port ?? 5060;
  if (sameIp(host, source.remoteAddress) && port === source.remotePort && !isPrivateAddress(host)) return undefined;
  const ip = source.remoteAddress.includes(':') ? `[${source.remoteAddress}]` : source.remoteAddress;
  return `sip:${ip}:${source.remotePort};transport=${source.protocol.toLowerCase()}`;
}

/** A proxy branch for a binding: its Contact as Request-URI, sent to its real source if NAT'd. */
export function branchFor(b: Binding): BranchTarget {
  const target: BranchTarget = { uri: b.contact };
  if (b.path) target.path = b.path;
  if (b.received) {
    const m = /^sips?:\[?([^\]]+?)\]?:(\d+)(?:;transport=(\w+))?/i.exec(b.received);
    if (m) target.destination = { address: m[1]!, port: Number(m[2]), protocol: (m[3] ?? 'udp').toUpperCase() };
  }
  if (b.connectionId > 0 && target.destination) target.destination.connectionId = b.connectionId;
  return target;
}
