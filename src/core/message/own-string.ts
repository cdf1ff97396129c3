/**
 * Strings cut from a message keep the whole message alive. The parser turns a message's header
 * section into one string and every header value, URI part and parameter is a substring of it;
 * V8 makes a substring of 13 characters or more a "sliced string", a pointer into its parent. A
 * Call-ID kept for an hour in a registration binding therefore keeps the whole REGISTER's text
 * (500–1,500 bytes) for an hour, and so does a nonce kept for replay detection.
 *
 * ownString() gives a string with its own characters, not a view into the message: what is kept
 * beyond the message's own lifetime (bindings, caches, counters keyed by a header value) should go
 * through it. It prepends a character and cuts it off again: the concatenation is flattened into
 * a new string of the value's length + 1, and the result points into that small string only. That
 * is the cheapest copy V8 offers from JavaScript (about half the cost of a Buffer round trip,
 * exact for every string, ~50 bytes per call on a value of the usual size). The same holds for
 * the keys and addresses a transaction keeps while it lingers (64·T1 = 32 s in RFC 6026's Accepted
 * state and Timer J on UDP). The heap-snapshot test in test/unit/core/transaction/slim.test.ts
 * fails if a V8 release stops copying this way.
 */
export function ownString(s: string): string;
export function ownString(s: string | undefined): string | undefined;
export function ownString(s: string | undefined): string | undefined {
  // Below 13 characters V8 copies substrings anyway; the empty string and short ones are kept as is.
  if (s === undefined || s.length < 13) return s;
  return (' ' + s).slice(1);
}

/**
 * The smallest copy of a string: its own flat characters and nothing else, for values a record
 * keeps for minutes or hours (a registration binding, a nonce's replay counter). ownString()'s
 * result is a view (a 32-byte "sliced string" header on 64-bit V8) into a copy one character
 * longer; with 100,000 bindings of four such strings that is 13 MB. A string built by
 * concatenation is worse: node:crypto's randomUUID() returns a chain of ~15 "cons strings" (32
 * bytes each) over two-character pieces, ~480 bytes per UUID kept as is.
 *
 * A latin1 Buffer round trip gives a flat string of exactly the value's length (~0.3 µs, about
 * 4 times ownString's cost: for what is kept long, not for every message); a value with other
 * characters is copied through JSON (exact for every string, lone surrogates included).
 */
export function compactString(s: string): string;
export function compactString(s: string | undefined): string | undefined;
export function compactString(s: string | undefined): string | undefined {
  // Below 13 characters V8 has neither views nor concatenations: the string is flat already.
  if (s === undefined || s.length < 13) return s;
  const copy = Buffer.from(s, 'latin1').toString('latin1');
  return copy === s ? copy : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * A bounded table of strings many long-lived records share (a user agent, a domain, a listening
 * socket): the first copy of each is kept (as its own string) and handed out for every equal one,
 * so 100,000 bindings from one kind of phone hold one user-agent string, not 100,000. When
 * `max` distinct values are held the table starts afresh (values still in use stay valid; only
 * sharing restarts), so a stream of distinct values cannot grow it without bound.
 */
export class StringTable {
  private readonly table = new Map<string, string>();

  constructor(private readonly max = 4096) {}

  get size(): number {
    return this.table.size;
  }

  intern(s: string): string;
  intern(s: string | undefined): string | undefined;
  intern(s: string | undefined): string | undefined {
    if (s === undefined) return undefined;
    const hit = this.table.get(s);
    if (hit !== undefined) return hit;
    if (this.table.size >= this.max) this.table.clear();
    const own = compactString(s);
    this.table.set(own, own);
    return own;
  }
}
