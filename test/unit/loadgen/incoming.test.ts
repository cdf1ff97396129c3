/**
 * What siptest accepts as a received message: SIPp's reading of a request's start line (the
 * method is its first word) for requests the core parser refuses, and nothing looser elsewhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../../src/core/index.js';
import { Incoming } from '../../../src/loadgen/engine/incoming.js';
import { crlf } from '../../helpers/siptest-harness.js';

const HEADERS =
  'Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-a\nFrom: <sip:a@x>;tag=1\nTo: <sip:b@y>;tag=2\n' +
  'Call-ID: c1@x\nCSeq: 1 ACK\nContent-Length: 4\n\nabcd';
const bytes = (startLine: string, headers = HEADERS) => Buffer.from(crlf(`${startLine}\n${headers}`), 'latin1');

test('"ACK  SIP/2.0" (sipp with an empty [next_url]) is an ACK for siptest, and still a 400 for sipd', () => {
  const buf = bytes('ACK  SIP/2.0');
  assert.throws(() => parseMessage(buf), /empty Request-URI/);
  const inc = Incoming.parse(buf);
  assert.ok(inc);
  assert.equal(inc.method, 'ACK');
  assert.equal(inc.callId, 'c1@x');
  assert.equal(inc.toTag, '2');
  assert.equal(inc.cseqMethod, 'ACK');
  assert.equal(inc.msg.isRequest && inc.msg.uri, '');
  assert.equal(inc.msg.body.toString(), 'abcd');
  // [last_*] and regexps read the bytes as received.
  assert.equal(inc.text, buf.toString('latin1'));
  assert.equal(inc.header('From:'), 'From: <sip:a@x>;tag=1');
});

test('any Request-URI sipp would take is kept as received (no scheme, leading CRLF keep-alive)', () => {
  const inc = Incoming.parse(Buffer.concat([Buffer.from('\r\n'), bytes('BYE target SIP/2.0')]));
  assert.equal(inc?.method, 'BYE');
  assert.equal(inc?.msg.isRequest && inc.msg.uri, 'target');
});

test('header faults, bad responses and non-SIP text are still refused', () => {
  assert.equal(Incoming.parse(bytes('ACK  SIP/2.0', 'Via SIP/2.0/UDP x\n\n')), undefined);
  assert.equal(Incoming.parse(bytes('SIP/2.0 2x0 OK')), undefined);
  assert.equal(Incoming.parse(Buffer.from('hello', 'latin1')), undefined);
  assert.equal(Incoming.parse(bytes(`${'A'.repeat(64)}  SIP/2.0`)), undefined);
});

test('To tag, Via branch and CSeq method are read as SIPp reads them (the expressions they replace)', () => {
  const tagRe = /;\s*tag\s*=\s*([^;\s,]+)/i;
  const branchRe = /;branch=([^;,\s]*)/;
  const methodRe = /^\s*\S+\s+(.*)$/;
  const tos = [
    '<sip:b@y>;tag=2',
    '<sip:b@y;tag=uri>;TAG = 7a;x',
    '<sip:b@y> ; Tag=\t9 ,x',
    'sip:b@y;tag=;tag=5',
    '<sip:b@y>;tagx=1;tag=2',
    '<sip:b@y>;tag',
    '<sip:b@y>;tag=,;tag=3',
    'b <sip:b@y>',
    'sip:b@y;ta;tag=\xa0z',
  ];
  const vias = [
    'SIP/2.0/UDP h;branch=z9hG4bK-1;rport',
    'SIP/2.0/UDP h;branch=',
    'SIP/2.0/UDP h; branch=a',
    'SIP/2.0/UDP h;branch=a b,c',
  ];
  const cseqs = ['1 INVITE', '2   BYE', '3', '4\tACK x', '\xa05 OPTIONS'];
  for (const to of tos)
    for (const via of vias)
      for (const cseq of cseqs) {
        const headers = `Via: ${via}\nFrom: <sip:a@x>;tag=1\nTo: ${to}\nCall-ID: c\nCSeq: ${cseq}\nContent-Length: 0\n\n`;
        const inc = Incoming.parse(Buffer.from(crlf(`SIP/2.0 200 OK\n${headers}`), 'latin1'));
        assert.ok(inc);
        const toValue = inc.msg.get('to')!;
        const gt = toValue.indexOf('>');
        assert.equal(inc.toTag, tagRe.exec(gt >= 0 ? toValue.slice(gt) : toValue)?.[1], `To: ${to}`);
        assert.equal(inc.topBranch, branchRe.exec(inc.msg.get('via')!)?.[1] ?? '', `Via: ${via}`);
        assert.equal(inc.cseqMethod, methodRe.exec(inc.msg.get('cseq')!)?.[1] ?? '', `CSeq: ${cseq}`);
      }
});
