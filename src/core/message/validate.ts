/**
 * Full validation of a parsed message: every header we know is parsed with its grammar, the
 * mandatory headers are present exactly once (RFC 3261 §8.1.1), CSeq's method matches the
 * request's (RFC 4475 §3.1.2.17), and the Request-URI carries no headers (§19.1.1 table,
 * RFC 4475 §3.1.2.11). The first problem is thrown as a SipParseError whose status and reason a
 * server puts in its 400 (505 for the SIP version).
 *
 * Unknown URI schemes and unknown header fields are NOT errors here: RFC 4475 §3.3 requires
 * accepting them and leaves the reaction (416, forward, ignore) to the application.
 */
import { SipParseError } from '../errors.js';
import { parseNameAddr } from '../grammar/name-addr.js';
import {
  parseDate,
  parseMediaType,
  parseRetryAfter,
  parseTokenList,
  parseUInt,
  parseWarning,
} from '../grammar/scalars.js';
import { isSipUri } from '../grammar/uri.js';
import { displayName } from './header-names.js';
import type { AnyMessage, SipMessage } from './message.js';

/** Headers that must appear exactly once in every message (RFC 3261 §8.1.1, §20). */
const REQUIRED_SINGLE = ['call-id', 'cseq', 'from', 'to'] as const;
/** Headers that may appear at most once. */
const AT_MOST_ONCE = [
  'max-forwards',
  'content-length',
  'content-type',
  'expires',
  'min-expires',
  'date',
  'retry-after',
];

const NAME_ADDR_LISTS: Record<string, string> = {
  'reply-to': 'Reply-To',
  path: 'Path',
  'service-route': 'Service-Route',
  'p-asserted-identity': 'P-Asserted-Identity',
};

export function validateMessage(msg: AnyMessage): void {
  for (const h of REQUIRED_SINGLE) msg.single(h);
  if (msg.count('via') === 0)
    throw new SipParseError('SIP_ERR_MISSING_HEADER', 'Missing Via header', { header: 'via' });
  for (const h of AT_MOST_ONCE) {
    if (msg.count(h) > 1)
      throw new SipParseError('SIP_ERR_DUPLICATE_HEADER', `Multiple ${displayName(h)} headers`, { header: h });
  }
  if (msg.contentLengthConflict)
    throw new SipParseError('SIP_ERR_DUPLICATE_HEADER', 'Multiple Content-Length headers', {
      header: 'content-length',
    });

  msg.vias();
  void msg.from().uri;
  void msg.to().uri;
  msg.callId();
  const cseq = msg.cseq();
  msg.maxForwards();
  msg.expires();
  const contacts = msg.contacts();
  if (contacts !== '*') for (const c of contacts) void c.uri;
  for (const r of msg.routes()) void r.uri;
  for (const r of msg.recordRoutes()) void r.uri;
  scalarHeaders(msg);

  if (msg.isRequest) {
    const uri = msg.requestUri();
    if (isSipUri(uri) && uri.headers !== undefined)
      throw new SipParseError('SIP_ERR_REQUEST_URI', 'Malformed Request-URI: headers are not allowed');
    if (cseq.method !== msg.method)
      throw new SipParseError('SIP_ERR_CSEQ_METHOD', 'CSeq method does not match the request method', {
        header: 'cseq',
      });
  }
}

function scalarHeaders(msg: SipMessage): void {
  const v = (name: string) => msg.get(name);
  let x: string | undefined;
  if ((x = v('min-expires')) !== undefined) parseUInt(x, 'min-expires');
  if ((x = v('content-type')) !== undefined) parseMediaType(x);
  if ((x = v('date')) !== undefined) parseDate(x);
  if ((x = v('retry-after')) !== undefined) parseRetryAfter(x);
  for (const w of msg.getAll('warning')) parseWarning(w);
  for (const h of ['require', 'proxy-require', 'supported', 'unsupported', 'allow'])
    if (msg.has(h)) parseTokenList(msg.getAll(h), h);
  for (const [h, title] of Object.entries(NAME_ADDR_LISTS))
    for (const e of msg.getAll(h)) void parseNameAddr(e, title).uri;
}

/** validateMessage() as a result instead of an exception. */
export function checkMessage(msg: AnyMessage): SipParseError | undefined {
  try {
    validateMessage(msg);
    return undefined;
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
}
