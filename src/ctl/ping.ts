/**
 * `sipctl ping <uri>`: an OPTIONS request sent by sipctl itself through the protocol core (a
 * transport listener on an ephemeral port, a client transaction with RFC 3261 retransmissions),
 * unlike kamctl, whose ping asks the proxy to send it (tm.t_uac_wait_block) and prints an empty
 * result (kamailio#2781). The target comes from the URI (RFC 3263 without NAPTR/SRV, as sipd
 * resolves next hops): the transport parameter (udp, tcp), the port or 5060, an IP literal as
 * is, a host name through the system resolver; maddr overrides the host.
 *
 * Outcomes: a final response (the caller decides what a non-2xx means), or a CliError FAILED
 * with code NO_ANSWER (nothing within the timeout), TRANSPORT_ERROR (e.g. TCP refused) or
 * RESOLVE_FAILED; an unusable URI is a usage error.
 */
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { CliError, usageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import {
  createRequest,
  formatUri,
  isSipUri,
  newBranch,
  newCallId,
  parseUri,
  TransactionLayer,
  TransportError,
  TransportLayer,
  viaFor,
  type ClientTransaction,
  type Destination,
  type SipResponse,
  type SipUri,
  resolveNextHop,
} from '../core/index.js';
import { VERSION } from '../shared/package.js';

export interface PingOptions {
  /** Give up after this many ms without a final response. */
  timeoutMs: number;
  /** Host of the From URI (SIP_DOMAIN); default the local address. */
  fromDomain?: string;
}

export interface PingResult {
  /** The Request-URI sent. */
  uri: string;
  /** Where the OPTIONS went. */
  target: { protocol: string; address: string; port: number };
  /** The local listener: `udp:127.0.0.1:40123`. */
  local: string;
  /** Status code of the final response. */
  code: number;
  reason: string;
  /** From sending the request to receiving the final response, in ms. */
  rttMs: number;
  /** The Server (or User-Agent) header of the response, if any. */
  server: string | null;
  /** Provisional (1xx) responses received before the final one. */
  provisional: number;
}

const failed = (message: string, code: string, actions: string[] = []) =>
  new CliError(message, ExitCode.FAILED, code, actions);

/** `sip:host`, or a bare `host[:port]` taken as `sip:host[:port]`. */
export function parsePingUri(text: string): SipUri {
  const t = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(t) && !/^[^:]+:\d+$/.test(t) ? t : `sip:${t}`;
  let uri;
  try {
    uri = parseUri(withScheme);
  } catch (e) {
    throw usageError(`invalid URI "${text}": ${(e as Error).message}`, ['for example sip:127.0.0.1:5060']);
  }
  if (!isSipUri(uri)) throw usageError(`"${text}" is not a sip: URI`, ['for example sip:proxy.example.com']);
  const transport = uri.params.get('transport')?.toLowerCase();
  if (uri.scheme === 'sips' || (transport !== undefined && transport !== 'udp' && transport !== 'tcp')) {
    throw usageError(`sipctl ping sends over UDP or TCP only, not ${uri.scheme === 'sips' ? 'TLS' : transport}`, [
      'use a sip: URI with ;transport=udp (the default) or ;transport=tcp',
    ]);
  }
  return uri;
}

/** The local address the OS would use to reach `address` (a connected UDP socket, no traffic). */
function localAddressFor(address: string, port: number): Promise<string> {
  const family = isIP(address) === 6 ? 'udp6' : 'udp4';
  return new Promise((resolve, reject) => {
    const s = createSocket(family);
    s.once('error', (e) => {
      s.close();
      reject(failed(`no route to ${address}: ${e.message}`, 'NO_ROUTE'));
    });
    s.connect(port, address, () => {
      const local = s.address().address;
      s.close();
      resolve(local);
    });
  });
}

const hostForUri = (ip: string) => (isIP(ip) === 6 ? `[${ip}]` : ip);

export async function ping(text: string, opts: PingOptions): Promise<PingResult> {
  const uri = parsePingUri(text);
  const uriText = formatUri(uri);
  let dest: Destination;
  try {
    dest = await resolveNextHop(uri);
  } catch (e) {
    throw failed((e as Error).message, 'RESOLVE_FAILED', ['check the host name, or use an IP address']);
  }
  const protocol = (dest.protocol ?? 'UDP').toUpperCase();
  const localIp = await localAddressFor(dest.address, dest.port);
  const transportLayer = await TransportLayer.listen([`${protocol.toLowerCase()}:${hostForUri(localIp)}:0`]);
  const transport = transportLayer.transports[0]!;
  const local = `${protocol.toLowerCase()}:${hostForUri(localIp)}:${transport.localPort}`;
  // Requests sent to sipctl's port (none expected) are ignored; the peer retransmits and gives up.
  const tl = new TransactionLayer({ transport: transportLayer, user: { onRequest() {} } });
  const target = { protocol: protocol.toLowerCase(), address: dest.address, port: dest.port };
  const where = `${target.protocol} ${hostForUri(dest.address)}:${dest.port}`;
  try {
    const sentBy = transport.sentBy;
    const req = createRequest({
      method: 'OPTIONS',
      uri: uriText,
      via: viaFor(transport, newBranch()),
      from: `<sip:sipctl@${opts.fromDomain ?? hostForUri(localIp)}>`,
      to: `<${uriText}>`,
      callId: newCallId(hostForUri(localIp)),
      cseq: 1,
      contact: `<sip:sipctl@${sentBy.host}:${sentBy.port}${protocol === 'TCP' ? ';transport=tcp' : ''}>`,
      headers: [
        ['Accept', 'application/sdp'],
        ['User-Agent', `sipctl ${VERSION}`],
      ],
    });
    const started = performance.now();
    let provisional = 0;
    const res = await new Promise<SipResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(failed(`no answer from ${uriText} (${where}) within ${opts.timeoutMs / 1000} s`, 'NO_ANSWER')),
        opts.timeoutMs,
      );
      const done = (fn: () => void) => {
        clearTimeout(timer);
        fn();
      };
      tl.sendRequest(
        req,
        { ...dest, protocol, transport },
        {
          onResponse(r: SipResponse) {
            if (r.status < 200) provisional++;
            else done(() => resolve(r));
          },
          onTimeout(_tx: ClientTransaction) {
            done(() => reject(failed(`no answer from ${uriText} (${where}): the transaction timed out`, 'NO_ANSWER')));
          },
          onTransportError(_tx: ClientTransaction, err: TransportError) {
            done(() => reject(failed(`cannot send to ${uriText} (${where}): ${err.message}`, 'TRANSPORT_ERROR')));
          },
        },
      );
    });
    const rttMs = Math.round((performance.now() - started) * 100) / 100;
    return {
      uri: uriText,
      target,
      local,
      code: res.status,
      reason: res.reason,
      rttMs,
      server: res.get('server') ?? res.get('user-agent') ?? null,
      provisional,
    };
  } finally {
    tl.close();
    await transportLayer.close();
  }
}
