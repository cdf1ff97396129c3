/**
 * Cutting a byte stream (TCP; later TLS) into SIP messages (RFC 3261 §18.3): the header section
 * ends at the first blank line and the body is exactly Content-Length bytes (a stream message
 * without Content-Length has no body). Data arrives in arbitrary pieces: a message may span many
 * reads and one read may hold several messages.
 *
 * Limits protect the server: a header section longer than `maxHeaderSize` (a peer that never
 * sends the blank line) or a message longer than `maxMessageSize` (a huge Content-Length) is a
 * fatal framing error: the caller closes the connection. Memory per connection is bounded by
 * those limits plus one read.
 *
 * Keep-alives between messages (RFC 5626 §3.5.1): a double CRLF is a "ping" (the caller answers
 * a single CRLF "pong"); a single CRLF is a pong (or RFC 3261 §7.5's ignorable empty line).
 */
import { SipParseError } from '../errors.js';
import type { TransportLimits } from './types.js';

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);
/** Storage kept across idle periods; larger buffers are released once drained. */
const KEEP_CAPACITY = 65536;

export interface FrameHandler {
  /** The bytes of exactly one message (header section and Content-Length bytes of body). */
  onFrame(raw: Buffer): void;
  /** A double-CRLF ping arrived: answer with a single CRLF. */
  onPing(): void;
  /** A single CRLF arrived between messages (a pong, or an empty line to ignore). */
  onPong(): void;
  /** The stream cannot be framed or broke a limit. Fatal: no further data is accepted. */
  onFramingError(err: SipParseError, raw: Buffer): void;
}

export class StreamFramer {
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** Offset (from the current message's first byte) where the header-end search resumes. */
  private scanned = 0;
  /** Total length of the current message once its header section is known, else -1. */
  private need = -1;
  private dead = false;

  constructor(
    private readonly limits: TransportLimits,
    private readonly handler: FrameHandler,
  ) {}

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Whether a framing error ended this stream. */
  get failed(): boolean {
    return this.dead;
  }

  /** Feed one read. Returns false once the stream has failed (close the connection). */
  push(chunk: Buffer): boolean {
    if (this.dead) return false;
    if (chunk.length === 0) return true;
    if (this.end === this.start) {
      // Nothing pending: frame straight out of the chunk (no copy for whole messages).
      const pos = this.process(chunk, 0, false);
      if (this.dead) return false;
      if (pos < chunk.length) this.append(chunk, pos);
      return true;
    }
    this.append(chunk, 0);
    const view = this.buf.subarray(0, this.end);
    const pos = this.process(view, this.start, true);
    if (this.dead) return false;
    this.start = pos;
    if (this.start === this.end) {
      this.start = this.end = 0;
      if (this.buf.length > KEEP_CAPACITY) this.buf = EMPTY;
    }
    return true;
  }

  /** Drop everything held (the connection is going away). */
  reset(): void {
    this.buf = EMPTY;
    this.start = this.end = this.scanned = 0;
    this.need = -1;
  }

  private append(chunk: Buffer, from: number): void {
    const n = chunk.length - from;
    if (this.end + n > this.buf.length) {
      const held = this.end - this.start;
      if (held + n <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = Buffer.allocUnsafe(Math.max(held + n, this.buf.length * 2, 4096));
        this.buf.copy(next, 0, this.start, this.end);
        this.buf = next;
      }
      this.start = 0;
      this.end = held;
    }
    chunk.copy(this.buf, this.end, from);
    this.end += n;
  }

  /** Frame as many messages as `b[pos..]` holds; returns where the unconsumed bytes start. */
  private process(b: Buffer, pos: number, stored: boolean): number {
    const end = b.length;
    const { maxHeaderSize, maxMessageSize } = this.limits;
    while (pos < end) {
      if (this.need < 0) {
        if (this.scanned === 0) {
          const c = b[pos];
          if (c === CR || c === LF) {
            const skip = this.keepAlive(b, pos, end);
            if (skip === 0) return pos; // maybe the first half of a ping: wait
            pos += skip;
            continue;
          }
        }
        const hend = findHeaderEnd(b, pos + this.scanned, end);
        if (hend < 0) {
          const have = end - pos;
          if (have > maxHeaderSize) {
            this.fail('Header section too large', b.subarray(pos, pos + maxHeaderSize));
            return end;
          }
          this.scanned = Math.max(0, have - 3);
          return pos;
        }
        const headLen = hend - pos;
        if (headLen > maxHeaderSize) {
          this.fail('Header section too large', b.subarray(pos, pos + maxHeaderSize));
          return end;
        }
        let cl: number;
        try {
          cl = contentLength(b, pos, hend);
        } catch (e) {
          this.dead = true;
          this.handler.onFramingError(e as SipParseError, copy(b, pos, hend));
          return end;
        }
        if (headLen + cl > maxMessageSize) {
          this.fail(`Message too large (${headLen + cl} bytes, limit ${maxMessageSize})`, b.subarray(pos, hend));
          return end;
        }
        this.need = headLen + cl;
        this.scanned = 0;
      }
      if (end - pos < this.need) return pos;
      const frameEnd = pos + this.need;
      // Frames out of our own storage are copied (it is reused); frames out of a chunk are not.
      const frame = stored ? copy(b, pos, frameEnd) : b.subarray(pos, frameEnd);
      pos = frameEnd;
      this.need = -1;
      this.handler.onFrame(frame);
      if (this.dead) return end;
    }
    return pos;
  }

  /** Bytes of keep-alive at b[pos] (a CR or LF), or 0 when more data is needed to decide. */
  private keepAlive(b: Buffer, pos: number, end: number): number {
    if (b[pos] === CR && pos + 1 < end && b[pos + 1] === LF) {
      if (pos + 2 >= end) return 0;
      if (b[pos + 2] === CR) {
        if (pos + 3 >= end) return 0;
        if (b[pos + 3] === LF) {
          this.handler.onPing();
          return 4;
        }
      }
      this.handler.onPong();
      return 2;
    }
    if (b[pos] === CR && pos + 1 >= end) return 0;
    return 1; // a lone CR or LF: an empty line before a start line (RFC 3261 §7.5)
  }

  private fail(reason: string, raw: Buffer): void {
    this.dead = true;
    this.handler.onFramingError(new SipParseError('SIP_ERR_TOO_LARGE', reason, { status: 513 }), Buffer.from(raw));
  }
}

function copy(b: Buffer, s: number, e: number): Buffer {
  const out = Buffer.allocUnsafe(e - s);
  b.copy(out, 0, s, e);
  return out;
}

/** Index just past the blank line ending a header section (CRLFCRLF, or bare-LF variants), or -1. */
function findHeaderEnd(b: Buffer, from: number, end: number): number {
  let i = from;
  for (;;) {
    i = b.indexOf(LF, i);
    if (i < 0 || i + 1 >= end) return -1;
    const n = b[i + 1];
    if (n === LF) return i + 2;
    if (n === CR) {
      if (i + 2 >= end) return -1;
      if (b[i + 2] === LF) return i + 3;
    }
    i++;
  }
}

const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');

/**
 * The Content-Length of a header section b[start..end) (0 when absent: RFC 3261 §18.3 requires it
 * on streams, and a message without one has no body). Only the framing matters here; the parser
 * judges the rest. Several Content-Length fields must agree, or the stream cannot be framed.
 */
function contentLength(b: Buffer, start: number, end: number): number {
  let found = -1;
  let ls = b.indexOf(LF, start) + 1; // skip the start line
  while (ls > 0 && ls < end) {
    let le = b.indexOf(LF, ls);
    if (le < 0 || le > end) le = end;
    const c = b[ls]! | 0x20;
    let i = -1;
    if (c === 0x6c /* l */) i = ls + 1;
    else if (c === 0x63 /* c */ && le - ls > 14 && matchesLower(b, ls, CONTENT_LENGTH)) i = ls + 14;
    if (i > 0) {
      while (b[i] === 0x20 || b[i] === 0x09) i++;
      if (b[i] === 0x3a /* : */) {
        const v = parseDigits(b, i + 1, le);
        if (found >= 0 && v !== found)
          throw new SipParseError('SIP_ERR_CONTENT_LENGTH', 'Conflicting Content-Length headers', {
            header: 'content-length',
          });
        found = v;
      }
    }
    ls = le + 1;
  }
  return found < 0 ? 0 : found;
}

function matchesLower(b: Buffer, at: number, lower: Buffer): boolean {
  for (let k = 0; k < lower.length; k++) if ((b[at + k]! | 0x20) !== lower[k]) return false;
  return true;
}

function parseDigits(b: Buffer, i: number, le: number): number {
  const bad = () =>
    new SipParseError('SIP_ERR_CONTENT_LENGTH', 'Malformed Content-Length', { header: 'content-length' });
  while (i < le && (b[i] === 0x20 || b[i] === 0x09)) i++;
  let v = 0;
  let digits = 0;
  while (i < le && b[i]! >= 0x30 && b[i]! <= 0x39) {
    v = v * 10 + (b[i]! - 0x30);
    i++;
    if (++digits > 10) throw bad();
  }
  while (i < le && (b[i] === 0x20 || b[i] === 0x09 || b[i] === CR)) i++;
  if (digits === 0 || i !== le) throw bad();
  return v;
}
