/**
 * `( name-addr / addr-spec ) *( SEMI param )`: the shape of From, To, Contact, Route,
 * Record-Route, Reply-To, Path... (RFC 3261 §20.10, §25.1).
 *
 * - name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, display-name = *(token LWS) / quoted-string.
 *   LAQUOT is `SWS "<"` and RAQUOT is `">" SWS`: no whitespace inside the brackets (RFC 4475 §3.1.2.14).
 * - In an addr-spec without brackets, ";" starts the header's parameters and the URI may not
 *   contain ",", "?" or ";" of its own (RFC 4475 §3.1.2.13).
 */
import { ParamList } from './param-list.js';
import { SipParseError } from '../errors.js';
import { isWs, TOKEN } from './chars.js';
import { formatParams, parseParams, skipQuoted, skipWs, unquote, type Params } from './params.js';
import { formatUri, parseUri, type Uri } from './uri.js';

/**
 * A parsed name-addr/addr-spec. The URI is parsed on first access of `uri` (a proxy routing on
 * From/To needs only their tags); validateMessage() touches it, so malformed URIs are still
 * reported before a message is accepted.
 */
export class NameAddr {
  private _uri: Uri | undefined;
  constructor(
    /** display name as written: a quoted-string (with its quotes) or a run of tokens; undefined if absent. */
    public displayName: string | undefined,
    /** the URI text as written */
    public uriText: string,
    /** header parameters (tag, expires, q, lr...), lower-case names */
    public params: Params,
    private readonly header: string,
  ) {}

  /** The URI (parsed now if not yet); throws SipParseError naming the header when malformed. */
  get uri(): Uri {
    if (this._uri === undefined) {
      try {
        this._uri = parseUri(this.uriText);
      } catch (e) {
        throw new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed ${this.header}: ${(e as Error).message}`, {
          header: this.header.toLowerCase(),
        });
      }
    }
    return this._uri;
  }

  set uri(u: Uri) {
    this._uri = u;
    this.uriText = formatUri(u);
  }
}

/** Parse one element (already split from a list). */
export function parseNameAddr(s: string, header: string): NameAddr {
  const bad = (why: string) => new SipParseError('SIP_ERR_HEADER_VALUE', `Malformed ${header}: ${why}`, { header });
  let i = skipWs(s, 0);
  const n = s.length;
  let displayName: string | undefined;
  let uriText: string;
  let angle = false;
  if (s.charCodeAt(i) === 0x22) {
    const end = skipQuoted(s, i);
    if (end < 0) throw bad('unterminated quoted display name');
    displayName = s.slice(i, end);
    i = skipWs(s, end);
    if (s.charCodeAt(i) !== 0x3c) throw bad('display name not followed by <URI>');
    angle = true;
  } else if (s.charCodeAt(i) !== 0x3c) {
    // Either "tokens <uri>" or a bare addr-spec: look ahead for "<" after a run of tokens and LWS.
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c < 256 && (TOKEN[c] === 1 || isWs(c))) j++;
      else break;
    }
    if (j < n && s.charCodeAt(j) === 0x3c) {
      let k = j;
      while (k > i && isWs(s.charCodeAt(k - 1))) k--;
      if (k > i) displayName = s.slice(i, k);
      i = j;
      angle = true;
    }
  } else angle = true;

  if (angle) {
    const close = s.indexOf('>', i + 1);
    if (close < 0) throw bad('missing ">"');
    uriText = s.slice(i + 1, close);
    if (uriText.length === 0 || isWs(uriText.charCodeAt(0)) || isWs(uriText.charCodeAt(uriText.length - 1)))
      throw bad('whitespace inside <...>');
    i = close + 1;
  } else {
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 0x3b || c === 0x2c || isWs(c)) break;
      i++;
    }
    uriText = s.slice(start, i);
    if (uriText.length === 0) throw bad('empty value');
  }
  // The URI itself is parsed lazily (NameAddr.uri); what decides the split between URI and
  // header parameters is checked here. In an addr-spec, "?" cannot appear (§20.10).
  if (!angle && uriText.indexOf('?') >= 0) throw bad('a URI with "?" must be enclosed in <>');
  const params: Params = new ParamList();
  i = parseParams(s, i, params, header);
  if (i !== n) throw bad(`unexpected "${s[i]}"`);
  return new NameAddr(displayName, uriText, params, header);
}

/** The display name as text (quotes and escapes removed). */
export function displayText(na: NameAddr): string | undefined {
  return na.displayName === undefined ? undefined : unquote(na.displayName);
}

/** Write back as name-addr: `"Name" <uri>;params` (always with brackets, which is always valid). */
export function formatNameAddr(na: { displayName?: string | undefined; uri: Uri | string; params?: Params }): string {
  let out = na.displayName ? na.displayName + ' ' : '';
  out += '<' + (typeof na.uri === 'string' ? na.uri : formatUri(na.uri)) + '>';
  if (na.params) out += formatParams(na.params);
  return out;
}
