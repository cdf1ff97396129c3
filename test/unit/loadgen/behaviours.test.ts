import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDigest, verifyDigest } from '../../../src/loadgen/engine/digest.js';
import { InjectionFile } from '../../../src/loadgen/engine/injection.js';
import { C, M } from '../../../src/loadgen/stats/counters.js';
import { crlf, harness, responseTo } from '../../helpers/siptest-harness.js';

const INFO = (callId: string) =>
  `INFO sip:x SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-i\nFrom: <sip:a@x>;tag=9\nTo: <sip:b@y>\nCall-ID: ${callId}\nCSeq: 5 INFO\nContent-Length: 0\n\n`;

test('an unexpected BYE during a call is answered 200 and the call fails (default behaviours)', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '1000', '-nr']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(1);
  const inv = h.sent[0]!;
  const callId = /Call-ID: (.*)\r\n/.exec(inv)![1]!;
  h.deliver(
    `BYE sip:x SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-b\nFrom: <sip:a@x>;tag=9\nTo: <sip:b@y>;tag=1\nCall-ID: ${callId}\nCSeq: 9 BYE\nContent-Length: 0\n\n`,
  );
  assert.equal(await h.done, 1);
  assert.match(h.sent[1]!, /^SIP\/2\.0 200 OK\r\nVia: SIP\/2\.0\/UDP 10\.0\.0\.9;branch=z9hG4bK-b\r\n/);
  assert.equal(h.rt.stats.counters[C.FailedUnexpectedMessage], 1);
  assert.equal(h.rt.stats.msgValue(1, M.Unexp), 1);
});

test('-aa answers an out-of-call INFO with 200 and counts it as AutoAnswered', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '0.001', '-aa']);
  t.after(() => h.rt.stopBySignal());
  h.deliver(INFO('ooc-1'));
  await h.sentCount(1);
  assert.match(h.sent[0]!, /^SIP\/2\.0 200 OK\r\n.*CSeq: 5 INFO\r\n/s);
  // SIPp counts it twice: when the automatic call is created and when it answers.
  assert.equal(h.rt.stats.counters[C.AutoAnswered], 2);
});

test('without -aa an out-of-call message is discarded and counted', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '0.001']);
  t.after(() => h.rt.stopBySignal());
  h.deliver(INFO('ooc-2'));
  await h.settle(20);
  assert.equal(h.sent.length, 0);
  assert.equal(h.rt.stats.counters[C.OutOfCallMsgs], 1);
});

test('-users keeps N calls running (closed loop) and [userid] numbers them', async (t) => {
  const xml = `<scenario name="u"><send><![CDATA[
    OPTIONS sip:[service]@[remote_ip] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: <sip:u@[local_ip]>;tag=[call_number]
    To: <sip:[service]@[remote_ip]>
    Call-ID: [call_id]
    X-User: [userid]/[users]
    CSeq: 1 OPTIONS
    ]]></send><recv response="200"/></scenario>`;
  const h = harness(xml, ['-users', '3', '-m', '5']);
  t.after(() => h.rt.stopBySignal());
  await h.sentCount(3);
  await h.settle(10);
  assert.equal(h.sent.length, 3);
  assert.deepEqual(h.sent.map((m) => /X-User: (.*)\r\n/.exec(m)![1]).sort(), ['1/3', '2/3', '3/3']);
  h.deliver(responseTo(h.sent[0]!, '200 OK'));
  await h.sentCount(4);
  assert.match(h.sent[3]!, /X-User: \d\/3/);
  for (const m of h.sent.slice(1)) h.deliver(responseTo(m, '200 OK'));
  await h.sentCount(5);
  h.deliver(responseTo(h.sent[4]!, '200 OK'));
  assert.equal(await h.done, 0);
  assert.equal(h.rt.stats.counters[C.SuccessfulCall], 5);
});

test('injection fields, SEQUENTIAL order and PRINTF lines', () => {
  const f = new InjectionFile('users.csv', 'SEQUENTIAL\n# comment\nalice;secret;1\nbob;pw2\n\nignored;after blank\n');
  assert.equal(f.numLines, 2);
  assert.deepEqual([f.nextLine(0), f.nextLine(0), f.nextLine(0)], [0, 1, 0]);
  assert.equal(f.field(0, 1), 'secret');
  assert.equal(f.field(1, 2), '');
  const p = new InjectionFile('p.csv', 'SEQUENTIAL,PRINTF=100,PRINTFOFFSET=1000\nuser%04d;x\n');
  assert.equal(p.numLines, 100);
  assert.equal(p.field(7, 0), 'user1007');
  assert.throws(() => new InjectionFile('bad.csv', 'WHATEVER\na\n'), /Unknown file type/);
});

test('digest: our credentials verify with RFC 2617 math; a wrong password does not', () => {
  const challenge = 'Digest realm="r.example", nonce="abc", qop="auth", opaque="o1", algorithm=MD5';
  const r = createDigest({
    user: 'alice',
    password: 'secret',
    method: 'REGISTER',
    uri: 'sip:127.0.0.1:5060',
    body: '',
    challenge,
    nonceCount: 1,
  });
  assert.ok('value' in r);
  const v = (r as { value: string }).value;
  assert.match(
    v,
    /^Digest username="alice",realm="r\.example",cnonce="[0-9a-f]+",nc=00000001,qop=auth,uri="sip:127\.0\.0\.1:5060",nonce="abc",response="[0-9a-f]{32}",algorithm=MD5,opaque="o1"$/,
  );
  assert.equal(verifyDigest('alice', 'secret', 'REGISTER', v, ''), true);
  assert.equal(verifyDigest('alice', 'nope', 'REGISTER', v, ''), false);
  const sha = createDigest({
    user: 'a',
    password: 'p',
    method: 'INVITE',
    uri: 'sip:x',
    body: '',
    challenge: 'Digest realm="x", nonce="n", algorithm=SHA-256',
    nonceCount: 1,
  });
  assert.match((sha as { value: string }).value, /response="[0-9a-f]{64}",algorithm=SHA-256$/);
  // RFC 2617 §3.5 example (MD5, qop=auth).
  const rfc =
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
  assert.equal(verifyDigest('Mufasa', 'Circle Of Life', 'GET', rfc, ''), true);
});

test('crlf helper and a CANCEL-free abort: no answer at all means nothing to cancel', async (t) => {
  const h = harness('uac', ['-m', '1', '-r', '1000', '-recv_timeout', '50', '-nr']);
  t.after(() => h.rt.stopBySignal());
  assert.equal(crlf('a\nb'), 'a\r\nb');
  assert.equal(await h.done, 1);
  assert.equal(h.sent.length, 1);
  assert.equal(h.rt.stats.counters[C.FailedTimeoutOnRecv], 1);
});
