import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { compactString, ownString, parseMessageText, StringTable } from '../../../../src/core/index.js';

test('ownString: the same characters, for short, long, non-latin1 and absent values', () => {
  const text = 'REGISTER sip:example.com SIP/2.0\r\nCall-ID: a84b4c76e66710@pc33.atlanta.com\r\n';
  const cut = text.slice(43, 73);
  assert.equal(ownString(cut), 'a84b4c76e66710@pc33.atlanta.co');
  assert.equal(ownString('short'), 'short');
  assert.equal(ownString(''), '');
  assert.equal(ownString('Ünïcødé ☎ user agent 1.0'), 'Ünïcødé ☎ user agent 1.0');
  assert.equal(ownString(undefined), undefined);
});

test('compactString: the same characters, for views, concatenations, non-latin1, lone surrogates and absent values', () => {
  const text = 'REGISTER sip:example.com SIP/2.0\r\nCall-ID: a84b4c76e66710@pc33.atlanta.com\r\n';
  assert.equal(compactString(text.slice(43, 73)), 'a84b4c76e66710@pc33.atlanta.co');
  const uuid = randomUUID();
  assert.equal(compactString(uuid), uuid);
  assert.equal(compactString('short'), 'short');
  assert.equal(compactString(''), '');
  assert.equal(compactString('latin1 ÿ é long enough'), 'latin1 ÿ é long enough');
  assert.equal(compactString('Ünïcødé ☎ user agent 1.0'), 'Ünïcødé ☎ user agent 1.0');
  const lone = 'a lone surrogate \ud800 in the middle';
  assert.equal(compactString(lone), lone);
  assert.equal(compactString(undefined), undefined);
});

test('StringTable: equal values come back equal, and the table never holds more than its bound', () => {
  const t = new StringTable(3);
  assert.equal(t.intern('udp:127.0.0.1:5060'), 'udp:127.0.0.1:5060');
  assert.equal(t.intern('udp:127.0.0.1:5060'), 'udp:127.0.0.1:5060');
  assert.equal(t.size, 1);
  for (const ua of ['phone-a/1.0 long enough', 'phone-b/1.0 long enough', 'phone-c/1.0 long enough']) t.intern(ua);
  // Full at 3: the fourth distinct value starts the table afresh.
  assert.equal(t.size, 1);
  assert.equal(t.intern(undefined), undefined);
});

test('a message without a body holds no view into the received bytes', () => {
  const reg = parseMessageText(
    'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n',
  );
  assert.equal(reg.body.length, 0);
  // A zero-length view would still reference the datagram's memory; the shared empty body does not.
  assert.equal(reg.body.buffer.byteLength, 0);
  const withBody = parseMessageText('MESSAGE sip:a@example.com SIP/2.0\r\nContent-Length: 5\r\n\r\nhello');
  assert.equal(withBody.body.toString(), 'hello');
});
