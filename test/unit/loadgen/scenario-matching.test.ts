/**
 * Matching a received message to a scenario step (SIPp's process_incoming / matches_scenario):
 * forward over optional <recv>s, request methods and regexps, responses by CSeq method,
 * retransmissions, unexpected messages and the unexpected-message label.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C, M } from '../../../src/loadgen/stats/counters.js';
import { harness, responseTo } from '../../helpers/siptest-harness.js';

/** A client request of the scenario: `method` with an X-Step header to tell the sends apart. */
const send = (method: string, step: string) => `<send><![CDATA[
  ${method} sip:[service]@[remote_ip]:[remote_port] SIP/2.0
  Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
  From: <sip:a@[local_ip]>;tag=[call_number]
  To: <sip:[service]@[remote_ip]>
  Call-ID: [call_id]
  CSeq: [cseq] ${method}
  X-Step: ${step}
  Content-Length: 0
]]></send>`;

/** A server reply built from the request received. */
const reply = (status: string) => `<send><![CDATA[
  SIP/2.0 ${status}
  [last_Via:]
  [last_From:]
  [last_To:];tag=[call_number]
  [last_Call-ID:]
  [last_CSeq:]
  Content-Length: 0
]]></send>`;

/** A request as a peer sends it to the server scenario. */
const request = (method: string, callId: string, cseq = 1) =>
  `${method} sip:service@127.0.0.1:5060 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-${method}-${cseq}\nFrom: <sip:peer@127.0.0.1>;tag=p1\nTo: <sip:service@127.0.0.1>\nCall-ID: ${callId}\nCSeq: ${cseq} ${method}\nContent-Length: 0\n\n`;

test('a response skips the optional <recv>s before the first mandatory one that matches it', async (t) => {
  const xml = `<scenario name="m">${send('OPTIONS', 'one')}
    <recv response="100" optional="true"/><recv response="180" optional="true"/><recv response="200"/>
    ${send('MESSAGE', 'two')}<recv response="200"/></scenario>`;
  const h = harness(xml, ['-m', '1', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  h.deliver(responseTo(h.sent[0]!, '200 OK'));
  await h.sentCount(2);
  assert.match(h.sent[1]!, /^MESSAGE .*\r\nX-Step: two\r\n/s);
  const st = h.rt.stats;
  assert.deepEqual(
    [1, 2, 3].map((i) => st.msgValue(i, M.Recv)),
    [0, 0, 1],
  );
  h.deliver(responseTo(h.sent[1]!, '200 OK'));
  assert.equal(await h.done, 0);
  assert.equal(st.counters[C.SuccessfulCall], 1);
});

test('a response whose CSeq method was not sent is unexpected: the call fails', async (t) => {
  const xml = `<scenario name="m">${send('OPTIONS', 'one')}<recv response="200"/>
    ${send('MESSAGE', 'two')}<recv response="200"/></scenario>`;
  const h = harness(xml, ['-m', '1', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  // A 200 to MESSAGE while the OPTIONS is pending: the <recv> expects a response to OPTIONS.
  h.deliver(responseTo(h.sent[0]!, '200 OK').replace('CSeq: 1 OPTIONS', 'CSeq: 2 MESSAGE'));
  assert.equal(await h.done, 1);
  assert.equal(h.rt.stats.counters[C.FailedUnexpectedMessage], 1);
  assert.equal(h.rt.stats.msgValue(1, M.Unexp), 1);
  assert.equal(h.rt.stats.msgValue(1, M.Recv), 0);
});

test('a server <recv request> matches its method only; regexp_match takes a pattern', async (t) => {
  const xml = `<scenario name="s"><recv request="OPTIONS|INFO" regexp_match="true"/>${reply('200 OK')}
    <recv request="BYE"/>${reply('200 OK')}</scenario>`;
  const h = harness(xml, ['-m', '2']);
  t.after(() => h.rt.stopBySignal());
  h.deliver(request('INFO', 'c-info'));
  await h.sentCount(1);
  assert.match(h.sent[0]!, /^SIP\/2\.0 200 OK\r\n.*\r\nCSeq: 1 INFO\r\n/s);
  // An INFO where the BYE is expected: unexpected, the call is aborted.
  h.deliver(request('INFO', 'c-info', 2));
  await h.settle(20);
  assert.equal(h.rt.stats.counters[C.FailedUnexpectedMessage], 1);
  h.deliver(request('OPTIONS', 'c-options'));
  await h.sentCount(2);
  h.deliver(request('BYE', 'c-options', 2));
  await h.sentCount(3);
  assert.match(h.sent[2]!, /\r\nCSeq: 2 BYE\r\n/);
  assert.equal(await h.done, 1);
  assert.equal(h.rt.stats.counters[C.SuccessfulCall], 1);
});

test('a retransmitted request gets the reply sent after it again, byte for byte (UDP)', async (t) => {
  const xml = `<scenario name="s"><recv request="OPTIONS"/>${reply('200 OK')}
    <recv request="BYE"/>${reply('200 OK')}</scenario>`;
  const h = harness(xml, ['-m', '1']);
  t.after(() => h.rt.stopBySignal());
  h.deliver(request('OPTIONS', 'c-rt'));
  await h.sentCount(1);
  h.deliver(request('OPTIONS', 'c-rt'));
  await h.sentCount(2);
  assert.equal(h.sent[1], h.sent[0]);
  const st = h.rt.stats;
  assert.equal(st.msgValue(0, M.RecvRetrans), 1);
  assert.equal(st.msgValue(1, M.SentRetrans), 1);
  assert.equal(st.counters[C.Retransmissions], 1);
  h.deliver(request('BYE', 'c-rt', 2));
  assert.equal(await h.done, 0);
});

test('a message for a call that just ended is a dead call message, not a new call', async (t) => {
  const xml = `<scenario name="s"><recv request="OPTIONS"/>${reply('200 OK')}</scenario>`;
  const h = harness(xml, ['-m', '2']);
  t.after(() => h.rt.stopBySignal());
  h.deliver(request('OPTIONS', 'c-dead'));
  await h.sentCount(1);
  await h.settle(20);
  h.deliver(request('OPTIONS', 'c-dead', 2));
  await h.settle(20);
  assert.equal(h.sent.length, 1);
  assert.equal(h.rt.stats.counters[C.DeadCallMsgs], 1);
  assert.equal(h.rt.stats.totalCreated, 1);
});

test('with a _unexp.main label, an unexpected message jumps there and is taken by its <recv>', async (t) => {
  const xml = `<scenario name="s"><recv request="OPTIONS"/>${reply('200 OK')}
    <recv request="BYE"/>${reply('200 OK')}<nop next="end"/>
    <label id="_unexp.main"/><recv request="INFO"/>${reply('488 Not Here')}<label id="end"/></scenario>`;
  const h = harness(xml, ['-m', '1']);
  t.after(() => h.rt.stopBySignal());
  h.deliver(request('OPTIONS', 'c-jump'));
  await h.sentCount(1);
  h.deliver(request('INFO', 'c-jump', 2));
  await h.sentCount(2);
  assert.match(h.sent[1]!, /^SIP\/2\.0 488 Not Here\r\n.*CSeq: 2 INFO\r\n/s);
  assert.equal(await h.done, 0);
  assert.equal(h.rt.stats.counters[C.FailedUnexpectedMessage], 0);
  assert.equal(h.rt.stats.counters[C.SuccessfulCall], 1);
});
