/** Small helpers to build the requests and responses transaction tests exchange. */
import {
  createRequest,
  createResponse,
  newBranch,
  parseMessage,
  serialize,
  type ClientTransaction,
  type ClientTransactionUser,
  type ResponseOptions,
  type SipRequest,
  type SipResponse,
  type Transport,
  type TransportError,
  viaFor,
} from '../../src/core/index.js';

/** A request as an upstream peer at 198.51.100.7:5060 would send it (for server-side tests). */
export function peerRequest(
  method: string,
  opts: { branch?: string; cseq?: number; callId?: string; via?: string; toTag?: string } = {},
): SipRequest {
  return createRequest({
    method,
    uri: 'sip:bob@example.com',
    via: opts.via ?? `SIP/2.0/UDP 198.51.100.7:5060;branch=${opts.branch ?? newBranch()}`,
    from: '<sip:alice@example.com>;tag=alice1',
    to: opts.toTag ? `<sip:bob@example.com>;tag=${opts.toTag}` : '<sip:bob@example.com>',
    callId: opts.callId ?? 'call-1@example.com',
    cseq: opts.cseq ?? 1,
  });
}

/** A request of ours, with a Via for `transport` (for client-side tests). */
export function ourRequest(method: string, transport: Transport, cseq = 1): SipRequest {
  return createRequest({
    method,
    uri: 'sip:bob@example.com',
    via: viaFor(transport, newBranch()),
    from: '<sip:alice@example.com>;tag=us',
    to: '<sip:bob@example.com>',
    callId: 'call-2@example.com',
    cseq,
  });
}

/** The bytes of a response the peer sends to a request we sent (`sent` = its bytes on the wire). */
export function peerResponse(sent: Buffer, status: number, opts: ResponseOptions = {}): Buffer {
  return serialize(createResponse(parseMessage(sent) as SipRequest, status, undefined, opts));
}

/** A ClientTransactionUser that records what it is told. */
export class ClientLog implements ClientTransactionUser {
  statuses: number[] = [];
  responses: SipResponse[] = [];
  timeouts = 0;
  errors: TransportError[] = [];
  terminated = 0;
  onResponse(res: SipResponse): void {
    this.statuses.push(res.status);
    this.responses.push(res);
  }
  onTimeout(): void {
    this.timeouts++;
  }
  onTransportError(_tx: ClientTransaction, err: TransportError): void {
    this.errors.push(err);
  }
  onTerminated(): void {
    this.terminated++;
  }
}
