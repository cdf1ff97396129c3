/**
 * Both sides of a dialog set up through sipd, for tests of in-dialog requests from either side
 * (RFC 3261 §12): the route set, remote target and tags each user agent keeps after the 2xx, and
 * requests (re-INVITE with its ACK, BYE, MESSAGE...) sent along that route set by a TestUA.
 */
import {
  createRequest,
  isSipUri,
  newBranch,
  nextHopUri,
  viaFor,
  type SipRequest,
  type SipResponse,
  resolveNextHop,
} from '../../src/core/index.js';
import type { ProxyAddress, TestUA } from './test-ua.js';

/** Where a UA sends an in-dialog request: its first Route (loose router), else its target. */
export async function destOf(req: SipRequest): Promise<ProxyAddress> {
  const hop = nextHopUri(req);
  if (!isSipUri(hop)) throw new Error('next hop is not a SIP URI');
  const d = await resolveNextHop(hop);
  return { host: d.address, port: d.port, protocol: (d.protocol ?? 'UDP') as 'UDP' | 'TCP' };
}

/** One side's view of an established dialog (RFC 3261 §12.1). */
export interface DialogSide {
  ua: TestUA;
  callId: string;
  local: string;
  remote: string;
  target: string;
  routes: string[];
  cseq: number;
}

/** The caller's and the callee's dialog state after a 2xx to `invite` (as the callee received it). */
export function dialogSides(caller: TestUA, callee: TestUA, res: SipResponse, invite: SipRequest) {
  const contactOf = (m: SipRequest | SipResponse) => {
    const c = m.contacts();
    if (c === '*' || c.length === 0) throw new Error('no Contact');
    return c[0]!.uriText;
  };
  const callerSide: DialogSide = {
    ua: caller,
    callId: res.callId(),
    local: res.get('from')!,
    remote: res.get('to')!,
    target: contactOf(res),
    routes: res.getAll('record-route').reverse(),
    cseq: res.cseq().seq,
  };
  const calleeSide: DialogSide = {
    ua: callee,
    callId: res.callId(),
    local: res.get('to')!,
    remote: res.get('from')!,
    target: contactOf(invite),
    routes: invite.getAll('record-route'),
    cseq: 100,
  };
  return { callerSide, calleeSide };
}

export function inDialog(d: DialogSide, method: string, routes = d.routes): SipRequest {
  if (method !== 'ACK') d.cseq++;
  const req = createRequest({
    method,
    uri: d.target,
    via: viaFor(d.ua.transport, newBranch()),
    from: d.local,
    to: d.remote,
    callId: d.callId,
    cseq: d.cseq,
    contact: method === 'INVITE' ? `<${d.ua.contactUri}>` : undefined,
  });
  for (const r of routes) req.append('Route', r);
  return req;
}

/** Send an in-dialog request along the route set; ACK a 2xx to a re-INVITE. */
export async function sendInDialog(d: DialogSide, method: string, routes = d.routes): Promise<SipResponse> {
  const req = inDialog(d, method, routes);
  const res = await d.ua.send(req, { dest: await destOf(req) });
  if (method === 'INVITE' && res.status >= 200 && res.status < 300) {
    const ack = inDialog(d, 'ACK', routes);
    const dest = await destOf(ack);
    d.ua.layer.sendRequest(ack, { address: dest.host, port: dest.port, protocol: dest.protocol });
  }
  return res;
}
