/**
 * Where to send a request for a next-hop URI: RFC 3263 reduced to what a registrar/proxy for a
 * small service needs without NAPTR/SRV — the transport from the `transport` parameter (sips →
 * TLS, or WSS with transport=ws), the port from the URI or the transport's default, an IP literal as is, a host name via
 * the system resolver (A/AAAA). `maddr` overrides the host (RFC 3261 §19.1.1).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { bareHost, type SipUri } from '../grammar/uri.js';
import { TransportError } from './errors.js';
import type { Destination } from './types.js';

export async function resolveNextHop(uri: SipUri): Promise<Destination> {
  const t = uri.params.get('transport')?.toUpperCase();
  // RFC 7118 §5.2: transport=ws names WebSocket, secure (WSS) under a sips: URI.
  const protocol =
    uri.scheme === 'sips'
      ? t === 'WS' || t === 'WSS'
        ? 'WSS'
        : 'TLS'
      : t === 'TCP' || t === 'TLS' || t === 'WS' || t === 'WSS' || t === 'SCTP'
        ? t
        : 'UDP';
  const port = uri.port ?? (protocol === 'TLS' ? 5061 : 5060);
  const host = bareHost(uri.params.get('maddr') ?? uri.host);
  if (isIP(host)) return { protocol, address: host, port };
  try {
    const a = await lookup(host);
    // The name goes along for TLS: SNI, and the identity the server's certificate must show (RFC 5922 §7.2).
    return { protocol, address: a.address, port, serverName: host };
  } catch (e) {
    throw new TransportError('SIP_ERR_BAD_ADDRESS', `cannot resolve ${host}: ${(e as Error).message}`);
  }
}
