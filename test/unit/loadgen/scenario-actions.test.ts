/**
 * <action>s as a user of a scenario sees them: what ends up in the messages sent, the counters
 * and the exit code (SIPp's call::executeAction).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { C } from '../../../src/loadgen/stats/counters.js';
import { harness, responseTo } from '../../helpers/siptest-harness.js';

/** A server scenario: receive an OPTIONS, run `actions`, answer 200 with `headers`. */
const server = (actions: string, headers: string, extra = '') => `<scenario name="a">
  <recv request="OPTIONS"><action>${actions}</action></recv>${extra}
  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    [last_From:]
    [last_To:];tag=t1
    [last_Call-ID:]
    [last_CSeq:]
    ${headers}
    Content-Length: 0
  ]]></send></scenario>`;

const OPTIONS = (extra = '') =>
  `OPTIONS sip:service@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-o1\nFrom: "Alice" <sip:alice@example.org>;tag=a1\nTo: <sip:service@127.0.0.1>\nCall-ID: act-1\nCSeq: 1 OPTIONS\n${extra}Content-Length: 0\n\n`;

/** Run the server scenario on one OPTIONS; the reply and the exit code. */
async function answer(xml: string, extra = '', argv: string[] = []) {
  const h = harness(xml, ['-m', '1', ...argv]);
  try {
    h.deliver(OPTIONS(extra));
    const code = await h.done;
    return { reply: h.sent[0] ?? '', code, h };
  } finally {
    h.rt.stopBySignal();
  }
}

test('ereg: a header regexp with sub-expressions fills the variables', async () => {
  const { reply, code } = await answer(
    server(
      '<ereg regexp="&lt;sip:([a-z]+)@([a-z.]+)&gt;" search_in="hdr" header="From:" assign_to="all,user,host"/>',
      'X-User: [$user]\n    X-Host: [$host]\n    X-All: [$all]',
    ),
  );
  assert.equal(code, 0);
  assert.match(reply, /\r\nX-User: alice\r\nX-Host: example\.org\r\nX-All: <sip:alice@example\.org>\r\n/);
});

test('ereg check_it: no match fails the call (regexp match failure); a matching one passes', async () => {
  const xml = server('<ereg regexp="X-Token: ([0-9]+)" search_in="msg" check_it="true" assign_to="t"/>', 'X-T: [$t]');
  const miss = await answer(xml);
  assert.equal(miss.code, 1);
  assert.equal(miss.h.rt.stats.counters[C.FailedRegexpDoesntMatch], 1);
  const hit = await answer(xml, 'X-Token: 42\n');
  assert.equal(hit.code, 0);
  assert.match(hit.reply, /\r\nX-T: X-Token: 42\r\n/);
});

test('ereg on a missing header with check_it: header not found', async () => {
  const { code, h } = await answer(
    server('<ereg regexp=".*" search_in="hdr" header="Subject:" check_it="true" assign_to="s"/>', 'X-S: [$s]'),
  );
  assert.equal(code, 1);
  assert.equal(h.rt.stats.counters[C.FailedRegexpHdrNotFound], 1);
});

test('assign, add, subtract, multiply, divide; divide by a zero variable is a warning', async () => {
  const { reply, code, h } = await answer(
    server(
      '<assign assign_to="n" value="6"/><add assign_to="n" value="4"/><multiply assign_to="n" value="3"/>' +
        '<subtract assign_to="n" value="2"/><divide assign_to="n" value="4"/>' +
        '<assign assign_to="z" value="0"/><assign assign_to="k" value="5"/><divide assign_to="k" variable="z"/>',
      'X-N: [$n]\n    X-K: [$k]',
    ),
  );
  assert.equal(code, 0);
  // Doubles print as SIPp's %lf.
  assert.match(reply, /\r\nX-N: 7\.000000\r\nX-K: 5\.000000\r\n/);
  assert.equal(h.rt.stats.counters[C.Warnings], 1);
});

test('assignstr, strcmp, test and todouble set variables', async () => {
  const { reply } = await answer(
    server(
      '<assignstr assign_to="s" value="[call_id]-x"/><strcmp assign_to="cmp" variable="s" value="act-1-w"/>' +
        '<assignstr assign_to="num" value=" 12.5"/><todouble assign_to="d" variable="num"/>' +
        '<test assign_to="big" variable="d" compare="greater_than" value="10"/>',
      'X-S: [$s]\n    X-Cmp: [$cmp]\n    X-D: [$d]\n    X-Big: [$big]',
    ),
  );
  assert.match(reply, /\r\nX-S: act-1-x\r\nX-Cmp: 1\.000000\r\nX-D: 12\.500000\r\nX-Big: true\r\n/);
});

test('test with check_it fails the call (test failure); strcmp check_it_inverse on equal strings too', async () => {
  const t1 = await answer(
    server('<assign assign_to="a" value="1"/><test variable="a" compare="equal" value="2" check_it="true"/>', ''),
  );
  assert.equal(t1.code, 1);
  assert.equal(t1.h.rt.stats.counters[C.FailedTestDoesntMatch], 1);
  const t2 = await answer(
    server('<assignstr assign_to="s" value="same"/><strcmp variable="s" value="same" check_it_inverse="true"/>', ''),
  );
  assert.equal(t2.code, 1);
  assert.equal(t2.h.rt.stats.counters[C.FailedStrcmpShouldntMatch], 1);
});

test('a test-driven loop: next="label" test="var" repeats the sends until the test is false', async (t) => {
  const xml = `<scenario name="loop">
    <nop><action><assign assign_to="i" value="0"/></action></nop>
    <label id="again"/>
    <send><![CDATA[
      MESSAGE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:a@[local_ip]>;tag=[call_number]
      To: <sip:[service]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: [cseq] MESSAGE
      X-I: [$i]
      Content-Length: 0
    ]]></send>
    <recv response="200"><action><add assign_to="i" value="1"/>
      <test assign_to="more" variable="i" compare="less_than" value="3"/></action></recv>
    <nop next="again" test="more"/>
  </scenario>`;
  const h = harness(xml, ['-m', '1', '-nr']);
  t.after(() => h.rt.stopBySignal());
  for (let n = 1; n <= 3; n++) {
    await h.sentCount(n);
    h.deliver(responseTo(h.sent[n - 1]!, '200 OK'));
  }
  assert.equal(await h.done, 0);
  assert.deepEqual(
    h.sent.map((m) => /X-I: (.*)\r\n/.exec(m)![1]),
    // A double variable of 0 is "not set" in SIPp and prints as nothing.
    ['', '1.000000', '2.000000'],
  );
  assert.deepEqual(
    h.sent.map((m) => /CSeq: (\d+)/.exec(m)![1]),
    ['1', '2', '3'],
  );
});

test('jump (in a <nop>): to a message index from a variable; to itself is a fatal error', async () => {
  const reply = (status: string) => `<send><![CDATA[
    SIP/2.0 ${status}
    [last_Via:]
    [last_From:]
    [last_To:]
    [last_Call-ID:]
    [last_CSeq:]
    Content-Length: 0
  ]]></send>`;
  const xml = (jump: string) =>
    `<scenario name="j"><recv request="OPTIONS"/><nop><action>${jump}</action></nop>` +
    `${reply('500 Never Sent')}${reply('200 OK')}</scenario>`;
  const skip = await answer(xml('<assign assign_to="to" value="3"/><jump variable="to"/>'));
  assert.equal(skip.code, 0);
  assert.match(skip.reply, /^SIP\/2\.0 200 OK\r\n/);
  assert.equal(skip.h.sent.length, 1);
  const self = await answer(xml('<jump value="1"/>'));
  assert.equal(self.code, 255);
  assert.match(self.h.rt.fatal!.message, /jumps to itself/);
});

test('log writes the keyword text to the -trace_logs file; exec int_cmd="stop_call" rejects the call', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siptest-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'actions.log');
  const logged = await answer(server('<log message="got [call_id] on [local_port]"/>', ''), '', [
    '-trace_logs',
    '-log_file',
    file,
  ]);
  assert.equal(logged.code, 0);
  logged.h.rt.logs.closeAll();
  assert.equal(readFileSync(file, 'latin1'), 'got act-1 on 5060\n');
  const stop = await answer(server('<exec int_cmd="stop_call"/>', ''));
  assert.equal(stop.code, 1);
  assert.equal(stop.reply, '');
  assert.equal(stop.h.rt.stats.counters[C.FailedCallRejected], 1);
});
