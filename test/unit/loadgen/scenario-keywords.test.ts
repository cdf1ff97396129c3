/**
 * [keywords] in message templates as they reach the wire (SIPp's createSendingMessage): the
 * call's identity, addresses, [len], injection fields, and the dialog state learnt from the
 * messages received ([last_*], [peer_tag_param], [routes], [next_url]).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InjectionFile } from '../../../src/loadgen/engine/injection.js';
import { harness } from '../../helpers/siptest-harness.js';

/** The value of header `name` in `msg`. */
const hdr = (msg: string, name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`).exec(msg)?.[1];

test('the call identity: [call_id], [call_number], [branch], [cseq], [pid], [msg_index], [dynamic_id]', async (t) => {
  const xml = `<scenario name="k"><send><![CDATA[
    OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: <sip:k@[local_ip]>;tag=[call_number]
    To: <sip:[service]@[remote_ip]>
    Call-ID: [call_id]
    CSeq: [cseq] OPTIONS
    X-Ids: [pid] [call_number] [msg_index] [cseq+10] [remote_port-1]
    X-Dyn: [dynamic_id] [dynamic_id]
    X-Branch2: [branch+2]
    Content-Length: 0
  ]]></send><recv response="200"/></scenario>`;
  const h = harness(xml, ['-m', '2', '-r', '1000', '-nr', '-base_cseq', '5']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(2);
  const [a, b] = h.sent as [string, string];
  assert.equal(hdr(a, 'Call-ID'), '1-4242@127.0.0.1');
  assert.equal(hdr(b, 'Call-ID'), '2-4242@127.0.0.1');
  assert.equal(hdr(a, 'Via'), 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-4242-1-0');
  assert.equal(hdr(b, 'X-Branch2'), 'z9hG4bK-4242-2-2');
  // -base_cseq 5: the first request of a call has CSeq 5.
  assert.equal(hdr(a, 'CSeq'), '5 OPTIONS');
  assert.equal(hdr(a, 'X-Ids'), '4242 1 0 15 5069');
  // [dynamic_id] counts across the run and calls (SIPp's defaults: from 10000, step 4).
  assert.deepEqual([hdr(a, 'X-Dyn'), hdr(b, 'X-Dyn')], ['10000 10004', '10008 10012']);
});

test('[len] is the body length padded to 5; [media_port], [auto_media_port], [service]', async (t) => {
  const xml = `<scenario name="k"><send><![CDATA[
    MESSAGE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: <sip:k@[local_ip]>;tag=[call_number]
    To: <sip:[service]@[remote_ip]>
    Call-ID: [call_id]
    CSeq: [cseq] MESSAGE
    X-Media: [media_ip] [media_port] [media_port+2] [auto_media_port]
    X-Service: [service]
    Content-Length: [len]

    hello [call_number]
  ]]></send><recv response="200"/></scenario>`;
  const h = harness(xml, ['-m', '2', '-r', '1000', '-nr', '-s', 'bob']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(2);
  const [a, b] = h.sent as [string, string];
  assert.match(a, /^MESSAGE sip:bob@127\.0\.0\.1:5070 SIP\/2\.0\r\n/);
  assert.equal(hdr(a, 'X-Service'), 'bob');
  assert.equal(hdr(a, 'Content-Length'), '    9');
  assert.equal(a.slice(a.indexOf('\r\n\r\n') + 4), 'hello 1\r\n');
  // [auto_media_port]: media port + 4 × (call number - 1).
  assert.equal(hdr(a, 'X-Media'), '127.0.0.1 6000 6002 6000');
  assert.equal(hdr(b, 'X-Media'), '127.0.0.1 6000 6002 6004');
});

test('[field0] / [field1] of the -inf file: one line per call, in file order (SEQUENTIAL)', async (t) => {
  const inf = new InjectionFile('users.csv', 'SEQUENTIAL\nalice;secret\nbob;pw2\n');
  const xml = `<scenario name="k"><send><![CDATA[
    REGISTER sip:[remote_ip] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: <sip:[field0]@[remote_ip]>;tag=[call_number]
    To: <sip:[field0]@[remote_ip]>
    Call-ID: [call_id]
    CSeq: [cseq] REGISTER
    X-Secret: [field1 file="users.csv"]
    X-Line1: [field0 line=1]
    Content-Length: 0
  ]]></send><recv response="200"/></scenario>`;
  const h = harness(xml, ['-m', '3', '-r', '1000', '-nr'], [inf]);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(3);
  assert.deepEqual(
    h.sent.map((m) => [hdr(m, 'To'), hdr(m, 'X-Secret'), hdr(m, 'X-Line1')]),
    [
      ['<sip:alice@127.0.0.1>', 'secret', 'bob'],
      ['<sip:bob@127.0.0.1>', 'pw2', 'bob'],
      ['<sip:alice@127.0.0.1>', 'secret', 'bob'],
    ],
  );
});

test('dialog keywords from the 200: [last_*], [peer_tag_param], [routes] and [next_url] (rrs)', async (t) => {
  const xml = `<scenario name="k"><send><![CDATA[
    INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: <sip:k@[local_ip]>;tag=[call_number]
    To: <sip:[service]@[remote_ip]>
    Call-ID: [call_id]
    CSeq: [cseq] INVITE
    [routes]
    Content-Length: 0
  ]]></send>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
    ACK [next_url] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: <sip:k@[local_ip]>;tag=[call_number]
    To: <sip:[service]@[remote_ip]>[peer_tag_param]
    Call-ID: [call_id]
    CSeq: [last_cseq_number] ACK
    [routes]
    X-Last-To: [last_To:]
    X-Last-Missing: [last_Subject:]
    Content-Length: 0
  ]]></send></scenario>`;
  const h = harness(xml, ['-m', '1', '-r', '1000', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  const invite = h.sent[0]!;
  // No route set yet: the [routes] line disappears.
  assert.doesNotMatch(invite, /\r\n\r\n.+/s);
  assert.match(invite, /\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n$/);
  h.deliver(
    `SIP/2.0 200 OK\n${/^Via: .*$/m.exec(invite)![0].trimEnd()}\nRecord-Route: <sip:p2.example;lr>, <sip:p1.example;lr>\n` +
      `From: <sip:k@127.0.0.1>;tag=1\nTo: <sip:service@127.0.0.1>;tag=callee7\nCall-ID: ${hdr(invite, 'Call-ID')}\n` +
      `CSeq: 1 INVITE\nContact: <sip:callee@10.0.0.7:5099>\nContent-Length: 0\n\n`,
  );
  assert.equal(await h.done, 0);
  const ack = h.sent[1]!;
  // RFC 3261 §12.1.2: the UAC's route set is the Record-Route in reverse order; target: Contact.
  assert.match(ack, /^ACK sip:callee@10\.0\.0\.7:5099 SIP\/2\.0\r\n/);
  assert.equal(hdr(ack, 'Route'), '<sip:p1.example;lr>, <sip:p2.example;lr>');
  assert.equal(hdr(ack, 'To'), '<sip:service@127.0.0.1>;tag=callee7');
  assert.equal(hdr(ack, 'CSeq'), '1 ACK');
  assert.equal(hdr(ack, 'X-Last-To'), 'To: <sip:service@127.0.0.1>;tag=callee7');
  assert.equal(hdr(ack, 'X-Last-Missing'), '');
});
