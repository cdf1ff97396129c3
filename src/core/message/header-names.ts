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
  const lower = canonicalName(name);
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
