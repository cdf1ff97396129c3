/**
 * The message parser (RFC 3261 §7, §25). It reads the start line and builds the header index up
 * front (name, unfolded value, raw line), frames the body by Content-Length, and leaves every
 * header's grammar to the typed views that parse on demand (message.ts) or to validate().
 *
 * Input is bytes. The header section is turned into a latin1 string, one char per byte, so
 * offsets are byte offsets and nothing is lost when a field is written back unchanged.
 */
import { SipParseError } from '../errors.js';
import { ALPHA, HTAB, isWs, LF, SCHEME, SP, TOKEN } from '../grammar/chars.js';
import { canonicalNameAt } from './header-names.js';
import { SipRequest, SipResponse, type AnyMessage, type HeaderField } from './message.js';
import { methodOf } from './methods.js';

export interface ParseOptions {
  /**
   * The bytes are one UDP datagram: a body without Content-Length runs to the end, octets after
   * Content-Length are discarded (RFC 3261 §18.3), and a Content-Length larger than what arrived
   * is an error (RFC 4475 §3.1.2.2). Default true; stream framing (transport/stream-framer.ts)
   * hands over exactly one message, for which the same rules are right.
   */
  datagram?: boolean;
  /** Upper bound on the number of header fields (default 256). */
  maxHeaders?: number;
}

const CRLF_CRLF_TAIL = Buffer.from('\n\r\n', 'latin1');
/** The body of every message without one (shared; a zero-length Buffer). */
const NO_BODY = Buffer.alloc(0);
const LF_LF = Buffer.from('\n\n', 'latin1');

const startLineError = (why: string) => new SipParseError('SIP_ERR_START_LINE', `Malformed start line: ${why}`);

/** Locate the blank line ending the header section: [end of headers, start of body]. */
function findHeaderEnd(buf: Buffer, from: number): [number, number] | undefined {
  const a = buf.indexOf(CRLF_CRLF_TAIL, from);
  // Lines may also end in a bare LF (tolerated, as Kamailio does): take whichever blank line is first.
  const limit = a < 0 ? buf.length : a;
  const b = buf.subarray(from, limit).indexOf(LF_LF);
  if (b >= 0) return [from + b + 1, from + b + 2];
  if (a >= 0) return [a + 1, a + 3];
  return undefined;
}

/** Messages up to this size are turned into one string; larger ones (big bodies) only their head. */
const WHOLE_TEXT_LIMIT = 8192;

/** Parse one SIP message. Throws SipParseError on anything that is not a SIP message. */
export function parseMessage(buf: Buffer, opts: ParseOptions = {}): AnyMessage {
  let start = 0;
  // RFC 3261 §7.5: CRLFs before the start line are ignored (keep-alives on streams).
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === LF)) start++;
  if (start >= buf.length) throw new SipParseError('SIP_ERR_EMPTY', 'Empty message');

  // One latin1 string for the usual small message; for a big one (large body) only its head,
  // found with a byte search first. The line loop below ends at the blank line itself.
  let text: string;
  if (buf.length <= WHOLE_TEXT_LIMIT) text = buf.toString('latin1');
  else {
    const found = findHeaderEnd(buf, start);
    text = buf.toString('latin1', 0, found ? found[1] : buf.length);
  }
  const n = text.length;

  let eol = text.indexOf('\n', start);
  if (eol < 0) eol = n;
  const startLine = text.charCodeAt(eol - 1) === 0x0d ? text.slice(start, eol - 1) : text.slice(start, eol);

  const headers: HeaderField[] = [];
  let contentLength = -1;
  let clConflict = false;
  const maxHeaders = opts.maxHeaders ?? 256;
  // Without a blank line (RFC 4475's baddn.dat has none) the headers run to the end of the
  // datagram, so that the real fault, if any, is the one reported.
  let bodyStart = n;
  let pos = eol + 1;
  while (pos < n) {
    let lineEnd = text.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = n;
    let rawEnd = lineEnd;
    if (text.charCodeAt(rawEnd - 1) === 0x0d && rawEnd > pos) rawEnd--;
    if (rawEnd === pos) {
      bodyStart = lineEnd + 1; // the blank line
      break;
    }
    let folded = false;
    // Continuation lines start with SP or HTAB (RFC 3261 §7.3.1 line folding).
    while (lineEnd + 1 < n && isWs(text.charCodeAt(lineEnd + 1))) {
      folded = true;
      const next = text.indexOf('\n', lineEnd + 1);
      lineEnd = next < 0 ? n : next;
      rawEnd = text.charCodeAt(lineEnd - 1) === 0x0d ? lineEnd - 1 : lineEnd;
    }
    // Work on the flat message string with absolute offsets (cheaper than on a sliced line).
    const lineStart = pos;
    pos = lineEnd + 1;
    const colon = text.indexOf(':', lineStart);
    if (colon < 0 || colon >= rawEnd || colon === lineStart) {
      throw new SipParseError(
        'SIP_ERR_HEADER_LINE',
        isWs(text.charCodeAt(lineStart))
          ? 'Malformed header line: continuation without a header'
          : 'Malformed header line: missing ":"',
      );
    }
    let nameEnd = colon;
    while (nameEnd > lineStart && isWs(text.charCodeAt(nameEnd - 1))) nameEnd--;
    const name = canonicalNameAt(text, lineStart, nameEnd);
    let vs = colon + 1;
    let ve = rawEnd;
    while (vs < ve && isWs(text.charCodeAt(vs))) vs++;
    while (ve > vs && isWs(text.charCodeAt(ve - 1))) ve--;
    let value = text.slice(vs, ve);
    if (folded) value = value.replace(/\r?\n[ \t]+/g, ' ').replace(/[ \t]+$/, '');
    const raw = text.slice(lineStart, rawEnd);
    if (headers.length >= maxHeaders)
      throw new SipParseError('SIP_ERR_TOO_LARGE', 'Too many header fields', { status: 513 });
    headers.push({ name, value, raw });
    if (name === 'content-length') {
      if (contentLength >= 0) clConflict = true;
      else contentLength = parseContentLength(value);
    }
  }

  let bodyEnd = buf.length;
  if (contentLength >= 0 && !clConflict) {
    if (bodyStart + contentLength > buf.length)
      throw new SipParseError('SIP_ERR_CONTENT_LENGTH', 'Content-Length larger than message', {
        header: 'content-length',
      });
    bodyEnd = bodyStart + contentLength;
  }
  // No body (REGISTER, ACK, BYE, most replies): no view into the datagram either, so that a
  // message kept for a transaction's 32 s (Timer J) does not keep the received bytes alive too.
  const from = Math.min(bodyStart, buf.length);
  const body = bodyEnd > from ? buf.subarray(from, bodyEnd) : NO_BODY;

  const msg = parseStartLine(startLine, headers, body);
  msg.contentLengthConflict = clConflict;
  return msg;
}

/** Convenience for tests and tools: parse a message written as text (UTF-8). */
export function parseMessageText(text: string, opts?: ParseOptions): AnyMessage {
  return parseMessage(Buffer.from(text, 'utf8'), opts);
}

function parseContentLength(value: string): number {
  let n = 0;
  const len = value.length;
  if (len === 0 || len > 10)
    throw new SipParseError('SIP_ERR_CONTENT_LENGTH', 'Malformed Content-Length', { header: 'content-length' });
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9)
      throw new SipParseError('SIP_ERR_CONTENT_LENGTH', 'Malformed Content-Length', { header: 'content-length' });
    n = n * 10 + c;
  }
  return n;
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; only 2.0 is supported (505 otherwise, RFC 3261 §8.2.6... §21.5.6). */
function checkVersion(v: string): void {
  if (v.length === 7 && (v === 'SIP/2.0' || v.toUpperCase() === 'SIP/2.0')) return;
  if (/^SIP\/\d+\.\d+$/i.test(v))
    throw new SipParseError('SIP_ERR_VERSION', 'SIP Version Not Supported', { status: 505 });
  throw startLineError('invalid SIP-Version');
}

function parseStartLine(line: string, headers: HeaderField[], body: Buffer): AnyMessage {
  if (line.length >= 4 && (line.charCodeAt(0) | 0x20) === 0x73 && line.slice(0, 4).toUpperCase() === 'SIP/') {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const sp = line.indexOf(' ');
    if (sp < 0) throw startLineError('no status code');
    checkVersion(line.slice(0, sp));
    const code = line.slice(sp + 1, sp + 4);
    const after = line.charCodeAt(sp + 4);
    if (!/^[1-6]\d\d$/.test(code) || (sp + 4 < line.length && after !== SP))
      throw new SipParseError('SIP_ERR_STATUS_CODE', 'Malformed status code');
    const reason = sp + 5 <= line.length ? line.slice(sp + 5) : '';
    return new SipResponse(Number(code), reason, headers, body, line);
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly two single spaces (RFC 4475 §3.1.2.8–10).
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0) throw startLineError('expected "Method Request-URI SIP/2.0"');
  for (let i = 0; i < sp1; i++) {
    const c = line.charCodeAt(i);
    if (c > 255 || TOKEN[c] === 0) throw new SipParseError('SIP_ERR_METHOD', 'Malformed method');
  }
  const uri = line.slice(sp1 + 1, sp2);
  if (uri.length === 0) throw startLineError('empty Request-URI');
  if (line.indexOf(HTAB_CHAR) >= 0) throw startLineError('tab in Request-Line');
  // Request-URI = SIP-URI / SIPS-URI / absoluteURI: it starts with a scheme (not "<", RFC 4475 §3.1.2.7).
  const colon = uri.indexOf(':');
  if (colon <= 0 || ALPHA[uri.charCodeAt(0)] !== 1)
    throw new SipParseError('SIP_ERR_REQUEST_URI', 'Malformed Request-URI');
  for (let i = 1; i < colon; i++)
    if (SCHEME[uri.charCodeAt(i)] !== 1) throw new SipParseError('SIP_ERR_REQUEST_URI', 'Malformed Request-URI');
  checkVersion(line.slice(sp2 + 1));
  return new SipRequest(methodOf(line, sp1), uri, headers, body, line);
}

const HTAB_CHAR = String.fromCharCode(HTAB);
