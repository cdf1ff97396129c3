import assert from 'node:assert/strict';
import { test } from 'node:test';
import { C, M } from '../../../src/loadgen/stats/counters.js';
import { crlf, harness, responseTo } from '../../helpers/siptest-harness.js';

test('uac: the INVITE as SIPp builds it ([len] padded, branch, Call-ID, tags)', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '1000', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  const inv = h.sent[0]!;
  assert.match(inv, /^INVITE sip:service@127\.0\.0\.1:5070 SIP\/2\.0\r\n/);
  assert.match(inv, /\r\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:5060;branch=z9hG4bK-4242-1-0\r\n/);
  assert.match(inv, /\r\nFrom: sipp <sip:sipp@127\.0\.0\.1:5060>;tag=4242SIPpTag001\r\n/);
  assert.match(inv, /\r\nCall-ID: 1-4242@127\.0\.0\.1\r\n/);
  const body = inv.slice(inv.indexOf('\r\n\r\n') + 4);
  assert.equal(body.length, 129);
  assert.match(inv, /\r\nContent-Length: {3}129\r\n/);
  assert.equal(`Content-Length: ${String(body.length).padStart(5)}`.length, 'Content-Length:   129'.length);
  h.rt.stopBySignal();
  await h.done;
});

test('uac: optional 1xx, 200 → ACK with peer tag, BYE → 200 ends the call successfully', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '1000', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  const inv = h.sent[0]!;
  h.deliver(responseTo(inv, '100 Trying'));
  h.deliver(responseTo(inv, '180 Ringing'));
  h.deliver(responseTo(inv, '200 OK'));
  await h.sentCount(3);
  const ack = h.sent[1]!;
  assert.match(ack, /^ACK sip:service@127\.0\.0\.1:5070 SIP\/2\.0\r\n/);
  assert.match(ack, /\r\nTo: service <sip:service@127\.0\.0\.1:5070>;tag=peer1\r\n/);
  const bye = h.sent[2]!;
  assert.match(bye, /^BYE /);
  assert.match(bye, /branch=z9hG4bK-4242-1-7\r\n/);
  h.deliver(responseTo(bye, '200 OK'));
  assert.equal(await h.done, 0);
  const st = h.rt.stats;
  assert.equal(st.counters[C.SuccessfulCall], 1);
  assert.equal(st.msgValue(1, M.Recv), 1);
  assert.equal(st.msgValue(2, M.Recv), 1);
  assert.equal(st.msgValue(4, M.Recv), 1);
  assert.equal(st.rtdHist[0]!.totalCount, 1);
});

test('a response to a method not sent yet is unexpected: the call aborts (CANCEL) and counts as failed', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '1000', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  const inv = h.sent[0]!;
  h.deliver(responseTo(inv, '180 Ringing'));
  // 200 for a BYE while the INVITE is pending: CSeq method BYE was not sent yet.
  h.deliver(responseTo(inv, '200 OK').replace('CSeq: 1 INVITE', 'CSeq: 2 BYE'));
  assert.equal(await h.done, 1);
  assert.equal(h.rt.stats.counters[C.FailedUnexpectedMessage], 1);
  assert.match(h.sent[1]!, /^CANCEL sip:service@127\.0\.0\.1:5070 SIP\/2\.0\r\n/);
  // As in SIPp, the CANCEL is built from the last message received: the unexpected one.
  assert.match(h.sent[1]!, /\r\nCSeq: 2 CANCEL\r\n/);
});

test('a retransmitted 200 after the ACK re-sends the ACK (SIPp backward match)', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '1000', '-d', '5000', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  const ok = responseTo(h.sent[0]!, '200 OK');
  h.deliver(ok);
  await h.sentCount(2);
  assert.match(h.sent[1]!, /^ACK /);
  h.deliver(ok.replace('Content-Length: 0', 'Content-Length:  0'));
  await h.sentCount(3);
  assert.match(h.sent[2]!, /^ACK /);
  h.rt.stopBySignal();
  await h.done;
});

test('uas: replies built from [last_*] headers; a missing header drops its line', async (t) => {
  const h = harness('uas', ['-m', '1']);
  t.after(() => h.rt.stopBySignal());
  await h.settle();
  const invite = crlf(
    'INVITE sip:service@127.0.0.1:5060 SIP/2.0\nv: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-a\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-b\nFrom: <sip:a@x>;tag=1\nTo: <sip:service@y>\nCall-ID: c1\nCSeq: 7 INVITE\nContent-Length: 0\n\n',
  );
  h.rt.receive(Buffer.from(invite), { address: '127.0.0.1', port: 5070 }, h.socket);
  await h.sentCount(1);
  const ringing = h.sent[0]!;
  assert.match(
    ringing,
    /^SIP\/2\.0 180 Ringing\r\nVia: SIP\/2\.0\/UDP 10\.0\.0\.2;branch=z9hG4bK-b\r\nFrom: <sip:a@x>;tag=1\r\n/,
  );
  assert.match(ringing, /\r\nTo: <sip:service@y>;tag=4242SIPpTag011\r\nCall-ID: c1\r\nCSeq: 7 INVITE\r\nContact:/);
  h.rt.stopBySignal();
  await h.done;
});
