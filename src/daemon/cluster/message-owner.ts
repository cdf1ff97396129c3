/**
 * Which worker of a multi-process sipd owns a received message, read from its raw bytes without
 * a parse (this runs for every datagram on the shared socket, before anything else):
 *
 * - a request belongs to the worker `hash(Call-ID) % workers`. Retransmissions, the ACK of a
 *   non-2xx, a CANCEL (RFC 3261 §9.1: same Call-ID as its INVITE) and every in-dialog request
 *   carry the Call-ID of the transaction or dialog they belong to, so they all meet the server
 *   transaction (and its proxy context) in the one worker that created it;
 * - a response belongs to the worker named in its top Via's branch (`z9hG4bKw<N>x...`, see
 *   branchMarker): the worker that sent the request and holds its client transaction (§17.1.3
 *   matches on the branch it sent). A response without such a branch (a stray one, a reply to a
 *   stateless forward, whose branch any worker can verify) stays where it arrived.
 *
 * undefined = "handle it here": unparseable bytes are answered (400) or dropped where they land.
 */

const SIP_SLASH = 0x5349502f; // "SIP/" at the start of a status line
const CR = 0x0d;
const LF = 0x0a;

/** The marker a worker's branches carry after the magic cookie. */
export function branchMarker(index: number): string {
  return `w${index}x`;
}

/** The owning worker of a message, or undefined to keep it where it arrived. */
export function ownerOf(raw: Buffer, workers: number): number | undefined {
  if (workers <= 1 || raw.length < 8) return undefined;
  const response = raw.readUInt32BE(0) === SIP_SLASH;
  let i = lineEnd(raw, 0);
  // Header lines until the empty line; folded continuation lines (leading SP/HT) are skipped.
  while (i < raw.length) {
    const start = i;
    const end = lineEnd(raw, start);
    if (end - start <= 2) return undefined; // the empty line: no such header
    const colon = headerName(raw, start, end, response);
    if (colon > 0) return response ? viaOwner(raw, colon + 1, end, workers) : callIdOwner(raw, colon + 1, end, workers);
    i = end;
  }
  return undefined;
}

/** Index just past the next LF (or the end). */
function lineEnd(raw: Buffer, from: number): number {
  const lf = raw.indexOf(LF, from);
  return lf < 0 ? raw.length : lf + 1;
}

/**
 * The index of the colon when the line's header is the one wanted (responses: Via or "v";
 * requests: Call-ID or "i"), else -1. Names are case-insensitive (§7.3.1), with optional
 * whitespace before the colon.
 */
function headerName(raw: Buffer, start: number, end: number, response: boolean): number {
  const want = response ? VIA : CALL_ID;
  const compact = response ? 0x76 : 0x69; // "v" / "i"
  let p = start;
  let n = 0;
  while (p < end && isNameChar(raw[p]!)) p++;
  n = p - start;
  let colon = p;
  while (colon < end && (raw[colon] === 0x20 || raw[colon] === 0x09)) colon++;
  if (raw[colon] !== 0x3a) return -1;
  if (n === 1 && (raw[start]! | 0x20) === compact) return colon;
  if (n !== want.length) return -1;
  for (let k = 0; k < n; k++) if ((raw[start + k]! | 0x20) !== want[k]) return -1;
  return colon;
}

const VIA = [0x76, 0x69, 0x61];
const CALL_ID = [0x63, 0x61, 0x6c, 0x6c, 0x2d, 0x69, 0x64];

function isNameChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x3a;
}

/** FNV-1a over the trimmed Call-ID value, modulo the number of workers. */
function callIdOwner(raw: Buffer, from: number, end: number, workers: number): number | undefined {
  let a = from;
  let b = end;
  while (a < b && isSpace(raw[a]!)) a++;
  while (b > a && isSpace(raw[b - 1]!)) b--;
  if (a === b) return undefined;
  let h = 0x811c9dc5;
  for (let k = a; k < b; k++) h = Math.imul(h ^ raw[k]!, 0x01000193);
  return (h >>> 0) % workers;
}

const BRANCH = Buffer.from('branch=z9hG4bKw', 'latin1');

/** The worker in the first Via value's branch marker (`;branch=z9hG4bKw<N>x`). */
function viaOwner(raw: Buffer, from: number, end: number, workers: number): number | undefined {
  // The first value ends at a comma outside quotes; Via parameters hold no quoted commas in
  // practice, and a miss only means the response is handled where it landed.
  let stop = raw.indexOf(0x2c, from);
  if (stop < 0 || stop > end) stop = end;
  const at = indexOfCaseless(raw, BRANCH, from, stop);
  if (at < 0) return undefined;
  let p = at + BRANCH.length;
  let n = 0;
  let digits = 0;
  while (p < stop && raw[p]! >= 0x30 && raw[p]! <= 0x39 && digits < 3) {
    n = n * 10 + raw[p]! - 0x30;
    p++;
    digits++;
  }
  if (digits === 0 || raw[p] !== 0x78 /* x */ || n >= workers) return undefined;
  return n;
}

/** `needle` in raw[from, to), the "branch=" part case-insensitive, the cookie and marker exact. */
function indexOfCaseless(raw: Buffer, needle: Buffer, from: number, to: number): number {
  const last = to - needle.length;
  for (let i = from; i <= last; i++) {
    let k = 0;
    for (; k < needle.length; k++) {
      const c = raw[i + k]!;
      const want = needle[k]!;
      if (k < 6 ? (c | 0x20) !== want : c !== want) break;
    }
    if (k === needle.length) return i;
  }
  return -1;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === CR || c === LF;
}
