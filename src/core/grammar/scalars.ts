/**
 * Header fields with a scalar or simple-list value (RFC 3261 §20, §25.1): CSeq, Call-ID,
 * Max-Forwards, Expires, Min-Expires, Content-Length, Retry-After, Timestamp, Warning, Date,
 * Content-Type, and token lists (Require, Supported, Allow...). Each throws SipParseError naming
 * the header when the value is out of grammar or out of range (RFC 4475 §3.1.2.4/.5).
 */
import { ParamList } from './param-list.js';
import { SipParseError } from '../errors.js';
import { allOf, isToken, isWs, TOKEN, trimWs, WORD } from './chars.js';
import { parseParams, skipWs, type Params } from './params.js';

const bad = (header: string, why: string) =>
  new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed ${headerTitle(header)}: ${why}`, { header });

function headerTitle(h: string): string {
  return h === 'cseq'
    ? 'CSeq'
    : h === 'call-id'
      ? 'Call-ID'
      : h.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** Largest value of a 32-bit unsigned field (delta-seconds, Content-Length, CSeq per RFC 4475 §3.1.2.4). */
const U32_MAX = 4294967295;

/** `1*DIGIT` within [0, max]. */
export function parseUInt(value: string, header: string, max = U32_MAX): number {
  const v = trimWs(value);
  if (v.length === 0 || v.length > 10 || !/^\d+$/.test(v)) throw bad(header, `"${value}" is not a number`);
  const n = Number(v);
  if (n > max) throw bad(header, `${v} is out of range (max ${max})`);
  return n;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** CSeq = 1*DIGIT LWS Method. The number must be < 2**31 (RFC 3261 §8.1.1.5). */
export function parseCSeq(value: string): CSeq {
  let i = skipWs(value, 0);
  const start = i;
  while (i < value.length && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
  if (i === start || i - start > 10) throw bad('cseq', 'missing or overlong sequence number');
  const seq = Number(value.slice(start, i));
  if (seq > 2147483647) throw bad('cseq', 'sequence number must be less than 2**31');
  if (!isWs(value.charCodeAt(i))) throw bad('cseq', 'missing method');
  i = skipWs(value, i);
  const mStart = i;
  while (i < value.length && value.charCodeAt(i) < 256 && TOKEN[value.charCodeAt(i)] === 1) i++;
  if (i === mStart || skipWs(value, i) !== value.length) throw bad('cseq', 'invalid method');
  return { seq, method: value.slice(mStart, i) };
}

/** Call-ID = word [ "@" word ] */
export function parseCallId(value: string): string {
  const v = trimWs(value);
  const at = v.indexOf('@');
  const ok = at < 0 ? allOf(WORD, v) : allOf(WORD, v, 0, at) && allOf(WORD, v, at + 1, v.length);
  if (!ok) throw bad('call-id', 'invalid characters');
  return v;
}

/** Max-Forwards = 1*DIGIT, 0–255 (RFC 4475 §3.1.2.4 treats more than 255 as invalid). */
export function parseMaxForwards(value: string): number {
  return parseUInt(value, 'max-forwards', 255);
}

export interface RetryAfter {
  seconds: number;
  comment: string | undefined;
  params: Params;
}

/** Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) */
export function parseRetryAfter(value: string): RetryAfter {
  const m = /^\s*(\d+)\s*(\([^)]*\))?\s*(;.*)?$/s.exec(value);
  if (!m) throw bad('retry-after', 'invalid value');
  const seconds = parseUInt(m[1]!, 'retry-after');
  const params: Params = new ParamList();
  if (m[3]) parseParams(m[3], 0, params, 'Retry-After');
  return { seconds, comment: m[2], params };
}

/** Warning = warning-value *(COMMA warning-value); warn-code is exactly 3 digits. */
export function parseWarning(element: string): { code: number; agent: string; text: string } {
  const m = /^\s*(\d{3})\s+(\S+)\s+(".*")\s*$/s.exec(element);
  if (!m) throw bad('warning', 'expected 3-digit code, agent and quoted text');
  return { code: Number(m[1]), agent: m[2]!, text: m[3]! };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Date = rfc1123-date, always "GMT" (RFC 3261 §20.17, RFC 4475 §3.1.2.12). */
export function parseDate(value: string): Date {
  const m = /^\s*([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT\s*$/.exec(value);
  if (!m || !DAYS.includes(m[1]!) || !MONTHS.includes(m[3]!)) throw bad('date', 'expected an RFC 1123 date in GMT');
  const d = new Date(
    Date.UTC(Number(m[4]), MONTHS.indexOf(m[3]!), Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7])),
  );
  if (Number.isNaN(d.getTime())) throw bad('date', 'invalid date');
  return d;
}

/** Format a Date header value. */
export function formatDate(d: Date): string {
  return d.toUTCString();
}

export interface MediaType {
  type: string;
  subtype: string;
  params: Params;
}

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter) */
export function parseMediaType(value: string, header = 'content-type'): MediaType {
  const slash = value.indexOf('/');
  if (slash < 0) throw bad(header, 'expected type/subtype');
  const type = trimWs(value.slice(0, slash));
  let i = skipWs(value, slash + 1);
  const start = i;
  while (i < value.length && value.charCodeAt(i) < 256 && TOKEN[value.charCodeAt(i)] === 1) i++;
  const subtype = value.slice(start, i);
  if (!isToken(type) || !subtype) throw bad(header, 'invalid media type');
  const params: Params = new ParamList();
  // The title is for error messages only: the usual header's is a constant, not a regex per message.
  i = parseParams(value, i, params, header === 'content-type' ? 'Content-Type' : headerTitle(header));
  if (i !== value.length) throw bad(header, 'unexpected characters');
  return { type: type.toLowerCase(), subtype: subtype.toLowerCase(), params };
}

/** A comma-separated list of tokens (Require, Supported, Proxy-Require, Unsupported, Allow). */
export function parseTokenList(elements: string[], header: string): string[] {
  const out: string[] = [];
  for (const e of elements) {
    if (e === '') continue; // "Supported:" may be empty (§20.37)
    if (!isToken(e)) throw bad(header, `"${e}" is not a token`);
    out.push(e);
  }
  return out;
}
