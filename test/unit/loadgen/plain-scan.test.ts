/**
 * The plain scan of received messages (the engine's fast path) must never decide differently from
 * the core parser: a message the core refuses is never read by it, and what it reads has the core's
 * start line and header values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../../src/core/index.js';
import { scanPlain } from '../../../src/loadgen/engine/plain-scan.js';

const SDP = 'v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n';
const head = (start: string, fields: string[]) => `${start}\r\n${fields.join('\r\n')}\r\n\r\n`;
const BASE = [
  'Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1-1-0',
  'From: sipp <sip:sipp@127.0.0.1:5061>;tag=1SIPpTag001',
  'To: service <sip:service@127.0.0.1:5060>;tag=2SIPpTag011',
  'Call-ID: 1-1@127.0.0.1',
  'CSeq: 1 INVITE',
  'Contact: <sip:127.0.0.1:5060;transport=UDP>',
];

function corpus(): Buffer[] {
  const texts: string[] = [];
  const starts = [
    'SIP/2.0 200 OK',
    'SIP/2.0 180 Ringing',
    'SIP/2.0 200',
    'SIP/2.0 2000 OK',
    'SIP/2.0 700 Nope',
    'SIP/2.0 099 Low',
    'sip/2.0 200 OK',
    'SIP/2.1 200 OK',
    'SIP/2.0  200 OK',
    'INVITE sip:service@127.0.0.1:5060 SIP/2.0',
    'ACK sip:x SIP/2.0',
    'BYE tel:+1234 SIP/2.0',
    'ACK  SIP/2.0',
    'BYE <sip:x> SIP/2.0',
    'BYE 1sip:x SIP/2.0',
    'BYE sip:x\tSIP/2.0',
    'BYE sip:x SIP/2.0 ',
    'BYE sip:x sip/2.0',
    'B@D sip:x SIP/2.0',
    'INVITE sip:x SIP/3.0',
    'INVITE sipx SIP/2.0',
  ];
  for (const s of starts) texts.push(head(s, [...BASE, 'Content-Length: 0']));
  const fieldVariants: string[][] = [
    [...BASE, 'Content-Type: application/sdp', `Content-Length: ${SDP.length}`],
    ['v: SIP/2.0/UDP h;branch=b', 'f: <sip:a@x>;tag=1', 't: <sip:b@y>', 'i: abc', 'CSeq: 2 BYE', 'l: 0'],
    ['VIA: a', 'TO: b', 'CALL-ID: c', 'cseq: 3 ACK', 'content-length: 0'],
    ['Via : a', 'To\t: b ', 'Call-ID:c\t', 'CSeq:  4  OPTIONS ', 'Content-Length:   0'],
    ['Via: a', 'Via: second', 'To: b', 'To: second', 'Call-ID: c', 'Call-ID: d', 'CSeq: 1 X'],
    ['Via: a', ' folded', 'To: b', 'Call-ID: c'],
    ['Via: a', 'To: b', 'Call-ID: c', 'Content-Length: 0', 'Content-Length: 0'],
    ['Via: a', 'Call-ID: c', 'Content-Length: 999'],
    ['Via: a', 'Call-ID: c', 'Content-Length: 1x'],
    ['Via: a', 'Call-ID: c', 'Content-Length: 12345678901'],
    ['Via: a', 'Call-ID: c', 'Content-Length: '],
    ['Via a', 'Call-ID: c'],
    [': a', 'Call-ID: c'],
    ['Bad Name: a', 'Call-ID: c'],
    ['X@: a', 'Call-ID: c'],
    ['Via: a\x00b', 'To: \xa0x\xa0', 'Call-ID: \xe9'],
    ['Via: a\rb', 'Call-ID: c'],
    Array.from({ length: 257 }, (_, i) => `X-${i}: ${i}`),
    Array.from({ length: 256 }, (_, i) => `X-${i}: ${i}`),
  ];
  for (const f of fieldVariants) {
    texts.push(head('SIP/2.0 200 OK', f) + (f.some((x) => x.includes(String(SDP.length))) ? SDP : ''));
    texts.push(head('INVITE sip:a@b SIP/2.0', f));
  }
  const ok = head('SIP/2.0 200 OK', [...BASE, 'Content-Length: 0']);
  texts.push('\r\n' + ok, ok.replace(/\r\n/g, '\n'), ok.replace('\r\nTo', '\nTo'), ok.slice(0, -2), ok + 'trailing');
  texts.push(head('SIP/2.0 200 OK', [...BASE, `X-Big: ${'x'.repeat(9000)}`, 'Content-Length: 0']), '', 'hello');
  return texts.map((t) => Buffer.from(t, 'latin1'));
}

test('every message the plain scan reads, the core parser reads alike; what the core refuses, it leaves', () => {
  let read = 0;
  for (const buf of corpus()) {
    const scan = scanPlain(buf);
    let core;
    try {
      core = parseMessage(buf, { datagram: true });
    } catch {
      assert.equal(scan, undefined, `refused by the core, read by the scan: ${JSON.stringify(buf.toString('latin1'))}`);
      continue;
    }
    if (!scan) continue;
    read++;
    const what = JSON.stringify(buf.toString('latin1').slice(0, 200));
    assert.equal(scan.isRequest, core.isRequest, what);
    assert.equal(scan.code, core.isRequest ? 0 : core.status, what);
    assert.equal(scan.method, core.isRequest ? core.method : '', what);
    assert.equal(scan.callId, core.get('call-id'), what);
    assert.equal(scan.cseq, core.get('cseq'), what);
    assert.equal(scan.to, core.get('to'), what);
    assert.equal(scan.via, core.get('via'), what);
    assert.equal(core.contentLengthConflict, false, what);
  }
  // The usual messages (sipp's responses and requests, compact and spaced forms) take the fast path.
  assert.ok(read >= 20, `only ${read} messages read by the plain scan`);
});
