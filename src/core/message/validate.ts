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
import type { AnyMessage, HeaderField } from './message.js';
import { splitList } from './split.js';

/** Headers that must appear exactly once in every message (RFC 3261 §8.1.1, §20). */
const REQUIRED_SINGLE = ['call-id', 'cseq', 'from', 'to'];
/**
 * Headers that may appear at most once, each with its bit: the count per message is a bit mask,
 * not a Set per message (§16.3 runs on every request a proxy receives).
 */
const AT_MOST_ONCE = new Map<string, number>(
  [
    ...REQUIRED_SINGLE,
    'max-forwards',
    'content-length',
    'content-type',
    'expires',
    'min-expires',
    'date',
    'retry-after',
  ].map((h, i) => [h, 1 << i]),
);
const REQUIRED_BITS = REQUIRED_SINGLE.reduce((m, h) => m | AT_MOST_ONCE.get(h)!, 0);
const TOKEN_LISTS = ['require', 'proxy-require', 'supported', 'unsupported', 'allow'];
const NAME_ADDR_LISTS: Record<string, string> = {
  'reply-to': 'Reply-To',
  path: 'Path',
  'service-route': 'Service-Route',
  'p-asserted-identity': 'P-Asserted-Identity',
};
/**
 * The grammar check of each other header we know, by name: one Map lookup per field (every
 * field of every request passes here, §16.3), where a switch, a Set and an object lookup were.
 */
const OTHER_CHECKS = new Map<string, (h: HeaderField) => void>([
  ['min-expires', (h) => void parseUInt(h.value, 'min-expires')],
  ['content-type', (h) => void parseMediaType(h.value)],
  ['date', (h) => void parseDate(h.value)],
  ['retry-after', (h) => void parseRetryAfter(h.value)],
  ['warning', (h) => splitList(h.value).forEach((w) => void parseWarning(w))],
  ...TOKEN_LISTS.map((name): [string, (h: HeaderField) => void] => [
    name,
    (h) => void parseTokenList(splitList(h.value), name),
  ]),
  ...Object.entries(NAME_ADDR_LISTS).map(([name, display]): [string, (h: HeaderField) => void] => [
    name,
    (h) => splitList(h.value).forEach((e) => void parseNameAddr(e, display).uri),
  ]),
]);

const duplicate = (h: string) =>
  new SipParseError('SIP_ERR_DUPLICATE_HEADER', `Multiple ${displayName(h)} headers`, { header: h });

export function validateMessage(msg: AnyMessage): void {
  // One pass over the fields for the single-instance rules; the other known headers are parsed
  // after the ones every message has, so that a fault there is the one reported first.
  let seen = 0;
  let vias = 0;
  const headers = msg.headers;
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i]!.name;
    const bit = AT_MOST_ONCE.get(name);
    if (bit !== undefined) {
      if ((seen & bit) !== 0) throw duplicate(name);
      seen |= bit;
    }
    if (name === 'via') vias++;
  }
  if ((seen & REQUIRED_BITS) !== REQUIRED_BITS) {
    for (const h of REQUIRED_SINGLE)
      if ((seen & AT_MOST_ONCE.get(h)!) === 0)
        throw new SipParseError('SIP_ERR_MISSING_HEADER', `Missing ${displayName(h)} header`, { header: h });
  }
  if (vias === 0) throw new SipParseError('SIP_ERR_MISSING_HEADER', 'Missing Via header', { header: 'via' });
  if (msg.contentLengthConflict) throw duplicate('content-length');

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
  for (let i = 0; i < headers.length; i++) if (headers[i]!.name !== 'via') checkOther(headers[i]!);

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

/** The grammar of the other headers we know (unknown ones are accepted as they are). */
function checkOther(h: HeaderField): void {
  const check = OTHER_CHECKS.get(h.name);
  if (check !== undefined) check(h);
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
