import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SippError } from '../../../src/loadgen/errors.js';
import { builtinScenario, builtinScenarios } from '../../../src/loadgen/scenario/builtin.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';
import { fixture } from '../../helpers/fixtures.js';

const load = (text: string, keywords = new Map<string, string>()) =>
  loadScenario({ text, source: 'my.xml', fileBase: 'my' }, newLoadContext({ keywords }));
const wrap = (body: string) => `<?xml version="1.0"?>\n<scenario name="t">\n${body}\n</scenario>\n`;
const SEND = '<send><![CDATA[\nOPTIONS sip:x SIP/2.0\nCall-ID: [call_id]\nContent-Length: 0\n]]></send>';

function rejects(text: string, message: RegExp, where: string) {
  assert.throws(
    () => load(text),
    (e: unknown) => e instanceof SippError && e.exitCode === 1 && message.test(e.message) && e.where === where,
  );
}

test('-sd texts are byte for byte those of sipp 3.6.1', () => {
  for (const name of builtinScenarios.keys())
    assert.equal(builtinScenario(name), fixture('scenarios', 'sipp-3.6.1', `${name}.xml`).toString('latin1'), name);
  assert.throws(() => builtinScenario('nope'), /Invalid default scenario name 'nope'/);
});

test('built-in scenarios load with SIPp modes and statistics', () => {
  const uac = load(builtinScenario('uac'));
  assert.equal(uac.mode, 'client');
  assert.equal(uac.messages.length, 9);
  assert.deepEqual(uac.rtdNames, ['1']);
  assert.deepEqual(uac.rtdRepartitions[0], [10, 20, 30, 40, 50, 100, 150, 200]);
  assert.deepEqual(uac.callLengthRepartition, [10, 50, 100, 500, 1000, 5000, 10000]);
  assert.equal(uac.messages[4]!.responseMethods, 'INVITE');
  assert.equal(uac.messages[8]!.responseMethods, 'INVITEACKBYE');
  const uas = load(builtinScenario('uas'));
  assert.equal(uas.mode, 'server');
  assert.equal(uas.durationMs, 4000);
  assert.equal(uas.messages[6]!.timewait, true);
  const branchs = load(builtinScenario('branchs'));
  assert.ok(branchs.labels.has('1') && branchs.labels.has('2'));
  assert.equal(load(builtinScenario('branchc')).messages[1]!.next, branchs.labels.get('5') ?? 3);
});

test('errors name the file and line before any traffic', () => {
  rejects(wrap(`${SEND}\n<recv response="200"><bogus/></recv>`), /Unknown element 'bogus' inside <recv>/, 'my.xml:8');
  rejects(
    wrap('<send><![CDATA[\nOPTIONS sip:x SIP/2.0\nX: [nokeyword]\n]]></send>'),
    /Unsupported keyword 'nokeyword'/,
    'my.xml:5',
  );
  rejects(wrap(`${SEND}\n<frob/>`), /Unknown element 'frob'/, 'my.xml:8');
  rejects(wrap(`${SEND}\n<recv response="200" next="nowhere"/>`), /The label 'nowhere' was not defined/, 'my.xml:8');
  rejects(wrap(`${SEND}\n<recv response="100" optional="true"/>\n${SEND}`), /without a mandatory message/, 'my.xml:9');
  rejects(wrap(`${SEND}\n<timewait milliseconds="10"/>\n${SEND}`), /can only be the last message/, 'my.xml:9');
  // Unsupported features are listed together, each with its file:line (unsupported.ts).
  assert.throws(
    () => load(wrap(`${SEND}\n<send><![CDATA[\nOPTIONS sip:x SIP/2.0\nX: [tdmmap]\n]]></send>`)),
    (e: unknown) =>
      e instanceof SippError &&
      e.exitCode === 1 &&
      /\n {2}my\.xml:10: \[tdmmap\]: TDM circuit maps \(-tdmmap\)$/.test(e.message),
  );
  rejects(
    wrap(`${SEND}\n<recv response="200"><action><exec play_pcap_audio="no-such.pcap"/></action></recv>`),
    /Can't open PCAP file 'no-such\.pcap'/,
    'my.xml:8',
  );
  rejects('<scenario>\n<send>\n</scenario>', /Invalid XML/, 'my.xml:3');
  rejects(wrap('<recv request="INVITE" optional="maybe"/>'), /Could not understand optional value/, 'my.xml:3');
});

test('a variable used once is an error unless listed in <Reference>', () => {
  const once = wrap(
    `${SEND}\n<recv response="200"><action><ereg regexp=".*" search_in="msg" assign_to="x"/></action></recv>`,
  );
  rejects(once, /Variable \$x is referenced 1 times!/, 'my.xml:8');
  const referenced = once.replace('</scenario>', '<Reference variables="x"/>\n</scenario>');
  assert.equal(load(referenced).callVars.names[0], 'x');
  const twice = wrap(
    `${SEND}\n<recv response="200"><action><ereg regexp=".*" search_in="msg" assign_to="x"/><log message="[$x]"/></action></recv>`,
  );
  assert.deepEqual(load(twice).callVars.names, ['x']);
});

test('-key keywords and rtd/counter/transaction bookkeeping', () => {
  const text = wrap(
    `<send start_rtd="a" counter="c1"><![CDATA[\nOPTIONS sip:[my_key] SIP/2.0\n]]></send>\n<recv response="200" rtd="a" counter="c1"/>`,
  );
  rejects(text, /Unsupported keyword 'my_key'/, 'my.xml:4');
  const s = load(text, new Map([['my_key', 'x@y']]));
  assert.deepEqual(s.rtdNames, ['a']);
  assert.deepEqual(s.counterNames, ['c1']);
  rejects(
    wrap(`<send start_rtd="a"><![CDATA[\nOPTIONS sip:x SIP/2.0\n]]></send>\n<recv response="200"/>`),
    /started Response Time Duration a, but have never stopped it/,
    'my.xml',
  );
});
