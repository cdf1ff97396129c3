import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cleanCdata,
  compileTemplate,
  keywordParam,
  type TemplateEnv,
} from '../../../src/loadgen/scenario/message-template.js';
import { VariableAllocator } from '../../../src/loadgen/scenario/variables.js';

const vars = new VariableAllocator(2);
const env: TemplateEnv = {
  variable: (n) => vars.find(n, true)!,
  keywords: new Map([['k', 'V']]),
  injectionFiles: new Set(),
  authUser: 'u',
  authPassword: 'p',
  where: 'x.xml:1',
};

test('cleanCdata strips indentation and blank edges, adds the blank line (SIPp clean_cdata)', () => {
  assert.equal(cleanCdata('\n\n    OPTIONS sip:x SIP/2.0  \n    A: b\t\n\n   '), 'OPTIONS sip:x SIP/2.0\nA: b\n\n');
  // regress #0034: a body without a final newline stays without one; with one, it keeps it.
  assert.equal(cleanCdata('\n  NOTIFY x SIP/2.0\n  L: 4\n\n  1234'), 'NOTIFY x SIP/2.0\nL: 4\n\n1234');
  assert.equal(cleanCdata('\n  NOTIFY x SIP/2.0\n  L: 4\n\n  1234\n  '), 'NOTIFY x SIP/2.0\nL: 4\n\n1234\n');
});

test('newlines become CRLF, \\xHH is a byte, [keyword+n] has an offset', () => {
  const t = compileTemplate('INVITE sip:\\x5bx] SIP/2.0\nCSeq: [cseq+1] INVITE\nX: [k]\n\n', env, true);
  assert.equal(t.method, 'INVITE');
  const lit = t.components[0];
  assert.deepEqual(lit, { k: 'lit', s: 'INVITE sip:[x] SIP/2.0\r\nCSeq: ' });
  assert.deepEqual(t.components[1], { k: 'kw', kw: 'cseq', off: 1 });
  assert.deepEqual(t.components[3], { k: 'lit', s: 'V' });
  const r = compileTemplate('SIP/2.0 180 Ringing\n[last_Via:]\n\n', env, true);
  assert.equal(r.isResponse, true);
  assert.equal(r.code, 180);
  assert.deepEqual(r.components[1], { k: 'last', name: 'Via:' });
});

test('a message must start with a literal method and a valid code', () => {
  assert.throws(
    () => compileTemplate('[service] sip:x SIP/2.0\n\n', env, true),
    /can not use a keyword for the METHOD/,
  );
  assert.throws(() => compileTemplate('SIP/2.0 99 Low\n\n', env, true), /range of 100-700/);
  assert.throws(
    () => compileTemplate('OPTIONS sip:x SIP/2.0\nX: [unclosed\n\n', env, true),
    /Syntax error or invalid \[keyword\]/,
  );
});

test('keyword parameters: quoted, hex, plain', () => {
  assert.equal(keywordParam('authentication username=joe password="a b"', 'username='), 'joe');
  assert.equal(keywordParam('authentication username=joe password="a b"', 'password='), 'a b');
  assert.equal(keywordParam('field0 file=0x616263', 'file='), 'abc');
  assert.equal(keywordParam('fill variable=n', 'text='), '');
});
