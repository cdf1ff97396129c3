/**
 * Character classes of RFC 3261 §25.1, as 256-entry lookup tables over byte values (messages are
 * handled as latin1 strings, one char per byte, so charCodeAt() is the byte).
 */
function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** word: token chars plus ( ) < > : \ DQUOTE / [ ] ? { } (Call-ID). */
export const WORD = table('-.!%*_+`\'~()<>:\\"/[]?{}', ALNUM);
/** unreserved = alphanum / mark */
export const UNRESERVED = table("-_.!~*'()", ALNUM);
/** user = 1*( unreserved / escaped / user-unreserved ) */
export const USER = table("-_.!~*'()&=+$,;?/", ALNUM);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD = table("-_.!~*'()&=+$,", ALNUM);
/** paramchar = param-unreserved / unreserved / escaped */
export const PARAMCHAR = table("-_.!~*'()[]/:&+$", ALNUM);
/** hname / hvalue = *( hnv-unreserved / unreserved / escaped ) */
export const HNV = table("-_.!~*'()[]/?:+$", ALNUM);
/** Characters of a hostname (alphanum, "-", "."); "_" is tolerated as many deployments use it. */
export const HOST = table('-._', ALNUM);
/** uric of absoluteURI (RFC 2396), for URIs of schemes we do not know. */
export const URIC = table(";/?:@&=+$,-_.!~*'()%[]#", ALNUM);
export const DIGIT = table('0123456789');
export const ALPHA = table('', [
  [0x41, 0x5a],
  [0x61, 0x7a],
]);
export const HEX = table('0123456789abcdefABCDEF');
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
export const SCHEME = table('+-.', ALNUM);

export const SP = 0x20;
export const HTAB = 0x09;
export const CR = 0x0d;
export const LF = 0x0a;

export function isWs(c: number): boolean {
  return c === SP || c === HTAB;
}

/** True if s[start, end) is a non-empty run of chars of class `t`. */
export function allOf(t: Uint8Array, s: string, start = 0, end = s.length): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || t[c] === 0) return false;
  }
  return true;
}

/** Like allOf, but also accepts %HH escapes (URI components). */
export function allOfEscaped(t: Uint8Array, s: string, start = 0, end = s.length): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= end) return false;
      if (HEX[s.charCodeAt(i + 1)] !== 1 || HEX[s.charCodeAt(i + 2)] !== 1) return false;
      i += 2;
    } else if (c > 255 || t[c] === 0) return false;
  }
  return true;
}

export function isToken(s: string): boolean {
  return allOf(TOKEN, s);
}

/** Trim SP and HTAB (not other whitespace) from both ends. */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Decode %HH escapes (RFC 3261 §19.1.4: comparisons are done on unescaped values). */
export function unescape(s: string): string {
  if (s.indexOf('%') < 0) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
