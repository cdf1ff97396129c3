/**
 * The 3PCC command channel's framing and command text, as SIPp 3.6.1 writes and reads them:
 * ESC (27) ends each command (call.cpp sendCmdMessage, socket.cpp check_for_message), the Call-ID
 * is found without a start line (sip_parser.cpp get_call_id, regress github-#0101), "From:" names
 * the sender in extended 3PCC, "internal-cmd: abort_call" aborts the twin call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  commandCallId,
  commandSender,
  isAbortCommand,
  stripTrailingCrlf,
} from '../../../src/loadgen/twin/command-text.js';
import { CommandSplitter, frameCommand } from '../../../src/loadgen/twin/framing.js';

test('a command on the wire is its bytes and one ESC, nothing else', () => {
  const text = 'Call-ID: 1-2@127.0.0.1\r\nContent-Type: application/sdp\r\n\r\nv=0\xe9';
  const wire = frameCommand(text);
  assert.equal(wire.length, text.length + 1);
  assert.equal(wire[wire.length - 1], 27);
  assert.equal(wire.subarray(0, -1).toString('latin1'), text);
});

test('the splitter cuts at every ESC, across chunks, and drops the ESC', () => {
  const s = new CommandSplitter();
  const wire = Buffer.concat([
    frameCommand('Call-ID: a\r\n\r\n'),
    frameCommand('Call-ID: b\r\n\r\n'),
    frameCommand(''),
  ]);
  assert.deepEqual(s.push(wire), ['Call-ID: a\r\n\r\n', 'Call-ID: b\r\n\r\n', '']);
  // One command in three pieces, then the next one starting in the same chunk as the end.
  assert.deepEqual(s.push(Buffer.from('Call-')), []);
  assert.deepEqual(s.push(Buffer.from('ID: c\r\n')), []);
  assert.deepEqual(s.push(Buffer.from('\r\n\x1bCall-ID: d')), ['Call-ID: c\r\n\r\n']);
  assert.deepEqual(s.push(Buffer.from('\x1b')), ['Call-ID: d']);
});

test('a peer that never sends ESC cannot grow the buffer without end', () => {
  const s = new CommandSplitter(16);
  s.push(Buffer.alloc(10, 0x41));
  assert.throws(() => s.push(Buffer.alloc(10, 0x41)), /larger than 16 bytes without its end/);
});

test('Call-ID of a command: the first line may be it, any case, compact form, folded', () => {
  const sdp = 'Content-Type: application/sdp\r\nContent-Length:   129\r\n\r\nv=0\r\nCall-ID: not-this';
  assert.equal(commandCallId(`Call-ID: 1-18220@127.0.0.1\r\n${sdp}`), '1-18220@127.0.0.1');
  assert.equal(commandCallId('call-id: 7-1@h\r\ninternal-cmd: abort_call\r\n\r\n'), '7-1@h');
  assert.equal(commandCallId('From: m\r\ni: short\r\n\r\n'), 'short');
  assert.equal(commandCallId('CALL-ID:\r\n test2\r\n\r\n'), 'test2');
  // Only the headers are searched.
  assert.equal(commandCallId(`X: y\r\n\r\nCall-ID: body`), '');
  assert.equal(commandCallId('X-Call-ID: no\r\n\r\n'), '');
});

test('sender, abort command and trailing CRLFs', () => {
  assert.equal(commandSender('Call-ID: x\r\nFrom: s1\r\n\r\n'), 's1');
  assert.equal(commandSender('Call-ID: x\r\nFrom:\ts2 more\r\n'), 's2');
  assert.equal(commandSender('Call-ID: x\r\n\r\n'), undefined);
  // SIPp needs a delimiter after the word.
  assert.equal(commandSender('From: s1'), undefined);
  assert.equal(isAbortCommand('call-id: x\r\ninternal-cmd: abort_call\r\n\r\n'), true);
  assert.equal(isAbortCommand('call-id: x\r\ninternal-cmd: other\r\n\r\n'), false);
  assert.equal(isAbortCommand('call-id: x\r\n\r\n'), false);
  assert.equal(stripTrailingCrlf('a\r\nb\r\n\r\n'), 'a\r\nb');
  assert.equal(stripTrailingCrlf('a\n\n'), 'a\n\n');
});
