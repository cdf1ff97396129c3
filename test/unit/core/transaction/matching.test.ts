/**
 * Matching (RFC 3261 §17.1.3, §17.2.3): branch + sent-by + method, CANCEL as its own
 * transaction with a way to find its INVITE (§9.2), ACK for 2xx to the TU, stray responses, and
 * the RFC 2543 fallback with RFC 4475's inv2543.dat.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createCancel,
  createResponse,
  parseMessage,
  serialize,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../../../src/core/index.js';
import { fixture } from '../../../helpers/fixtures.js';
import { crlf, makeStack } from '../../../helpers/memory-transport.js';
import { ClientLog, ourRequest, peerRequest } from '../../../helpers/sip-builders.js';

function stack() {
  const s = makeStack();
  const txs: ServerTransaction[] = [];
  s.tu.handler = (req, source) => {
    if (req.method !== 'ACK') txs.push(s.txl.createServerTransaction(req, source));
  };
  return { ...s, txs };
}

describe('server-side matching (§17.2.3)', () => {
  test('CANCEL is its own transaction; findCancelTarget() finds the INVITE; 200 to the CANCEL, 487 to the INVITE', () => {
    const s = stack();
    const invite = peerRequest('INVITE', { branch: 'z9hG4bKinv1' });
    s.mem.inject(serialize(invite));
    const ist = s.txs[0]!;
    const cancel = createCancel(invite);
    s.mem.inject(serialize(cancel));
    assert.deepEqual(
      s.tu.requests.map((r) => r.method),
      ['INVITE', 'CANCEL'],
      'the CANCEL is not taken for an INVITE retransmission',
    );
    const cancelTx = s.txs[1]!;
    assert.notEqual(cancelTx, ist);
    assert.equal(s.txl.findCancelTarget(s.tu.requests[1]!), ist);
    cancelTx.reply(200);
    ist.reply(487);
    s.mem.inject(serialize(cancel)); // CANCEL retransmitted → its 200 again
    assert.deepEqual(s.mem.sentLines(), ['SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated', 'SIP/2.0 200 OK']);
    assert.equal(s.tu.requests.length, 2);
  });

  test('a CANCEL for an unknown INVITE finds nothing (the TU answers 481)', () => {
    const s = stack();
    s.mem.inject(serialize(peerRequest('INVITE', { branch: 'z9hG4bKa' })));
    const other = createCancel(peerRequest('INVITE', { branch: 'z9hG4bKb' }));
    assert.equal(s.txl.findCancelTarget(other), undefined);
  });

  test('same branch from another sent-by, or another method, is another transaction', () => {
    const s = stack();
    s.mem.inject(serialize(peerRequest('OPTIONS', { branch: 'z9hG4bKsame' })));
    s.mem.inject(serialize(peerRequest('OPTIONS', { via: 'SIP/2.0/UDP 198.51.100.8:5060;branch=z9hG4bKsame' })));
    s.mem.inject(serialize(peerRequest('INFO', { branch: 'z9hG4bKsame' })));
    s.mem.inject(serialize(peerRequest('OPTIONS', { branch: 'z9hG4bKsame' })));
    assert.equal(s.tu.requests.length, 3);
    assert.equal(s.txl.stats.serverTransactions, 3);
  });

  test('an ACK for a 2xx (new branch) goes to the TU directly', () => {
    const s = stack();
    const invite = peerRequest('INVITE', { branch: 'z9hG4bKi' });
    s.mem.inject(serialize(invite));
    const ok = s.txs[0]!.reply(200);
    const ack = peerRequest('ACK', { branch: 'z9hG4bKack2xx', toTag: ok.toTag() });
    s.mem.inject(serialize(ack));
    assert.deepEqual(
      s.tu.requests.map((r) => r.method),
      ['INVITE', 'ACK'],
    );
  });
});

describe('client-side matching (§17.1.3)', () => {
  test('branch + CSeq method: the CANCEL response goes to the CANCEL, others are stray', () => {
    const s = makeStack();
    const log = new ClientLog();
    const tx = s.txl.sendRequest(ourRequest('INVITE', s.mem), { address: '198.51.100.7', port: 5060 }, log);
    const sent = parseMessage(s.mem.sent[0]!.data) as SipRequest;
    // a 200 for a CANCEL with the INVITE's branch: no CANCEL transaction exists → stray
    const cancel = createCancel(sent);
    s.mem.inject(serialize(createResponse(cancel, 200)));
    assert.equal(s.tu.stray.length, 1);
    assert.deepEqual(log.statuses, []);
    // a response whose branch is unknown → stray
    const other = ourRequest('INVITE', s.mem);
    s.mem.inject(serialize(createResponse(other, 180)));
    assert.equal(s.tu.stray.length, 2);
    s.mem.inject(serialize(createResponse(sent, 180)));
    assert.deepEqual(log.statuses, [180]);
    assert.equal(tx.state, 'Proceeding');
  });
});

describe('RFC 2543 fallback (no magic cookie)', () => {
  const INV = fixture('torture', 'rfc4475', 'inv2543.dat');
  const ACK_TEXT = (tag: string, cseq = 56) =>
    crlf(`ACK sip:UserB@example.com SIP/2.0
Via: SIP/2.0/UDP iftgw.example.com
From: <sip:+13035551111@ift.client.example.net;user=phone>
To: sip:+16505552222@ss1.example.net;user=phone;tag=${tag}
Call-ID: inv2543.1717@ift.client.example.com
CSeq: ${cseq} ACK
Content-Length: 0

`);

  test('inv2543.dat: retransmission matched by Request-URI, tags, Call-ID, CSeq and top Via; ACK matched by the response To tag', () => {
    const s = stack();
    s.mem.inject(INV, '192.0.2.30', 5060);
    assert.equal(s.txs.length, 1);
    const ist = s.txs[0]!;
    const res = ist.reply(486);
    s.mem.inject(INV, '192.0.2.30', 5060); // retransmission → 486 again, TU not involved
    assert.equal(s.tu.requests.length, 1);
    assert.deepEqual(s.mem.sentLines(), ['SIP/2.0 486 Busy Here', 'SIP/2.0 486 Busy Here']);
    // responses go to the source (received added: sent-by is a name)
    assert.deepEqual([s.mem.sent[0]!.address, s.mem.sent[0]!.port], ['192.0.2.30', 5060]);

    s.mem.inject(ACK_TEXT('wrong'), '192.0.2.30', 5060);
    assert.equal(ist.state, 'Completed', 'an ACK with another To tag does not match');
    assert.equal(s.tu.requests.at(-1)!.method, 'ACK');
    s.mem.inject(ACK_TEXT(res.toTag()!), '192.0.2.30', 5060);
    assert.equal(ist.state, 'Confirmed');
    assert.equal(s.tu.requests.length, 2);
    s.clock.advance(5000);
    assert.equal(s.txl.stats.serverTransactions, 0);
  });

  test('another CSeq is a new transaction; a 2543 CANCEL finds its INVITE', () => {
    const s = stack();
    s.mem.inject(INV, '192.0.2.30', 5060);
    const other = Buffer.from(INV.toString('latin1').replace('CSeq: 56 INVITE', 'CSeq: 57 INVITE'), 'latin1');
    s.mem.inject(other, '192.0.2.30', 5060);
    assert.equal(s.tu.requests.length, 2);
    const cancel = createCancel(parseMessage(INV) as SipRequest);
    s.mem.inject(serialize(cancel), '192.0.2.30', 5060);
    assert.equal(s.tu.requests.at(-1)!.method, 'CANCEL');
    assert.equal(s.txl.findCancelTarget(s.tu.requests.at(-1)!), s.txs[0]);
    assert.equal(s.txs[0]!.request.cseq().seq, 56);
  });
});

describe('parse errors reach the TU', () => {
  test('garbage, and a request missing Call-ID, are reported with raw bytes and (when parsed) the message', () => {
    const s = stack();
    s.mem.inject('this is not SIP\r\n\r\n');
    const noCallId = serialize(peerRequest('OPTIONS'))
      .toString('latin1')
      .replace(/Call-ID: [^\r]*\r\n/, '');
    s.mem.inject(noCallId);
    assert.equal(s.tu.parseErrors.length, 2);
    assert.equal(s.tu.parseErrors[0]!.err.status, 400);
    assert.equal(s.tu.parseErrors[0]!.msg, undefined);
    assert.equal(s.tu.parseErrors[1]!.err.code, 'SIP_ERR_MISSING_HEADER');
    assert.equal((s.tu.parseErrors[1]!.msg as SipRequest).method, 'OPTIONS');
    assert.equal(s.tu.parseErrors[1]!.raw.toString('latin1'), noCallId);
    assert.equal(s.mem.stats.parseErrors, 2);
    assert.equal(s.tu.requests.length, 0);
  });

  test('a TU exception is handed to onError and the layer keeps working', () => {
    const s = makeStack();
    const errors: unknown[] = [];
    s.txl.user = {
      onRequest: () => {
        throw new Error('TU bug');
      },
      onError: (e) => void errors.push(e),
    };
    s.mem.inject(serialize(peerRequest('OPTIONS')));
    s.mem.inject(serialize(peerRequest('OPTIONS')));
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /TU bug/);
  });

  test('responses parse too: a stray response is delivered with its fields', () => {
    const s = stack();
    const res = createResponse(peerRequest('OPTIONS'), 200) as SipResponse;
    s.mem.inject(serialize(res));
    assert.equal(s.tu.stray[0]!.status, 200);
  });
});
