import { SipParseError } from '../errors.js';
import { TOKEN } from '../grammar/chars.js';

/**
 * Header names: case-insensitive matching, compact forms (RFC 3261 §7.3.3 and the registry of
 * RFC 3261/3265/3515/3841/3892/4028/4474/5627...), the spelling we write, and which headers may be
 * combined into one comma-separated field (RFC 3261 §7.3.1).
 */

/** Compact form → canonical lower-case name. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  f: 'from',
  t: 'to',
  v: 'via',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  y: 'identity',
  j: 'reject-contact',
  d: 'request-disposition',
  a: 'accept-contact',
};

/** How we spell a header when we write it (the RFCs' spelling). */
const DISPLAY: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/**
 * Headers whose grammar is a comma-separated list (`#element`), so several field lines are
 * equivalent to one comma-joined line. The authentication headers are NOT here: their values
 * contain commas of their own and each field line is one credential or challenge.
 */
const LIST_HEADERS = new Set([
  'via',
  'route',
  'record-route',
  'contact',
  'path',
  'service-route',
  'allow',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'allow-events',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'warning',
  'alert-info',
  'call-info',
  'error-info',
  'reply-to',
  'security-client',
  'security-server',
  'security-verify',
  'p-asserted-identity',
  'p-preferred-identity',
  'reason',
  'accept-contact',
  'reject-contact',
  'request-disposition',
]);

// Cache of raw spellings seen on the wire → canonical name. Real traffic uses a handful of
// spellings ("Via", "v", "VIA"), so after warm-up the lookup is one Map hit with no allocation.
// Bounded so that a peer sending random header names cannot grow it without limit.
const seen = new Map<string, string>();
const SEEN_MAX = 4096;

// The spellings real traffic uses for the headers every message has, grouped by length, so the
// parser can recognise them in place (startsWith at offset 0) without slicing the name out.
const COMMON = [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Max-Forwards',
  'Contact',
  'Content-Length',
  'Content-Type',
  'Route',
  'Record-Route',
  'Allow',
  'Supported',
  'User-Agent',
  'Authorization',
  'Proxy-Authorization',
  'Expires',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'Server',
  'Require',
  'Accept',
  'Call-Id',
  'Cseq',
];
const BY_LENGTH: Array<Array<[string, string]>> = [];
for (const name of COMMON) {
  for (const spelling of new Set([name, name.toLowerCase()])) {
    (BY_LENGTH[spelling.length] ??= []).push([spelling, name.toLowerCase()]);
  }
}

/**
 * Canonical name of the header whose name is text[start, end): the hot-path variant of
 * canonicalName() that avoids allocating the name for common spellings and compact forms, and
 * checks that any other name is a token (RFC 3261 §7.3.1, header-name = token).
 */
export function canonicalNameAt(text: string, start: number, end: number): string {
  const len = end - start;
  if (len === 1) {
    const c = text.charCodeAt(start) | 0x20;
    const full = COMPACT[String.fromCharCode(c)];
    if (full !== undefined) return full;
  } else {
    const candidates = BY_LENGTH[len];
    if (candidates !== undefined) {
      for (let i = 0; i < candidates.length; i++) {
        const e = candidates[i]!;
        if (text.startsWith(e[0], start)) return e[1];
      }
    }
  }
  if (len === 0) throw new SipParseError('SIP_ERR_HEADER_LINE', 'Malformed header line: empty header name');
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || TOKEN[c] === 0)
      throw new SipParseError('SIP_ERR_HEADER_LINE', 'Malformed header line: invalid header name');
  }
  return canonicalName(text.slice(start, end));
}

/** Canonical (lower-case, long-form) name of a header name as written on the wire. */
export function canonicalName(raw: string): string {
  const hit = seen.get(raw);
  if (hit !== undefined) return hit;
  const lower = raw.toLowerCase();
  const name = (lower.length === 1 ? COMPACT[lower] : undefined) ?? lower;
  if (seen.size < SEEN_MAX) seen.set(raw, name);
  return name;
}

/** The spelling we use when writing a header: `call-id` → `Call-ID`, `max-forwards` → `Max-Forwards`. */
export function displayName(name: string): string {
  // Every field sipd adds or changes (Via, Record-Route, the To tag of each response...) is
  // written with it: one Map lookup, not a keyed load plus a string built char by char.
  const hit = displayed.get(name);
  if (hit !== undefined) return hit;
  const out = spell(canonicalName(name));
  if (displayed.size < SEEN_MAX) displayed.set(name, out);
  return out;
}

const displayed = new Map<string, string>();

function spell(lower: string): string {
  const special = DISPLAY[lower];
  if (special) return special;
  let out = '';
  let up = true;
  for (let i = 0; i < lower.length; i++) {
    const ch = lower[i]!;
    out += up ? ch.toUpperCase() : ch;
    up = ch === '-';
  }
  return out;
}

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(name);
}

/** Compact form of a canonical name, if it has one (used when a caller asks for compact output). */
export function compactForm(name: string): string | undefined {
  for (const [k, v] of Object.entries(COMPACT)) if (v === name) return k;
  return undefined;
}
