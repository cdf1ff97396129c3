/**
 * A received message as the scenario engine sees it: its start line, Call-ID, CSeq, To and Via
 * (read by plain-scan.ts, or by the core parser when the message is not written the plain way),
 * the core's parse of the whole message when something asks for other fields, and the bytes for
 * SIPp's text-level features ([last_*] headers exactly as received, regexp actions,
 * retransmission hashes).
 */
import { parseMessage, SipRequest, type AnyMessage } from '../../core/message/index.js';
import { scanPlain, type PlainScan } from './plain-scan.js';

const COMPACT: Record<string, string> = {
  'call-id:': 'i:',
  'contact:': 'm:',
  'content-encoding:': 'e:',
  'content-length:': 'l:',
  'content-type:': 'c:',
  'from:': 'f:',
  'to:': 't:',
  'via:': 'v:',
};

export class Incoming {
  private _text: string | undefined;
  private _msg: AnyMessage | undefined;
  readonly isResponse: boolean;
  readonly code: number;
  /** Request method ("" for responses). */
  readonly method: string;
  readonly callId: string;
  /** The first To, CSeq and Via values (as the core's get() gives them), undefined when absent. */
  readonly to: string | undefined;
  readonly cseq: string | undefined;
  readonly via: string | undefined;

  /** From the core's parse (`msg`), or from a plain scan whose bytes the core parses on demand. */
  constructor(
    readonly buf: Buffer,
    from: AnyMessage | PlainScan,
  ) {
    if ('headers' in from) {
      const msg = from;
      this._msg = msg;
      this.isResponse = !msg.isRequest;
      this.code = msg.isRequest ? 0 : msg.status;
      this.method = msg.isRequest ? msg.method : '';
      this.callId = msg.get('call-id') ?? '';
      this.to = msg.get('to');
      this.cseq = msg.get('cseq');
      this.via = msg.get('via');
    } else {
      this.isResponse = !from.isRequest;
      this.code = from.code;
      this.method = from.method;
      this.callId = from.callId ?? '';
      this.to = from.to;
      this.cseq = from.cseq;
      this.via = from.via;
    }
  }

  /** The core parser's view of the whole message ([last_*] headers, route sets, challenges). */
  get msg(): AnyMessage {
    // A plain scan only accepts what the core parser accepts (plain-scan.ts).
    return (this._msg ??= parseMessage(this.buf, { datagram: true }));
  }

  /** Parse bytes; undefined when they are not a SIP message. */
  static parse(buf: Buffer): Incoming | undefined {
    const plain = scanPlain(buf);
    if (plain) return new Incoming(buf, plain);
    try {
      return new Incoming(buf, parseMessage(buf, { datagram: true }));
    } catch {
      return parseLooseRequest(buf);
    }
  }

  /**
   * A received 3PCC command as the actions of a <recvCmd> see it: its text is searched (ereg),
   * it is not SIP (no start line), so its fields are parsed under a stand-in request line when
   * they parse at all.
   */
  static command(text: string): Incoming {
    const buf = Buffer.from(text, 'latin1');
    const standIn = (t: string) =>
      parseMessage(Buffer.from(`CMD sip:invalid SIP/2.0\r\n${t}`, 'latin1'), { datagram: true });
    let msg: AnyMessage;
    try {
      msg = standIn(text.includes('\r\n\r\n') ? text : `${text}\r\n\r\n`);
    } catch {
      msg = standIn('\r\n');
    }
    return new Incoming(buf, msg);
  }

  /** The whole message as a latin1 string (one char per byte). */
  get text(): string {
    return (this._text ??= this.buf.toString('latin1'));
  }

  /** Method named in CSeq ("" when absent): the value after its first word and the blanks after it. */
  get cseqMethod(): string {
    const v = this.cseq;
    if (!v) return '';
    // As /^\s*\S+\s+(.*)$/ without a match array per message; a line break in the value
    // (which `.` does not cross) leaves it to the expression.
    if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
      const m = /^\s*\S+\s+(.*)$/.exec(v);
      return m ? m[1]! : '';
    }
    let i = 0;
    while (i < v.length && isSpace(v.charCodeAt(i))) i++;
    const word = i;
    while (i < v.length && !isSpace(v.charCodeAt(i))) i++;
    if (i === word || i === v.length) return '';
    while (i < v.length && isSpace(v.charCodeAt(i))) i++;
    return v.slice(i);
  }

  get cseqNumber(): number {
    const v = this.cseq;
    return v ? parseInt(v, 10) || 0 : 0;
  }

  /**
   * The tag of the To header (SIPp's get_peer_tag), or undefined: the first
   * /;\s*tag\s*=\s*([^;\s,]+)/i after the URI's closing '>', scanned without a match array.
   */
  get toTag(): string | undefined {
    const to = this.to;
    if (to === undefined) return undefined;
    const gt = to.indexOf('>');
    for (let semi = to.indexOf(';', gt >= 0 ? gt : 0); semi >= 0; semi = to.indexOf(';', semi + 1)) {
      let i = skipSpace(to, semi + 1);
      if (
        i + 3 > to.length ||
        (to.charCodeAt(i) | 0x20) !== 0x74 ||
        (to.charCodeAt(i + 1) | 0x20) !== 0x61 ||
        (to.charCodeAt(i + 2) | 0x20) !== 0x67
      )
        continue;
      i = skipSpace(to, i + 3);
      if (to.charCodeAt(i) !== 0x3d) continue;
      i = skipSpace(to, i + 1);
      let end = i;
      while (end < to.length && !endsTagOrBranch(to.charCodeAt(end))) end++;
      if (end > i) return to.slice(i, end);
    }
    return undefined;
  }

  /** Branch of the top Via (SIPp's extract_transaction): after the first ";branch=", up to ; , or a blank. */
  get topBranch(): string {
    const via = this.via;
    if (!via) return '';
    const at = via.indexOf(';branch=');
    if (at < 0) return '';
    const start = at + 8;
    let end = start;
    while (end < via.length && !endsTagOrBranch(via.charCodeAt(end))) end++;
    return via.slice(start, end);
  }

  /**
   * SIPp's get_header(msg, "Name:", content=false) for [last_Name:]: the first field's whole line
   * as received, further fields' values appended after ", ". The compact form is tried when the
   * long form is absent. "" when there is no such header.
   */
  header(name: string, content = false): string {
    const wanted = (name.endsWith(':') ? name : name + ':').toLowerCase();
    let out = this.collect(wanted, content);
    if (out === undefined) {
      const compact = COMPACT[wanted];
      if (compact) out = this.collect(compact, content);
    }
    return out ?? '';
  }

  private collect(wanted: string, content: boolean): string | undefined {
    let out: string | undefined;
    for (const h of this.msg.headers) {
      const raw = h.raw;
      if (raw === undefined || raw.length < wanted.length) continue;
      if (raw.slice(0, wanted.length).toLowerCase() !== wanted) continue;
      let piece: string;
      if (content || out !== undefined) {
        let i = wanted.length;
        while (raw.charCodeAt(i) === 0x20) i++;
        piece = raw.slice(i);
      } else piece = raw;
      piece = piece.replace(/\r\n(?=[ \t])/g, '\n').replace(/[ \t\r\n]+$/, '');
      out = out === undefined ? piece : out + ', ' + piece;
    }
    return out;
  }
}

/** JavaScript's \s within latin1: HT, LF, VT, FF, CR, SP and NBSP. */
function isSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** [;,\s]: the end of a To tag or a Via branch. */
function endsTagOrBranch(c: number): boolean {
  return c === 0x3b || c === 0x2c || isSpace(c);
}

/** The longest method SIPp reads from a start line (its `request[65]` buffer, less than 64 octets). */
const MAX_METHOD = 63;

/**
 * SIPp takes a request's method as the first word of its start line and ignores the rest
 * (call::process_incoming), so it accepts "ACK  SIP/2.0", which it sends itself when [next_url]
 * is empty (rrs="true" and a 2xx without Contact), and any other Request-URI. The core parser,
 * shared with sipd, refuses such a line (RFC 3261 §25.1: Request-URI is mandatory), and must.
 * siptest accepts what SIPp accepts, here only: the header fields are parsed under a stand-in
 * start line, and the request keeps the Request-URI as received. Header faults still reject it.
 */
function parseLooseRequest(buf: Buffer): Incoming | undefined {
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  let eol = buf.indexOf(0x0a, start);
  if (eol < 0) eol = buf.length;
  const line = buf.toString('latin1', start, buf[eol - 1] === 0x0d ? eol - 1 : eol);
  if (line.startsWith('SIP/2.0')) return undefined;
  const sp = line.indexOf(' ');
  if (sp <= 0 || sp > MAX_METHOD) return undefined;
  const method = line.slice(0, sp);
  const standIn = Buffer.concat([Buffer.from(`${method} sip:invalid SIP/2.0`, 'latin1'), buf.subarray(eol)]);
  let parsed: AnyMessage;
  try {
    parsed = parseMessage(standIn, { datagram: true });
  } catch {
    return undefined;
  }
  const uri = line
    .slice(sp + 1)
    .replace(/ SIP\/\d+\.\d+$/i, '')
    .trim();
  return new Incoming(buf, new SipRequest(method, uri, parsed.headers, parsed.body, line));
}

/** SIPp's retransmission hash of a whole message ("full") or of its key headers ("loose"). */
export function messageHash(inc: Incoming, loose: boolean): number {
  let h = 0;
  const add = (s: string) => {
    for (let i = 0; i < s.length; i++) h = (Math.imul(h, 65599) + s.charCodeAt(i)) >>> 0;
  };
  if (!loose) {
    const b = inc.buf;
    for (let i = 0; i < b.length; i++) h = (Math.imul(h, 65599) + b[i]!) >>> 0;
    return h;
  }
  add(inc.header('To:', true));
  add(inc.header('From:', true));
  add(inc.header('Call-ID:', true));
  add(inc.header('CSeq:', true));
  if (inc.isResponse) {
    const t = inc.text;
    const eol = t.indexOf('\r');
    add(t.slice(7, eol < 0 ? undefined : eol));
    const body = t.indexOf('\r\n\r\n');
    if (body >= 0) add(t.slice(body + 4));
  }
  return h;
}

/**
 * SIPp's extractSubMessage for ereg search_in="hdr": the rest of the line after the
 * `occurrence`-th occurrence of `header` ("" when absent).
 */
export function extractSubMessage(
  text: string,
  header: string,
  caseIndep: boolean,
  occurrence: number,
  headersOnly: boolean,
): string {
  const len = header.length;
  const lower = header.toLowerCase();
  let pos = 0;
  let found = -1;
  let occ = occurrence;
  for (;;) {
    let at: number;
    if (!caseIndep) {
      at = text.indexOf(header, pos);
      if (at < 0) break;
      if (headersOnly && at !== 0 && text[at - 1] !== '\n') {
        pos = at + 1;
        continue;
      }
    } else {
      if (headersOnly) {
        if (pos !== 0) {
          const nl = text.indexOf('\n', pos);
          if (nl < 0 || nl + 1 >= text.length) break;
          pos = nl + 1;
        }
        at = pos;
      } else {
        at = text.toLowerCase().indexOf(lower[0]!, pos);
        if (at < 0) break;
      }
      if (text.slice(at, at + len).toLowerCase() !== lower) {
        pos = at + 1;
        continue;
      }
    }
    if (occ <= 1) {
      found = at;
      break;
    }
    occ--;
    pos = at + 1;
  }
  if (found < 0) return '';
  const rest = text.slice(found + len);
  const end = rest.search(/[\r\n]/);
  return end < 0 ? rest : rest.slice(0, end);
}
