/**
 * Requests for the harness: from raw SIP text (as captured with sngrep or written in a test) or
 * from a small builder, with the address they come from. Either way the request goes through
 * core's parser and gets its top Via stamped with received/rport as sipd's transport does, so a
 * route sees exactly what it would see live (NAT detection included).
 */
import {
  newBranch,
  newCallId,
  newTag,
  parseMessage,
  stampReceived,
  type MessageSource,
  type SipRequest,
  type Transport,
} from '../../../core/index.js';
import type { TransportName } from '../api/route.js';

/** Where a request comes from (default: a phone at 198.51.100.10:5060 over UDP). */
export interface SourceSpec {
  address?: string;
  port?: number;
  transport?: TransportName;
}

export interface RequestSpec {
  method: string;
  /** the Request-URI */
  ruri: string;
  /** a From value: "sip:alice@example.com" or "Alice <sip:...>" (a tag is added when missing) */
  from: string;
  /** a To value (no tag unless the test is in a dialog) */
  to?: string;
  /** a Contact URI (default for INVITE/REGISTER: sip:<from user>@<source address>:<port>) */
  contact?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: string;
  contentType?: string;
  callId?: string;
  cseq?: number;
  source?: SourceSpec;
}

/** What a test hands the harness: a built request, raw SIP text, or a spec. */
export type RequestInput = RequestSpec | string | { raw: string; source?: SourceSpec };

/** The address sipd listens on in the harness (its Record-Route and `myself`). */
export const PROXY = { address: '192.0.2.1', port: 5060 } as const;

/** A transport that sends nothing: MessageSource needs one, the harness never sends. */
export function fakeTransport(protocol: string): Transport {
  return {
    protocol,
    family: 4,
    localAddress: PROXY.address,
    localPort: PROXY.port,
    sentBy: { host: PROXY.address, port: PROXY.port },
    keepConnection: () => {},
  } as unknown as Transport;
}

export function messageSource(spec: SourceSpec = {}): MessageSource {
  const protocol = spec.transport ?? 'UDP';
  return {
    transport: fakeTransport(protocol),
    protocol,
    localAddress: PROXY.address,
    localPort: PROXY.port,
    remoteAddress: spec.address ?? '198.51.100.10',
    remotePort: spec.port ?? 5060,
    connectionId: protocol === 'UDP' ? undefined : 1,
  };
}

/** SIP text written with \n line ends, without Content-Length: made wire-correct. */
export function wireText(raw: string): string {
  const text = raw.replace(/^\s*\n/, '').replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text.replace(/(\r\n)*$/, '') : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  if (/^(content-length|l)[ \t]*:/im.test(head)) return `${head}\r\n\r\n${body}`;
  return `${head}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
}

/** Raw SIP text as sipd would build the request from a packet. */
export function parseRequest(raw: string, source: MessageSource): SipRequest {
  const msg = parseMessage(Buffer.from(wireText(raw), 'latin1'));
  if (!msg.isRequest) throw new TypeError('the harness runs requests, not responses');
  stampReceived(msg, source);
  return msg;
}

/** The SIP text of a spec. */
export function specText(s: RequestSpec): string {
  const src = messageSource(s.source);
  const from = /;\s*tag=/i.test(s.from) ? s.from : `${s.from};tag=${newTag()}`;
  const fromUser = /sips?:([^@;>]+)@/i.exec(s.from)?.[1] ?? 'user';
  const contact =
    s.contact ??
    (s.method === 'INVITE' || s.method === 'REGISTER'
      ? `sip:${fromUser}@${src.remoteAddress}:${src.remotePort}`
      : undefined);
  const lines = [
    `${s.method} ${s.ruri} SIP/2.0`,
    `Via: SIP/2.0/${src.protocol} ${src.remoteAddress}:${src.remotePort};branch=${newBranch()};rport`,
    'Max-Forwards: 70',
    `From: ${from}`,
    `To: ${s.to ?? (s.method === 'REGISTER' ? s.from.replace(/;\s*tag=[^;>]*/i, '') : `<${s.ruri}>`)}`,
    `Call-ID: ${s.callId ?? newCallId()}`,
    `CSeq: ${s.cseq ?? 1} ${s.method}`,
  ];
  if (contact !== undefined) lines.push(`Contact: <${contact}>`);
  for (const [name, value] of s.headers ?? []) lines.push(`${name}: ${value}`);
  if (s.body !== undefined) lines.push(`Content-Type: ${s.contentType ?? 'application/sdp'}`);
  return `${lines.join('\r\n')}\r\n\r\n${s.body ?? ''}`;
}

/** The text and source of any input (the harness keeps the text to run the request again). */
export function inputText(input: RequestInput): { text: string; source: MessageSource } {
  if (typeof input === 'string') return { text: input, source: messageSource() };
  if ('raw' in input) return { text: input.raw, source: messageSource(input.source) };
  return { text: specText(input), source: messageSource(input.source) };
}
