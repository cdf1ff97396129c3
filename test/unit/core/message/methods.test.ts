/**
 * methodOf(): a known method is returned as its shared constant, anything else as the exact
 * characters of the line (methods are case-sensitive, RFC 3261 §7.1; extension methods pass).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { methodOf } from '../../../../src/core/message/methods.js';
import { parseMessage, type SipRequest } from '../../../../src/core/index.js';

describe('methodOf', () => {
  test('known, extension, and case-differing methods', () => {
    const at = (line: string) => methodOf(line, line.indexOf(' '));
    assert.equal(at('INVITE sip:a@b SIP/2.0'), 'INVITE');
    assert.equal(at('BYE sip:a@b SIP/2.0'), 'BYE');
    assert.equal(at('SUBSCRIBE sip:a@b SIP/2.0'), 'SUBSCRIBE');
    assert.equal(at('INVITEX sip:a@b SIP/2.0'), 'INVITEX');
    assert.equal(at('invite sip:a@b SIP/2.0'), 'invite');
    assert.equal(at('BYX sip:a@b SIP/2.0'), 'BYX');
    assert.equal(at('X-VERY-LONG-METHOD sip:a@b SIP/2.0'), 'X-VERY-LONG-METHOD');
  });

  test('the parser uses it', () => {
    const text = 'NOTIFY sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n';
    assert.equal((parseMessage(Buffer.from(text)) as SipRequest).method, 'NOTIFY');
    const ext = text.replace('NOTIFY', 'FOO');
    assert.equal((parseMessage(Buffer.from(ext)) as SipRequest).method, 'FOO');
  });
});
