/**
 * Content-Length framing of a byte stream (RFC 3261 §18.3): messages across partial reads,
 * several per read, CRLF keep-alives (RFC 5626 §3.5.1), and the limits that cut off a hostile
 * peer (endless header section, huge Content-Length).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StreamFramer, type FrameHandler, type SipParseError } from '../../../../src/core/index.js';

class Collector implements FrameHandler {
  frames: string[] = [];
  pings = 0;
  pongs = 0;
  errors: Array<{ err: SipParseError; raw: Buffer }> = [];
  onFrame(raw: Buffer): void {
    this.frames.push(raw.toString('latin1'));
  }
  onPing(): void {
    this.pings++;
  }
  onPong(): void {
    this.pongs++;
  }
  onFramingError(err: SipParseError, raw: Buffer): void {
    this.errors.push({ err, raw });
  }
}

const LIMITS = { maxMessageSize: 4096, maxHeaderSize: 1024 };

function msg(n: number, body = ''): string {
  return (
    `OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK${n}\r\nCall-ID: c${n}\r\n` +
    `CSeq: ${n} OPTIONS\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function feed(chunks: Array<string | Buffer>, limits = LIMITS): Collector {
  const c = new Collector();
  const f = new StreamFramer(limits, c);
  for (const ch of chunks) f.push(typeof ch === 'string' ? Buffer.from(ch, 'latin1') : ch);
  return c;
}

describe('StreamFramer', () => {
  test('one message per read, with and without body', () => {
    const c = feed([msg(1), msg(2, 'v=0\r\n')]);
    assert.deepEqual(c.frames, [msg(1), msg(2, 'v=0\r\n')]);
  });

  test('two messages in one read, the second with a body', () => {
    const c = feed([msg(1) + msg(2, 'hello')]);
    assert.deepEqual(c.frames, [msg(1), msg(2, 'hello')]);
  });

  test('a message delivered one byte at a time', () => {
    const m = msg(7, 'body bytes');
    const c = feed([...m].map((ch) => ch));
    assert.deepEqual(c.frames, [m]);
  });

  test('the split falls inside the blank line and inside the body', () => {
    const m = msg(3, '0123456789');
    const i = m.indexOf('\r\n\r\n') + 2;
    const c = feed([
      m.slice(0, i),
      m.slice(i, i + 1),
      m.slice(i + 1, i + 5),
      m.slice(i + 5) + msg(4).slice(0, 10),
      msg(4).slice(10),
    ]);
    assert.deepEqual(c.frames, [m, msg(4)]);
  });

  test('random splits of a stream of messages give back exactly those messages', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const msgs = Array.from({ length: 40 }, (_, k) => msg(k, 'x'.repeat(rnd(300))));
    const stream = Buffer.from(msgs.join(''), 'latin1');
    for (let round = 0; round < 30; round++) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length;) {
        const n = 1 + rnd(round % 2 ? 40 : 900);
        chunks.push(stream.subarray(i, i + n));
        i += n;
      }
      assert.deepEqual(feed(chunks).frames, msgs);
    }
  });

  test('compact Content-Length "l", any case, spaces before the colon', () => {
    const m = 'MESSAGE sip:a@b SIP/2.0\r\nl : 3\r\nCONTENT-TYPE: text/plain\r\n\r\nabc';
    const m2 = 'MESSAGE sip:a@b SIP/2.0\r\ncontent-LENGTH:2\r\n\r\nxy';
    assert.deepEqual(feed([m + m2]).frames, [m, m2]);
  });

  test('no Content-Length on a stream means no body', () => {
    const m = 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\n\r\n';
    assert.deepEqual(feed([m + msg(1)]).frames, [m, msg(1)]);
  });

  test('bare-LF line ends are framed too', () => {
    const m = 'OPTIONS sip:a@b SIP/2.0\nContent-Length: 2\n\nokOPTIONS';
    const c = feed([m]);
    assert.deepEqual(c.frames, ['OPTIONS sip:a@b SIP/2.0\nContent-Length: 2\n\nok']);
  });

  test('CRLFCRLF is a ping, CRLF a pong (RFC 5626 §3.5.1), also between and split across reads', () => {
    const c = feed(['\r\n\r\n', msg(1) + '\r\n\r\n' + '\r\n', msg(2) + '\r\n', '\r\n']);
    assert.equal(c.pings, 3);
    assert.equal(c.pongs, 1);
    assert.deepEqual(c.frames, [msg(1), msg(2)]);
  });

  test('a header section that never ends is cut off at maxHeaderSize', () => {
    const c = new Collector();
    const f = new StreamFramer(LIMITS, c);
    let ok = true;
    let sent = 0;
    ok = f.push(Buffer.from('INVITE sip:a@b SIP/2.0\r\n'));
    for (let i = 0; ok && i < 1000; i++) {
      ok = f.push(Buffer.from(`X-Junk-${i}: ${'a'.repeat(20)}\r\n`));
      sent++;
    }
    assert.equal(ok, false);
    assert.ok(sent < 60, `cut off after ${sent} lines`);
    assert.equal(c.errors.length, 1);
    assert.equal(c.errors[0]!.err.status, 513);
    assert.equal(c.errors[0]!.err.code, 'SIP_ERR_TOO_LARGE');
    assert.ok(c.errors[0]!.raw.length <= LIMITS.maxHeaderSize);
    assert.ok(f.buffered <= LIMITS.maxHeaderSize + 64);
    assert.equal(f.push(Buffer.from(msg(1))), false, 'nothing is accepted after a framing error');
    assert.deepEqual(c.frames, []);
  });

  test('a huge Content-Length is cut off as soon as the header section is complete', () => {
    const c = feed(['INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999\r\n\r\n', 'x'.repeat(100)]);
    assert.equal(c.errors.length, 1);
    assert.match(c.errors[0]!.err.reason, /too large/i);
    assert.equal(c.errors[0]!.err.status, 513);
  });

  test('a malformed or conflicting Content-Length cannot be framed', () => {
    for (const cl of ['Content-Length: abc', 'Content-Length: 12345678901', 'Content-Length: 2\r\nl: 3']) {
      const c = feed([`MESSAGE sip:a@b SIP/2.0\r\n${cl}\r\n\r\nabc`]);
      assert.equal(c.errors.length, 1, cl);
      assert.equal(c.errors[0]!.err.code, 'SIP_ERR_CONTENT_LENGTH', cl);
      assert.equal(c.frames.length, 0);
    }
  });

  test('random garbage never throws and either frames, waits, or fails with bounded memory', () => {
    let seed = 99;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const alphabet = Buffer.from('\r\n\r\n::  ;0123456789abcL-lengthContent-Length: INVITE SIP/2.0\x00\xff');
    for (let round = 0; round < 300; round++) {
      const c = new Collector();
      const f = new StreamFramer(LIMITS, c);
      for (let k = 0; k < 20; k++) {
        const n = rnd(600);
        const b = Buffer.alloc(n);
        for (let i = 0; i < n; i++) b[i] = rnd(4) === 0 ? rnd(256) : alphabet[rnd(alphabet.length)]!;
        if (!f.push(b)) break;
        assert.ok(f.buffered <= LIMITS.maxMessageSize + 600);
      }
      assert.ok(c.errors.length <= 1);
    }
  });
});
