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
