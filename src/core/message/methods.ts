/**
 * The method of a parsed Request-Line as one shared constant string when it is a known method
 * (issue 14). A method cut from the line is a fresh string per message (V8 copies substrings
 * shorter than 13 characters), and every transaction, proxy context and dialog that keeps the
 * method keeps that copy: a lingering proxied call (INVITE and BYE, server and client side, for
 * 64·T1) kept a few of them, 24 bytes and one heap object each. A constant costs nothing per
 * message, and comparing it (`method === 'INVITE'`) is a pointer check.
 */

/** RFC 3261 and the extensions a proxy sees daily (RFC 3262, 3265/6665, 3311, 3428, 3515, 3903, 6086). */
const KNOWN = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'REGISTER',
  'OPTIONS',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
] as const;

/** Known methods by length, so a lookup compares with at most three candidates. */
const BY_LENGTH: string[][] = [];
for (const m of KNOWN) (BY_LENGTH[m.length] ??= []).push(m);

/**
 * `line.slice(0, end)`, the method of a Request-Line (methods are case-sensitive, RFC 3261 §7.1):
 * a known method's constant without allocating, otherwise a copy.
 */
export function methodOf(line: string, end: number): string {
  const candidates = BY_LENGTH[end];
  if (candidates !== undefined) for (const m of candidates) if (line.startsWith(m)) return m;
  return line.slice(0, end);
}
