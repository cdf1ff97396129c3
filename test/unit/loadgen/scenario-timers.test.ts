/**
 * Timers of a call: <pause>, the <recv> timeout and its ontimeout label, and UDP
 * retransmissions (RFC 3261 §17.1.2.2 timer E) with their -max_*_retrans limits. Counts and
 * bytes only, no timing goals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C, M } from '../../../src/loadgen/stats/counters.js';
import { harness, responseTo } from '../../helpers/siptest-harness.js';

const send = (step: string, attrs = '') => `<send${attrs}><![CDATA[
  MESSAGE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
  Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
  From: <sip:t@[local_ip]>;tag=[call_number]
  To: <sip:[service]@[remote_ip]>
  Call-ID: [call_id]
  CSeq: [cseq] MESSAGE
  X-Step: ${step}
  Content-Length: 0
]]></send>`;

const step = (msg: string) => /X-Step: (\w+)/.exec(msg)?.[1];

test('<pause>: the next message waits for the pause; a short pause then goes on', async (t) => {
  const long = harness(
    `<scenario name="p">${send('one')}<recv response="200"/><pause milliseconds="600000"/>${send('two')}<recv response="200"/></scenario>`,
    ['-m', '1', '-nr'],
  );
  t.after(() => long.rt.stopBySignal());
  await long.sentCount(1);
  long.deliver(responseTo(long.sent[0]!, '200 OK'));
  await long.settle(100);
  assert.deepEqual(long.sent.map(step), ['one']);
  assert.equal(long.rt.stats.msgValue(2, M.Sessions), 1);
  long.rt.stopBySignal();

  const short = harness(
    `<scenario name="p">${send('one')}<recv response="200"/><pause milliseconds="20"/>${send('two')}<recv response="200"/></scenario>`,
    ['-m', '1', '-nr'],
  );
  t.after(() => short.rt.stopBySignal());
  await short.sentCount(1);
  short.deliver(responseTo(short.sent[0]!, '200 OK'));
  await short.sentCount(2);
  assert.deepEqual(short.sent.map(step), ['one', 'two']);
  short.deliver(responseTo(short.sent[1]!, '200 OK'));
  assert.equal(await short.done, 0);
});

test('<recv timeout ontimeout>: no answer in time jumps to the label; the late answer is not waited for', async (t) => {
  const xml = `<scenario name="t">${send('one')}<recv response="200" timeout="30" ontimeout="late"/>
    ${send('never')}<recv response="200"/><nop next="end"/>
    <label id="late"/>${send('late')}<recv response="200"/><label id="end"/></scenario>`;
  const h = harness(xml, ['-m', '1', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(2);
  assert.deepEqual(h.sent.map(step), ['one', 'late']);
  assert.equal(h.rt.stats.msgValue(1, M.Timeout), 1);
  h.deliver(responseTo(h.sent[1]!, '200 OK'));
  assert.equal(await h.done, 0);
  assert.equal(h.rt.stats.counters[C.SuccessfulCall], 1);
});

test('UDP retransmission: the same bytes again until -max_non_invite_retrans, then the call fails', async (t) => {
  const h = harness(`<scenario name="r">${send('one', ' retrans="10"')}<recv response="200"/></scenario>`, [
    '-m',
    '1',
    '-max_non_invite_retrans',
    '3',
  ]);
  t.after(() => h.rt.stopBySignal());
  assert.equal(await h.done, 1);
  assert.equal(h.sent.length, 4);
  for (const m of h.sent) assert.equal(m, h.sent[0]);
  const st = h.rt.stats;
  assert.equal(st.counters[C.Retransmissions], 3);
  assert.equal(st.msgValue(0, M.SentRetrans), 3);
  assert.equal(st.msgValue(0, M.Timeout), 1);
  assert.equal(st.counters[C.FailedMaxUDPRetrans], 1);
});

test('an answer stops the retransmissions; -nr sends once', async (t) => {
  const xml = `<scenario name="r">${send('one', ' retrans="50"')}<recv response="200"/><pause milliseconds="150"/></scenario>`;
  const h = harness(xml, ['-m', '1']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(2);
  h.deliver(responseTo(h.sent[0]!, '200 OK'));
  const sentWhenAnswered = h.sent.length;
  assert.equal(await h.done, 0);
  assert.equal(h.sent.length, sentWhenAnswered);

  const nr = harness(
    `<scenario name="r">${send('one', ' retrans="10"')}<recv response="200" timeout="100"/></scenario>`,
    ['-m', '1', '-nr'],
  );
  t.after(() => nr.rt.stopBySignal());
  assert.equal(await nr.done, 1);
  assert.equal(nr.sent.length, 1);
  assert.equal(nr.rt.stats.counters[C.FailedTimeoutOnRecv], 1);
});

test('max retransmissions with ontimeout on the <send>: the call jumps to the label instead of failing', async (t) => {
  const xml = `<scenario name="r">${send('one', ' retrans="10" ontimeout="gave_up"')}<recv response="200"/><nop next="end"/>
    <label id="gave_up"/>${send('fallback')}<recv response="200"/><label id="end"/></scenario>`;
  const h = harness(xml, ['-m', '1', '-max_non_invite_retrans', '1']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(3);
  assert.deepEqual(h.sent.map(step), ['one', 'one', 'fallback']);
  h.deliver(responseTo(h.sent[2]!, '200 OK'));
  assert.equal(await h.done, 0);
  assert.equal(h.rt.stats.counters[C.FailedMaxUDPRetrans], 0);
});
