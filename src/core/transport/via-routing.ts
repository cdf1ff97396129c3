/**
 * The Via rules of the transport layer:
 * - on receipt of a request, RFC 3261 §18.2.1 `received` and RFC 3581 `rport`;
 * - where to send a response, RFC 3261 §18.2.2 with RFC 3581 §4;
 * - what a message must carry before the transaction layer can route it.
 */
import { ParamList } from '../grammar/param-list.js';
import { SipParseError } from '../errors.js';
import { bareHost } from '../grammar/uri.js';
import type { Via } from '../grammar/via.js';
import type { AnyMessage, SipRequest } from '../message/message.js';
import { defaultPortFor, normalizeIp, sameIp } from './address.js';
import type { MessageSource, Transport } from './types.js';

/** Transports whose Via token means a reliable, connection-oriented transport. */
const RELIABLE = new Set(['TCP', 'TLS', 'SCTP', 'TLS-SCTP', 'WS', 'WSS']);

export function isReliableProtocol(protocol: string): boolean {
  return RELIABLE.has(protocol);
}

/**
 * Throw a SipParseError unless the message has what routing and transaction matching read: a
 * parseable Via list with at least one value, CSeq, Call-ID, From and To (and, in a request, a
 * CSeq method equal to the request method). The rest is left to the application (validateMessage).
 */
export function checkRoutable(msg: AnyMessage): void {
  if (msg.vias().length === 0)
    throw new SipParseError('SIP_ERR_MISSING_HEADER', 'Missing Via header', { header: 'via' });
  const cseq = msg.cseq();
  msg.callId();
  msg.from();
  msg.to();
  if (msg.isRequest && cseq.method !== msg.method)
    throw new SipParseError('SIP_ERR_CSEQ_METHOD', 'CSeq method does not match the request method', {
      header: 'cseq',
    });
}

/**
 * RFC 3261 §18.2.1: add `received` to the top Via when its sent-by host is a name or an address
 * other than the packet's source; RFC 3581 §4: when the top Via has an empty `rport`, fill it with
 * the source port and add `received` even if the address is the same. Returns whether the Via was
 * changed (only that Via element is rewritten; the rest of the message keeps its bytes).
 */
export function stampReceived(req: SipRequest, source: MessageSource): boolean {
  const via = req.topVia()!;
  const rport = via.params.get('rport');
  const wantRport = rport === null;
  const wantReceived = wantRport || !sameIp(bareHost(via.host), source.remoteAddress);
  if (!wantRport && !wantReceived) return false;
  const params = new ParamList(via.params);
  if (wantRport) params.set('rport', String(source.remotePort));
  if (wantReceived) params.set('received', normalizeIp(source.remoteAddress));
  req.setTopVia({ ...via, params });
  return true;
}

/** Where a response goes, before a transport is chosen. */
export interface ResponseRoute {
  protocol: string;
  address: string;
  port: number;
  /** the request's connection, when it is still open (reliable transports only) */
  connectionId: number | undefined;
}

/**
 * RFC 3261 §18.2.2 (with RFC 3581 §4) for a response whose top Via is `via`, answering a request
 * that arrived from `source` (when known). The arrival wins over what the Via claims (a Via is
 * only the sender's word; its transport token may be stale, wrong, or one we do not serve):
 * - over a connection (any stream transport): that connection while it is open, whatever
 *   transport the Via names (§18.2.2: "the response MUST be sent using the existing
 *   connection"); only once it has closed, a new connection of the same transport to the
 *   source address (= `received`) and the sent-by port;
 * - over a datagram socket, when the Via names that same transport: the source address (what
 *   `received` records; a `maddr` is ignored, so a stranger cannot aim our responses at a third
 *   party), the source port when the Via has `rport` (RFC 3581 §4), else the sent-by port;
 * - over a datagram socket, when the Via names another transport (TCP, TLS, SCTP...): back over
 *   the datagram socket to the source address and port. Never a new connection to a UDP sender.
 * Without a source (a response relayed statelessly), the Via decides alone: reliable transports
 * go to `received` (or the sent-by host) and the sent-by port, unreliable ones as above.
 */
export function responseRoute(via: Via, source: MessageSource | undefined): ResponseRoute {
  if (source === undefined) return viaRoute(via, via.transport);
  const protocol = source.protocol;
  if (source.connectionId !== undefined) {
    if (source.transport.hasConnection(source.connectionId))
      return { protocol, address: source.remoteAddress, port: source.remotePort, connectionId: source.connectionId };
    return {
      protocol,
      address: source.remoteAddress,
      port: via.port ?? defaultPortFor(protocol),
      connectionId: undefined,
    };
  }
  // A datagram is answered to the address it came from, whatever the Via claims: a `maddr` or a
  // sent-by host naming someone else would let a stranger reflect our (larger) responses off sipd
  // onto a third party. RFC 3581 §4: with `rport`, to the source port too; without it, the sent-by
  // port (§18.2.2) on the source address.
  const port =
    via.transport !== protocol || via.params.has('rport') ? source.remotePort : (via.port ?? defaultPortFor(protocol));
  return { protocol, address: source.remoteAddress, port, connectionId: undefined };
}

/** §18.2.2 from the Via alone, for a response sent over `protocol`. */
function viaRoute(via: Via, protocol: string): ResponseRoute {
  const sentByPort = via.port ?? defaultPortFor(protocol);
  const received = via.params.get('received');
  if (isReliableProtocol(protocol)) {
    const address = received ? normalizeIp(received) : bareHost(via.host);
    return { protocol, address, port: sentByPort, connectionId: undefined };
  }
  const maddr = via.params.get('maddr');
  if (maddr) return { protocol, address: normalizeIp(maddr), port: sentByPort, connectionId: undefined };
  if (received) {
    const rport = via.params.get('rport');
    const port = rport ? Number(rport) : sentByPort;
    return { protocol, address: normalizeIp(received), port, connectionId: undefined };
  }
  return { protocol, address: bareHost(via.host), port: sentByPort, connectionId: undefined };
}

/**
 * RFC 5923 §5: a request over a connection whose top Via carries `alias` asks that requests to
 * its sent-by reuse this connection. Only the address the connection comes from is honoured (the
 * sent-by host must be that IP): the TCP handshake proves the address, so a peer can claim ports
 * of its own address only, never another host's traffic (RFC 5923 §11 asks for the sent-by to be
 * authenticated; an IP the peer demonstrably holds is, a name would need its certificate checked,
 * which is not done here). The Via's transport must be the connection's. Kamailio's
 * tcp_accept_aliases likewise aliases the source address with the Via port.
 */
export function connectionAlias(req: SipRequest, source: MessageSource): { address: string; port: number } | undefined {
  const via = req.topVia()!;
  if (!via.params.has('alias') || via.transport !== source.protocol) return undefined;
  if (!sameIp(bareHost(via.host), source.remoteAddress)) return undefined;
  return { address: normalizeIp(source.remoteAddress), port: via.port ?? defaultPortFor(source.protocol) };
}

/**
 * A Via value for a request sent over `transport`: `SIP/2.0/UDP host:port;branch=...;rport`
 * (RFC 3261 §8.1.1.7, §18.1.1; `rport` asks for RFC 3581 symmetric response routing).
 */
export function viaFor(transport: Transport, branch: string, opts: { rport?: boolean } = {}): string {
  const { host, port } = transport.sentBy;
  return `SIP/2.0/${transport.protocol} ${host}:${port};branch=${branch}${opts.rport === false ? '' : ';rport'}`;
}
