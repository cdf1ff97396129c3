/**
 * The SIP message model. A message is its start line, an ordered list of header fields and a
 * body. Header text is held as latin1 strings (one char per byte), so bytes that are not ASCII
 * (UTF-8 display names, reason phrases) survive unchanged, and a field that nobody modified is
 * written back exactly as it arrived (its `raw` line). Typed views of header values (Via, From,
 * CSeq...) are parsed on first use and cached until that header is modified.
 */
import { SipParseError } from '../errors.js';
import { parseNameAddr, type NameAddr } from '../grammar/name-addr.js';
import { parseCallId, parseCSeq, parseMaxForwards, parseUInt, type CSeq } from '../grammar/scalars.js';
import { parseUri, type Uri } from '../grammar/uri.js';
import { formatVia, parseVia, type Via } from '../grammar/via.js';
import { canonicalName, displayName, isListHeader } from './header-names.js';
import { splitList } from './split.js';

export interface HeaderField {
  /** canonical lower-case long-form name ("via", "call-id") */
  readonly name: string;
  /** the value, unfolded and trimmed */
  readonly value: string;
  /** the whole line as received ("v: SIP/2.0/UDP ..." incl. folding, no CRLF); undefined for new or modified fields */
  readonly raw: string | undefined;
}

/** A Contact value: `*` or a list of name-addrs with their parameters (expires, q, +sip.instance...). */
export type ContactList = '*' | NameAddr[];

const EMPTY = Buffer.alloc(0);

export abstract class SipMessage {
  abstract readonly isRequest: boolean;
  /** "SIP/2.0" as written */
  version = 'SIP/2.0';
  readonly headers: HeaderField[];
  private _body: Buffer;
  /** The start line as received, while the start line is unchanged. */
  protected rawStartLine: string | undefined;
  // Parsed views, filled on first use and dropped when their header changes (see invalidate()).
  private _vias: Via[] | undefined;
  private _topVia: Via | null | undefined;
  private _from: NameAddr | undefined;
  private _to: NameAddr | undefined;
  private _callId: string | undefined;
  private _cseq: CSeq | undefined;
  private _maxForwards: number | null | undefined;
  private _expires: number | null | undefined;
  private _contacts: ContactList | undefined;
  private _routes: NameAddr[] | undefined;
  private _recordRoutes: NameAddr[] | undefined;
  /** Set by the parser when Content-Length appeared more than once (RFC 4475 §3.3.9). */
  contentLengthConflict = false;

  constructor(headers: HeaderField[] = [], body: Buffer = EMPTY) {
    this.headers = headers;
    this._body = body;
  }

  abstract startLine(): string;

  /**
   * Give a copy of this message (clone()) the parsed views made so far: the copy starts with the
   * same header text, so they hold for it until it changes a header (which drops that view, as
   * here), and a relayed request or response is not parsed a second time (issue 14). The views
   * are never changed in place (setTopVia and stampReceived make new ones), so sharing is safe.
   */
  protected shareViews(c: SipMessage): void {
    c._vias = this._vias;
    c._topVia = this._topVia;
    c._from = this._from;
    c._to = this._to;
    c._callId = this._callId;
    c._cseq = this._cseq;
    c._maxForwards = this._maxForwards;
  }

  // ---- raw access ---------------------------------------------------------------------------

  /** Value of the first field with this name (any spelling or compact form), or undefined. */
  get(name: string): string | undefined {
    return this.first(canonicalName(name));
  }

  /** get() for a name already in canonical form (the typed views use it). */
  private first(n: string): string | undefined {
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.name === n) return hs[i]!.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Number of field lines with this name. */
  count(name: string): number {
    const n = canonicalName(name);
    let c = 0;
    for (const h of this.headers) if (h.name === n) c++;
    return c;
  }

  /**
   * All values of a header. For list headers (Via, Route, Contact...) every comma-separated
   * element of every field line, in order; for others each field line's value.
   */
  getAll(name: string): string[] {
    const n = canonicalName(name);
    const out: string[] = [];
    const list = isListHeader(n);
    for (const h of this.headers) {
      if (h.name !== n) continue;
      if (list) for (const e of splitList(h.value)) out.push(e);
      else out.push(h.value);
    }
    return out;
  }

  // ---- modification -------------------------------------------------------------------------

  /** Replace every field of this name by one field with `value` (at the first one's position). */
  set(name: string, value: string): this {
    const n = canonicalName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    this.removeAll(n);
    const field: HeaderField = { name: n, value, raw: undefined };
    if (idx < 0) this.headers.push(field);
    else this.headers.splice(idx, 0, field);
    return this;
  }

  /** Add a field after the last field (of any name). */
  append(name: string, value: string): this {
    const n = canonicalName(name);
    this.headers.push({ name: n, value, raw: undefined });
    this.invalidate(n);
    return this;
  }

  /** Add a field before the first field of the same name (or first of all when there is none). */
  prepend(name: string, value: string): this {
    const n = canonicalName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    this.headers.splice(idx < 0 ? 0 : idx, 0, { name: n, value, raw: undefined });
    this.invalidate(n);
    return this;
  }

  /** Remove every field with this name. Returns how many were removed. */
  removeAll(name: string): number {
    const n = canonicalName(name);
    let removed = 0;
    for (let i = this.headers.length - 1; i >= 0; i--) {
      if (this.headers[i]!.name === n) {
        this.headers.splice(i, 1);
        removed++;
      }
    }
    this.invalidate(n);
    return removed;
  }

  /**
   * Remove the first element of a list header (the top Via of a response, the Route a loose
   * router consumed). A field line holding several elements keeps the others.
   */
  removeFirst(name: string): string | undefined {
    const n = canonicalName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    if (idx < 0) return undefined;
    const field = this.headers[idx]!;
    const elements = splitList(field.value);
    if (elements.length <= 1) this.headers.splice(idx, 1);
    else this.headers[idx] = { name: n, value: elements.slice(1).join(', '), raw: undefined };
    // A proxy strips its own Via from every response it relays (§16.7 step 3) and then routes by
    // the next one (§18.2.2): the Vias parsed already stay parsed, one fewer.
    const vias = n === 'via' ? this._vias : undefined;
    this.invalidate(n);
    if (vias !== undefined) {
      this._vias = vias.slice(1);
      this._topVia = this._vias[0] ?? null;
    }
    return elements[0];
  }

  /** Replace the first element of a list header (e.g. the top Via after adding received/rport). */
  replaceFirst(name: string, element: string): void {
    const n = canonicalName(name);
    const idx = this.headers.findIndex((h) => h.name === n);
    if (idx < 0) {
      this.prepend(n, element);
      return;
    }
    const elements = splitList(this.headers[idx]!.value);
    elements[0] = element;
    this.headers[idx] = { name: n, value: elements.join(', '), raw: undefined };
    this.invalidate(n);
  }

  get body(): Buffer {
    return this._body;
  }

  /** Set the body and keep Content-Length in step with it. */
  set body(b: Buffer | string) {
    this._body = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    this.set('content-length', String(this._body.length));
  }

  protected invalidate(name: string): void {
    switch (name) {
      case 'via':
        this._vias = undefined;
        this._topVia = undefined;
        break;
      case 'from':
        this._from = undefined;
        break;
      case 'to':
        this._to = undefined;
        break;
      case 'call-id':
        this._callId = undefined;
        break;
      case 'cseq':
        this._cseq = undefined;
        break;
      case 'max-forwards':
        this._maxForwards = undefined;
        break;
      case 'expires':
        this._expires = undefined;
        break;
      case 'contact':
        this._contacts = undefined;
        break;
      case 'route':
        this._routes = undefined;
        break;
      case 'record-route':
        this._recordRoutes = undefined;
        break;
    }
  }

  // ---- typed views (throw SipParseError on malformed values) ---------------------------------

  /** Every Via, top first (the top one reused when topVia() parsed it already). */
  vias(): Via[] {
    if (this._vias === undefined) {
      const elements = this.getAll('via');
      const top = this._topVia;
      this._vias = elements.map((e, i) => (i === 0 && top ? top : parseVia(e)));
    }
    return this._vias;
  }

  /**
   * Replace the top Via (received/rport stamped by the transport, §18.2.1) and keep the new one
   * as the parsed top Via, so nobody parses it again.
   */
  setTopVia(via: Via): void {
    this.replaceFirst('via', formatVia(via));
    this._topVia = via;
  }

  /** The top Via, or undefined when there is none (parses only that one). */
  topVia(): Via | undefined {
    if (this._topVia === undefined) {
      if (this._vias !== undefined) this._topVia = this._vias[0] ?? null;
      else {
        const first = this.first('via');
        this._topVia = first === undefined ? null : parseVia(first.indexOf(',') < 0 ? first : splitList(first)[0]!);
      }
    }
    return this._topVia ?? undefined;
  }

  from(): NameAddr {
    return (this._from ??= parseNameAddr(this.singleOf('from'), 'From'));
  }

  to(): NameAddr {
    return (this._to ??= parseNameAddr(this.singleOf('to'), 'To'));
  }

  /** The From tag; read without parsing the whole From when it is written the usual way. */
  fromTag(): string | undefined {
    if (this._from !== undefined) return this._from.params.get('tag') ?? undefined;
    const fast = scanTag(this.singleOf('from'));
    return fast === FULL_PARSE ? (this.from().params.get('tag') ?? undefined) : fast;
  }

  /** The To tag; read without parsing the whole To when it is written the usual way. */
  toTag(): string | undefined {
    if (this._to !== undefined) return this._to.params.get('tag') ?? undefined;
    const fast = scanTag(this.singleOf('to'));
    return fast === FULL_PARSE ? (this.to().params.get('tag') ?? undefined) : fast;
  }

  callId(): string {
    return (this._callId ??= parseCallId(this.singleOf('call-id')));
  }

  cseq(): CSeq {
    return (this._cseq ??= parseCSeq(this.singleOf('cseq')));
  }

  /** Max-Forwards, or undefined when absent. */
  maxForwards(): number | undefined {
    if (this._maxForwards === undefined) {
      const v = this.first('max-forwards');
      this._maxForwards = v === undefined ? null : parseMaxForwards(v);
    }
    return this._maxForwards ?? undefined;
  }

  /** Expires header (delta-seconds), or undefined when absent. */
  expires(): number | undefined {
    if (this._expires === undefined) {
      const v = this.first('expires');
      this._expires = v === undefined ? null : parseUInt(v, 'expires');
    }
    return this._expires ?? undefined;
  }

  /** Contact: `*` or the list of contacts (empty when absent). */
  contacts(): ContactList {
    if (this._contacts === undefined) {
      const all = this.getAll('contact');
      if (all.length === 1 && all[0] === '*') this._contacts = '*';
      else
        this._contacts = all.map((e) => {
          if (e === '*')
            throw new SipParseError('SIP_ERR_HEADER_VALUE', 'Malformed Contact: "*" must be alone', {
              header: 'contact',
            });
          return parseNameAddr(e, 'Contact');
        });
    }
    return this._contacts;
  }

  routes(): NameAddr[] {
    return (this._routes ??= this.getAll('route').map((e) => parseNameAddr(e, 'Route')));
  }

  recordRoutes(): NameAddr[] {
    return (this._recordRoutes ??= this.getAll('record-route').map((e) => parseNameAddr(e, 'Record-Route')));
  }

  /** The value of a header that must appear once; throws when missing or repeated. */
  single(name: string): string {
    return this.singleOf(canonicalName(name));
  }

  private singleOf(n: string): string {
    let found: string | undefined;
    for (const h of this.headers) {
      if (h.name !== n) continue;
      if (found !== undefined)
        throw new SipParseError('SIP_ERR_DUPLICATE_HEADER', `Multiple ${displayName(n)} headers`, { header: n });
      found = h.value;
    }
    if (found === undefined)
      throw new SipParseError('SIP_ERR_MISSING_HEADER', `Missing ${displayName(n)} header`, { header: n });
    return found;
  }
}

const FULL_PARSE = Symbol('full parse');

/**
 * The tag parameter of a From/To value in its common forms (`Name <uri>;tag=x`, `uri;tag=x`),
 * without building a NameAddr. Anything less plain (quoted display name, LWS or another case in
 * the parameter) answers FULL_PARSE, and the caller parses the header properly, so the result is
 * always what parseNameAddr() would give for a well-formed value.
 */
function scanTag(v: string): string | undefined | typeof FULL_PARSE {
  if (v.indexOf('"') >= 0) return FULL_PARSE;
  const gt = v.indexOf('>');
  const p = gt >= 0 ? gt + 1 : v.indexOf(';');
  if (p < 0) return undefined;
  const t = v.indexOf(';tag=', p);
  if (t < 0) return v.indexOf(';', p) < 0 && v.indexOf(' ', p) < 0 ? undefined : FULL_PARSE;
  let e = t + 5;
  while (e < v.length) {
    const c = v.charCodeAt(e);
    if (c === 0x3b || c === 0x2c || c === 0x20 || c === 0x09) break;
    e++;
  }
  return e === t + 5 ? FULL_PARSE : v.slice(t + 5, e);
}

export class SipRequest extends SipMessage {
  readonly isRequest = true as const;
  private _method: string;
  private _uri: string;
  private parsedUri: Uri | undefined;
  /**
   * The Request-URI this request was created or received with, kept when a proxy rewrites it
   * (strict-route fix-up, retargeting): digest credentials are checked against it (RFC 3261 §22.4).
   */
  readonly receivedUri: string;

  constructor(
    method: string,
    uri: string,
    headers: HeaderField[] = [],
    body?: Buffer,
    rawStartLine?: string,
    receivedUri = uri,
  ) {
    super(headers, body);
    this._method = method;
    this._uri = uri;
    this.rawStartLine = rawStartLine;
    this.receivedUri = receivedUri;
  }

  get method(): string {
    return this._method;
  }

  set method(m: string) {
    this._method = m;
    this.rawStartLine = undefined;
  }

  /**
   * An independent copy (a proxy's per-branch request, §16.6 step 1): header fields are immutable
   * objects, so copying the list is enough; the body buffer is shared (replace it, never write into it).
   */
  clone(): SipRequest {
    const c = new SipRequest(
      this._method,
      this._uri,
      [...this.headers],
      this.body,
      this.rawStartLine,
      this.receivedUri,
    );
    c.contentLengthConflict = this.contentLengthConflict;
    this.shareViews(c);
    return c;
  }

  /** The Request-URI as text. */
  get uri(): string {
    return this._uri;
  }

  set uri(u: string) {
    this._uri = u;
    this.parsedUri = undefined;
    this.rawStartLine = undefined;
  }

  /** The Request-URI parsed (sip/sips/tel interpreted; other schemes kept as text). */
  requestUri(): Uri {
    if (this.parsedUri === undefined) {
      try {
        this.parsedUri = parseUri(this._uri);
      } catch (e) {
        throw new SipParseError('SIP_ERR_REQUEST_URI', `Malformed Request-URI: ${(e as Error).message}`);
      }
    }
    return this.parsedUri;
  }

  startLine(): string {
    return this.rawStartLine ?? `${this._method} ${this._uri} SIP/2.0`;
  }
}

export class SipResponse extends SipMessage {
  readonly isRequest = false as const;
  private _status: number;
  private _reason: string;

  constructor(status: number, reason: string, headers: HeaderField[] = [], body?: Buffer, rawStartLine?: string) {
    super(headers, body);
    this._status = status;
    this._reason = reason;
    this.rawStartLine = rawStartLine;
  }

  /** An independent copy (a proxy forwarding a response after removing its own Via). */
  clone(): SipResponse {
    const c = new SipResponse(this._status, this._reason, [...this.headers], this.body, this.rawStartLine);
    c.contentLengthConflict = this.contentLengthConflict;
    this.shareViews(c);
    return c;
  }

  get status(): number {
    return this._status;
  }

  set status(s: number) {
    this._status = s;
    this.rawStartLine = undefined;
  }

  get reason(): string {
    return this._reason;
  }

  set reason(r: string) {
    this._reason = r;
    this.rawStartLine = undefined;
  }

  startLine(): string {
    return this.rawStartLine ?? `SIP/2.0 ${this._status} ${this._reason}`;
  }
}

export type AnyMessage = SipRequest | SipResponse;
