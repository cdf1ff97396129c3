/**
 * Building messages from other messages: responses (RFC 3261 §8.2.6), the ACK a client
 * transaction sends for a non-2xx final response (§17.1.1.3), CANCEL (§9.1), and new requests.
 *
 * Copied header fields keep their raw bytes (the same HeaderField objects: fields are never
 * mutated in place), so a response's Via lines are byte-for-byte those of the request.
 */
import { newCallId, newTag } from './ids.js';
import { SipRequest, SipResponse, type HeaderField } from './message.js';
import { reasonPhrase } from './reason-phrases.js';

const field = (name: string, value: string): HeaderField => ({ name, value, raw: undefined });

export interface ResponseOptions {
  /**
   * A To tag for the response when the request's To has none (§8.2.6.2); `true` generates one.
   * Never added to a 100 Trying, which a proxy or UAS sends without one. Use the same tag for
   * every response of a transaction.
   */
  toTag?: string | true;
  /** Extra header fields, appended in order before Content-Length. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  /** Content-Type of the body. */
  contentType?: string;
}

/**
 * A response to `request` (RFC 3261 §8.2.6.2): the same Via fields in the same order, From,
 * Call-ID and CSeq copied; To copied (with a tag when asked); a 100 Trying also copies Timestamp
 * (§8.2.6.1). The reason phrase defaults to the status code's standard one.
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  opts: ResponseOptions = {},
): SipResponse {
  const headers: HeaderField[] = [];
  let tag = opts.toTag;
  if (status === 100 || hasToTag(request)) tag = undefined;
  for (const h of request.headers) {
    switch (h.name) {
      case 'via':
      case 'from':
      case 'call-id':
      case 'cseq':
        headers.push(h);
        break;
      case 'to':
        headers.push(tag === undefined ? h : field('to', `${h.value};tag=${tag === true ? newTag() : tag}`));
        tag = undefined;
        break;
      case 'timestamp':
        if (status === 100) headers.push(h);
        break;
    }
  }
  // A reason phrase is one line (RFC 3261 §25.1): CR and LF would end the status line early.
  const phrase =
    reason === undefined
      ? reasonPhrase(status)
      : reason.indexOf('\r') < 0 && reason.indexOf('\n') < 0
        ? reason
        : reason.replace(/[\r\n]+/g, ' ');
  const res = new SipResponse(status, phrase, headers);
  finish(res, opts);
  return res;
}

/** Whether the request's To has a tag; an unparseable To counts as tagged (left as it is). */
function hasToTag(request: SipRequest): boolean {
  try {
    return request.toTag() !== undefined;
  } catch {
    return true;
  }
}

function finish(msg: SipRequest | SipResponse, opts: Pick<ResponseOptions, 'headers' | 'body' | 'contentType'>): void {
  if (opts.headers) for (const [n, v] of opts.headers) msg.append(n, v);
  if (opts.body !== undefined && opts.body.length > 0) {
    if (opts.contentType) msg.append('content-type', opts.contentType);
    msg.body = opts.body;
  } else msg.headers.push(field('content-length', '0'));
}

/** The top Via of a request as one value, and its Route fields, for ACK and CANCEL. */
function hopFields(request: SipRequest): { via: string; routes: HeaderField[] } {
  const via = request.getAll('via')[0];
  if (via === undefined) throw new TypeError('request has no Via');
  return { via, routes: request.headers.filter((h) => h.name === 'route') };
}

/**
 * The ACK for a non-2xx final response to `invite` (RFC 3261 §17.1.1.3): same Request-URI,
 * Call-ID, From and CSeq number; To from the response (with its tag); one Via equal to the
 * INVITE's top Via (same branch); the INVITE's Route fields. A 2xx is acknowledged end to end by
 * the TU in a new transaction (§13.2.2.4), not with this.
 */
export function createAck(invite: SipRequest, response: SipResponse): SipRequest {
  if (response.status < 300) throw new RangeError('createAck is for non-2xx final responses (RFC 3261 §17.1.1.3)');
  const { via, routes } = hopFields(invite);
  const to = response.headers.find((h) => h.name === 'to') ?? invite.headers.find((h) => h.name === 'to');
  const headers: HeaderField[] = [
    field('via', via),
    field('max-forwards', String(invite.maxForwards() ?? 70)),
    ...routes,
    ...invite.headers.filter((h) => h.name === 'from'),
    ...(to ? [to] : []),
    ...invite.headers.filter((h) => h.name === 'call-id'),
    field('cseq', `${invite.cseq().seq} ACK`),
    field('content-length', '0'),
  ];
  return new SipRequest('ACK', invite.uri, headers);
}

/**
 * A CANCEL for `request` (RFC 3261 §9.1): same Request-URI, Call-ID, To, From and CSeq number
 * with method CANCEL; one Via equal to the request's top Via (so it reaches the same server
 * transaction's peer, §9.2); the request's Route fields; no body.
 */
export function createCancel(request: SipRequest): SipRequest {
  const { via, routes } = hopFields(request);
  const pick = (n: string) => request.headers.filter((h) => h.name === n);
  const headers: HeaderField[] = [
    field('via', via),
    field('max-forwards', String(request.maxForwards() ?? 70)),
    ...routes,
    ...pick('from'),
    ...pick('to'),
    ...pick('call-id'),
    field('cseq', `${request.cseq().seq} CANCEL`),
    field('content-length', '0'),
  ];
  return new SipRequest('CANCEL', request.uri, headers);
}

export interface RequestInit {
  method: string;
  /** Request-URI */
  uri: string;
  /** Via values, top first (e.g. from viaFor(transport, newBranch())). */
  via?: string | readonly string[];
  /** From value, e.g. `<sip:alice@example.com>;tag=...` (a tag is added when missing). */
  from: string;
  /** To value, e.g. `<sip:bob@example.com>` */
  to: string;
  /** default: a new random Call-ID */
  callId?: string;
  /** CSeq number (default 1) */
  cseq?: number;
  /** default 70 (RFC 3261 §8.1.1.6) */
  maxForwards?: number;
  contact?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
}

/** A new request with the mandatory header fields of RFC 3261 §8.1.1. */
export function createRequest(init: RequestInit): SipRequest {
  const headers: HeaderField[] = [];
  const vias = typeof init.via === 'string' ? [init.via] : (init.via ?? []);
  for (const v of vias) headers.push(field('via', v));
  headers.push(field('max-forwards', String(init.maxForwards ?? 70)));
  const from = /;\s*tag=/i.test(init.from) ? init.from : `${init.from};tag=${newTag()}`;
  headers.push(field('from', from), field('to', init.to));
  headers.push(field('call-id', init.callId ?? newCallId()));
  headers.push(field('cseq', `${init.cseq ?? 1} ${init.method}`));
  if (init.contact !== undefined) headers.push(field('contact', init.contact));
  const req = new SipRequest(init.method, init.uri, headers);
  finish(req, init);
  return req;
}
