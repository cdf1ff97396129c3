/**
 * [authentication …] in an -inf field: what a run refuses before any packet (and `scenario
 * validate --inf` reports), each with the scenario's file:line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InjectionFile } from '../../../src/loadgen/engine/injection.js';
import { checkInjectedAuth } from '../../../src/loadgen/scenario/injected-auth.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';

const send = (lines: string) => `<scenario name="t">
  <send><![CDATA[
    REGISTER sip:x SIP/2.0
    Call-ID: [call_id]
    CSeq: 1 REGISTER
${lines}
  ]]></send>
</scenario>`;

function check(xml: string, field1: string): void {
  const inf = new InjectionFile('users.csv', `SEQUENTIAL\nalice;ok\nbob;${field1}\n`);
  const ctx = newLoadContext({ injectionFiles: new Set(['users.csv']), defaultInjectionFile: 'users.csv' });
  const s = loadScenario({ text: xml, source: 'uac.xml', fileBase: 'uac' }, ctx);
  checkInjectedAuth(s, new Map([[inf.name, inf]]));
}

const AUTH = '[authentication username=bob password=pw]';

test('a field with [authentication username= password=] in the headers is accepted', () => {
  assert.doesNotThrow(() => check(send('    [field1]\n    Content-Length: 0'), AUTH));
});

test('what cannot be done is refused with the file:line and the -inf entry', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      send('    [field1]'),
      '[authentication username=bob',
      /^Unterminated \[authentication keyword in users\.csv \(entry 2, field 1\)$/,
    ],
    [send('    [field1]\n    [authentication]'), AUTH, /^Only one \[authentication\] keyword is currently supported!$/],
    [
      send('    Content-Length: [len]\n\n    v=0\n    [field1]'),
      AUTH,
      /should appear in the message header, not the body/,
    ],
    [
      send('    [field1]'),
      '[authentication username=bob password=pw aka_K=0x11]',
      /^AKA authentication \(aka_K in users\.csv/,
    ],
  ];
  for (const [xml, field, message] of cases)
    assert.throws(
      () => check(xml, field),
      (e: Error & { where?: string }) => message.test(e.message) && e.where === 'uac.xml:2',
      field,
    );
});
