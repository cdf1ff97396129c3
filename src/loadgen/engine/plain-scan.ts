/**
 * The fast reading of a received message for the scenario engine: the start line and the four
 * header fields every message is matched on (Call-ID, CSeq, To, Via), found without building the
 * core parser's header index (an object and two strings per field line, most of the garbage of a
 * received message). Only a message written the plain way is read here: CRLF line ends, no line
 * folding, no leading CRLF, token header names, at most one Content-Length that fits the datagram,
 * "SIP/2.0" as written. Every such message is one the core parser accepts with the same values;
 * anything else returns undefined and goes to the core parser (and SIPp's loose request line), so
 * what is accepted or refused never depends on this shortcut.
 */
import { ALPHA, SCHEME, TOKEN } from '../../core/grammar/chars.js';

/** What the engine reads from every message; header values as the core's get() returns them. */
export interface PlainScan {
  isRequest: boolean;
  /** Status code of a response (0 for requests). */
  code: number;
  /** Method of a request ("" for responses). */
  method: string;
  callId: string | undefined;
  cseq: string | undefined;
  to: string | undefined;
  via: string | undefined;
}

/** The core parser's default limit on header fields (parser.ts). */
const MAX_HEADERS = 256;
/** Messages longer than this are read by the core parser, which then converts only their head. */
const MAX_LENGTH = 8192;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/** Which of the fields the engine reads a header name is (any case, compact forms included). */
const enum Field {
  Other,
  CallId,
  CSeq,
  To,
  Via,
  ContentLength,
}

/** Whether text[at, at + lower.length) is `lower` in any case (letters and "-" only). */
function namedAt(text: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((text.charCodeAt(at + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function fieldOf(text: string, start: number, end: number): Field {
  const len = end - start;
  const c0 = text.charCodeAt(start) | 0x20;
  if (len === 1) {
    if (c0 === 0x69) return Field.CallId; // i
    if (c0 === 0x74) return Field.To; // t
    if (c0 === 0x76) return Field.Via; // v
    if (c0 === 0x6c) return Field.ContentLength; // l
    return Field.Other;
  }
  // ("-" | 0x20 is "-" again, and no token character but "-" and letters turns into these.)
  if (len === 2) return namedAt(text, start, 'to') ? Field.To : Field.Other;
  if (len === 3) return namedAt(text, start, 'via') ? Field.Via : Field.Other;
  if (len === 4) return namedAt(text, start, 'cseq') ? Field.CSeq : Field.Other;
  if (len === 7) return namedAt(text, start, 'call-id') ? Field.CallId : Field.Other;
  if (len === 14) return namedAt(text, start, 'content-length') ? Field.ContentLength : Field.Other;
  return Field.Other;
}

/** The plain reading of `buf`, or undefined: leave it to the core parser. */
export function scanPlain(buf: Buffer): PlainScan | undefined {
  const n = buf.length;
  if (n === 0 || n > MAX_LENGTH || buf[0] === CR || buf[0] === LF) return undefined;
  const text = buf.toString('latin1');
  const eol = text.indexOf('\r\n');
  if (eol <= 0) return undefined;
  const scan = startLine(text, eol);
  if (!scan) return undefined;
  let contentLength = -1;
  let headers = 0;
  let pos = eol + 2;
  for (;;) {
    const end = text.indexOf('\r\n', pos);
    if (end < 0) return undefined; // no blank line
    if (end === pos) {
      pos = end + 2; // the body starts here
      break;
    }
    const first = text.charCodeAt(pos);
    // A continuation line (folding) or a bare LF in the line: the core parser's business.
    if (first === SP || first === HTAB || first === LF) return undefined;
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon >= end) return undefined;
    if (text.indexOf('\n', pos) < end) return undefined;
    let nameEnd = colon;
    while (nameEnd > pos && isBlank(text.charCodeAt(nameEnd - 1))) nameEnd--;
    if (nameEnd === pos) return undefined;
    for (let i = pos; i < nameEnd; i++) if (TOKEN[text.charCodeAt(i)] !== 1) return undefined;
    if (++headers > MAX_HEADERS) return undefined;
    const field = fieldOf(text, pos, nameEnd);
    if (field !== Field.Other) {
      let vs = colon + 1;
      let ve = end;
      while (vs < ve && isBlank(text.charCodeAt(vs))) vs++;
      while (ve > vs && isBlank(text.charCodeAt(ve - 1))) ve--;
      if (field === Field.ContentLength) {
        if (contentLength >= 0) return undefined; // twice: the core parser flags the conflict
        contentLength = digits(text, vs, ve);
        if (contentLength < 0) return undefined;
      } else if (field === Field.CallId) scan.callId ??= text.slice(vs, ve);
      else if (field === Field.CSeq) scan.cseq ??= text.slice(vs, ve);
      else if (field === Field.To) scan.to ??= text.slice(vs, ve);
      else scan.via ??= text.slice(vs, ve);
    }
    pos = end + 2;
  }
  // RFC 3261 §18.3: a Content-Length beyond the datagram is an error (the core parser's verdict).
  if (contentLength >= 0 && pos + contentLength > n) return undefined;
  return scan;
}

function isBlank(c: number): boolean {
  return c === SP || c === HTAB;
}

/** 1 to 10 decimal digits (the core parser's Content-Length rule), else -1. */
function digits(text: string, start: number, end: number): number {
  if (end === start || end - start > 10) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * "SIP/2.0 NNN reason" with a code of 100–699, or "METHOD scheme:rest SIP/2.0" with a token method
 * and a Request-URI that starts with a scheme and holds no tab: as the core parser reads them.
 */
function startLine(text: string, eol: number): PlainScan | undefined {
  if (text.startsWith('SIP/2.0 ')) {
    const d0 = text.charCodeAt(8) - 0x30;
    const d1 = text.charCodeAt(9) - 0x30;
    const d2 = text.charCodeAt(10) - 0x30;
    if (eol < 11 || d0 < 1 || d0 > 6 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
    if (eol > 11 && text.charCodeAt(11) !== SP) return undefined;
    return newScan(false, d0 * 100 + d1 * 10 + d2, '');
  }
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || sp1 >= eol) return undefined;
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= eol || sp2 === sp1 + 1 || eol - sp2 !== 8 || !text.startsWith('SIP/2.0', sp2 + 1))
    return undefined;
  for (let i = 0; i < sp1; i++) if (TOKEN[text.charCodeAt(i)] !== 1) return undefined;
  if (ALPHA[text.charCodeAt(sp1 + 1)] !== 1) return undefined;
  let i = sp1 + 2;
  while (i < sp2 && SCHEME[text.charCodeAt(i)] === 1) i++;
  if (i >= sp2 || text.charCodeAt(i) !== 0x3a) return undefined; // the scheme's ":"
  const tab = text.indexOf('\t');
  if (tab >= 0 && tab < eol) return undefined;
  return newScan(true, 0, text.slice(0, sp1));
}

function newScan(isRequest: boolean, code: number, method: string): PlainScan {
  return { isRequest, code, method, callId: undefined, cseq: undefined, to: undefined, via: undefined };
}
