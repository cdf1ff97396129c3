/**
 * INVITE and non-INVITE client transactions (RFC 3261 §17.1) on a fake clock: the UDP
 * retransmission schedules (Timer A doubling; Timer E doubling capped at T2, T2 in Proceeding),
 * Timer B/F timeouts, ACK of non-2xx finals, absorption of retransmitted finals, RFC 6026
 * Accepted, no retransmissions and zero D/K on TCP, cleanup.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage, type SipRequest } from '../../../../src/core/index.js';
import { assertIdle, makeStack } from '../../../helpers/memory-transport.js';
import { ClientLog, ourRequest, peerResponse } from '../../../helpers/sip-builders.js';

const DEST = { address: '198.51.100.7', port: 5060 };

describe('INVITE client transaction', () => {
  test('UDP: Timer A doubles from T1 (0, .5, 1.5, 3.5, 7.5, 15.5, 31.5 s); Timer B at 64·T1 tells the TU', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    const tx = txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    assert.equal(tx.state, 'Calling');
    clock.advance(31_999);
    assert.deepEqual(
      mem.sent.map((s) => s.at),
      [0, 500, 1500, 3500, 7500, 15500, 31500],
    );
    assert.ok(
      mem.sent.every((s) => s.data.equals(mem.sent[0]!.data)),
      'retransmissions are the same bytes',
    );
    assert.deepEqual([mem.sent[0]!.address, mem.sent[0]!.port], ['198.51.100.7', 5060]);
    assert.equal(log.timeouts, 0);
    clock.advance(1);
    assert.equal(log.timeouts, 1);
    assert.equal(tx.state, 'Terminated');
    assert.equal(log.terminated, 1);
    assertIdle(txl);
  });

  test('configurable T1: the schedule scales', () => {
    const { clock, mem, txl } = makeStack({ settings: { T1: 100 } });
    const log = new ClientLog();
    txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    clock.advance(6400);
    assert.deepEqual(
      mem.sent.map((s) => s.at),
      [0, 100, 300, 700, 1500, 3100, 6300],
    );
    assert.equal(log.timeouts, 1);
  });

  test('a provisional response stops retransmissions and Timer B; a non-2xx final is ACKed, retransmissions re-ACKed, Timer D cleans up', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    const request = ourRequest('INVITE', mem);
    const tx = txl.sendRequest(request, DEST, log);
    const invite = mem.sent[0]!.data;
    clock.advance(600); // one retransmission
    mem.inject(peerResponse(invite, 180, { toTag: 'b1' }));
    assert.equal(tx.state, 'Proceeding');
    clock.advance(60_000);
    assert.equal(mem.sent.length, 2, 'no retransmission in Proceeding');
    assert.equal(log.timeouts, 0, 'Timer B does not run in Proceeding');

    mem.inject(peerResponse(invite, 486, { toTag: 'b1' }));
    assert.equal(tx.state, 'Completed');
    assert.deepEqual(log.statuses, [180, 486]);
    const ack = parseMessage(mem.sent[2]!.data) as SipRequest;
    assert.equal(ack.method, 'ACK');
    assert.equal(ack.topVia()!.params.get('branch'), request.topVia()!.params.get('branch'));
    assert.throws(() => tx.request, /released/, 'only the ACK bytes are kept after the final response');
    assert.equal(ack.toTag(), 'b1');
    assert.deepEqual(ack.cseq(), { seq: 1, method: 'ACK' });

    mem.inject(peerResponse(invite, 486, { toTag: 'b1' })); // the 486 retransmitted
    assert.deepEqual(log.statuses, [180, 486], 'the retransmission is absorbed');
    assert.equal(mem.sent.length, 4);
    assert.ok(mem.sent[3]!.data.equals(mem.sent[2]!.data), 'the ACK is resent');

    clock.advance(31_999);
    assert.equal(tx.state, 'Completed');
    clock.advance(1); // Timer D = 32 s
    assert.equal(tx.state, 'Terminated');
    assert.equal(txl.stats.clientTransactions, 0);
    assert.equal(txl.stats.timers, 0);
  });

  test('2xx: passed up, RFC 6026 Accepted passes retransmitted/forked 2xx too, Timer M ends it', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    const tx = txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    const invite = mem.sent[0]!.data;
    mem.inject(peerResponse(invite, 200, { toTag: 'b1' }));
    assert.equal(tx.state, 'Accepted');
    mem.inject(peerResponse(invite, 200, { toTag: 'b1' }));
    mem.inject(peerResponse(invite, 200, { toTag: 'b2' }));
    mem.inject(peerResponse(invite, 486, { toTag: 'b3' }));
    assert.deepEqual(log.statuses, [200, 200, 200]);
    assert.equal(mem.sent.length, 1, 'no ACK from the transaction for a 2xx');
    clock.advance(32_000);
    assert.equal(tx.state, 'Terminated');
    assert.equal(txl.stats.clientTransactions, 0);
  });

  test('wait (Kamailio wt_timer) caps Timers D and M on UDP', () => {
    const { clock, mem, txl } = makeStack({ settings: { wait: 5000 } });
    const log = new ClientLog();
    const rejected = txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    mem.inject(peerResponse(mem.sent[0]!.data, 486, { toTag: 'b1' }));
    const accepted = txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    mem.inject(peerResponse(mem.sent[2]!.data, 200, { toTag: 'b2' }));
    assert.deepEqual([rejected.state, accepted.state], ['Completed', 'Accepted']);
    clock.advance(4999);
    assert.deepEqual([rejected.state, accepted.state], ['Completed', 'Accepted']);
    clock.advance(1);
    assert.deepEqual([rejected.state, accepted.state], ['Terminated', 'Terminated']);
    assert.equal(txl.stats.clientTransactions, 0);
    assert.equal(txl.stats.timers, 0);
  });

  test('TCP: no retransmissions, Timer B still fires; a non-2xx final ends the transaction at once (D = 0)', () => {
    const { clock, mem, txl } = makeStack({ protocol: 'TCP' });
    const log = new ClientLog();
    txl.sendRequest(ourRequest('INVITE', mem), { ...DEST, protocol: 'TCP' }, log);
    clock.advance(32_000);
    assert.equal(mem.sent.length, 1);
    assert.equal(log.timeouts, 1);

    const tx = txl.sendRequest(ourRequest('INVITE', mem), { ...DEST, protocol: 'TCP' }, log);
    mem.inject(peerResponse(mem.sent[1]!.data, 603, { toTag: 'x' }), '198.51.100.7', 5060, 4);
    assert.equal(tx.state, 'Terminated');
    assert.equal(parseMessage(mem.sent[2]!.data).startLine(), 'ACK sip:bob@example.com SIP/2.0');
    assertIdle(txl);
  });

  test('cancel(): waits for a provisional (§9.1), sends a CANCEL with the same branch, the 487 is ACKed', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    const cancelLog = new ClientLog();
    const tx = txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    const invite = mem.sent[0]!.data;
    assert.equal(tx.cancel(cancelLog), true);
    clock.advance(100);
    assert.equal(mem.sent.length, 1, 'no CANCEL before a provisional response');
    mem.inject(peerResponse(invite, 180, { toTag: 't' }));
    const cancel = parseMessage(mem.sent[1]!.data) as SipRequest;
    assert.equal(cancel.method, 'CANCEL');
    assert.equal(cancel.topVia()!.params.get('branch'), tx.request.topVia()!.params.get('branch'));
    assert.equal(tx.cancelTransaction?.state, 'Trying');
    mem.inject(peerResponse(mem.sent[1]!.data, 200));
    assert.deepEqual(cancelLog.statuses, [200]);
    mem.inject(peerResponse(invite, 487, { toTag: 't' }));
    assert.deepEqual(log.statuses, [180, 487]);
    assert.equal(parseMessage(mem.sent[2]!.data).startLine(), 'ACK sip:bob@example.com SIP/2.0');
    assert.equal(tx.cancel(), false, 'nothing left to cancel');
    clock.advance(40_000);
    assertIdle(txl);
  });

  test('cancel() without a final response: the transaction ends 64·T1 after the CANCEL with a timeout', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    const tx = txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    mem.inject(peerResponse(mem.sent[0]!.data, 183, { toTag: 't' }));
    clock.advance(1000);
    tx.cancel();
    clock.advance(31_999);
    assert.equal(tx.state, 'Proceeding');
    clock.advance(1);
    assert.equal(tx.state, 'Terminated');
    assert.equal(log.timeouts, 1);
  });

  test('Timer C (proxy option): fires after the last provisional and cancels the branch', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    txl.sendRequest(ourRequest('INVITE', mem), DEST, log, { timerC: 180_000 });
    mem.inject(peerResponse(mem.sent[0]!.data, 180, { toTag: 't' }));
    clock.advance(100_000);
    mem.inject(peerResponse(mem.sent[0]!.data, 180, { toTag: 't' })); // restarts Timer C
    clock.advance(179_999);
    assert.equal(mem.sent.length, 1);
    clock.advance(1);
    assert.equal(parseMessage(mem.sent[1]!.data).startLine(), 'CANCEL sip:bob@example.com SIP/2.0');
    assert.equal(log.timeouts, 0);
  });

  test('a transport error goes to the TU and ends the transaction', async () => {
    const { mem, txl } = makeStack();
    const log = new ClientLog();
    const { TransportError } = await import('../../../../src/core/index.js');
    mem.failSends = new TransportError('SIP_ERR_CONNECT', 'refused');
    const tx = txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    await Promise.resolve();
    assert.equal(log.errors[0]?.code, 'SIP_ERR_CONNECT');
    assert.equal(tx.state, 'Terminated');
  });

  test('no listener for the destination: reported as a transport error, not thrown', async () => {
    const { mem, txl } = makeStack();
    const log = new ClientLog();
    const tx = txl.sendRequest(ourRequest('OPTIONS', mem), { address: '2001:db8::1', port: 5060 }, log);
    await Promise.resolve();
    assert.equal(log.errors[0]?.code, 'SIP_ERR_NO_TRANSPORT');
    assert.equal(tx.state, 'Terminated');
    assert.equal(txl.stats.clientTransactions, 0);
  });
});

describe('non-INVITE client transaction', () => {
  test('UDP: Timer E doubles up to T2 (0, .5, 1.5, 3.5, 7.5, 11.5 ... 31.5 s); Timer F at 64·T1', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    const tx = txl.sendRequest(ourRequest('REGISTER', mem), DEST, log);
    assert.equal(tx.state, 'Trying');
    clock.advance(32_000);
    assert.deepEqual(
      mem.sent.map((s) => s.at),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    assert.equal(log.timeouts, 1);
    assert.equal(tx.state, 'Terminated');
    assertIdle(txl);
  });

  test('Proceeding: retransmissions continue every T2; a final response ends them; Timer K = T4', () => {
    const { clock, mem, txl } = makeStack();
    const log = new ClientLog();
    const tx = txl.sendRequest(ourRequest('OPTIONS', mem), DEST, log);
    const req = mem.sent[0]!.data;
    clock.advance(1000);
    mem.inject(peerResponse(req, 100));
    assert.equal(tx.state, 'Proceeding');
    clock.advance(9000); // t = 10 s
    assert.deepEqual(
      mem.sent.map((s) => s.at),
      [0, 500, 1500, 5500, 9500],
    );
    mem.inject(peerResponse(req, 200, { toTag: 'x' }));
    assert.equal(tx.state, 'Completed');
    mem.inject(peerResponse(req, 200, { toTag: 'x' }));
    assert.deepEqual(log.statuses, [100, 200], 'the retransmitted 200 is absorbed');
    clock.advance(4999);
    assert.equal(tx.state, 'Completed');
    clock.advance(1);
    assert.equal(tx.state, 'Terminated');
    assert.equal(mem.sent.length, 5);
    assert.equal(log.timeouts, 0);
  });

  test('TCP: no retransmissions, Timer F fires, K = 0', () => {
    const { clock, mem, txl } = makeStack({ protocol: 'TCP' });
    const log = new ClientLog();
    txl.sendRequest(ourRequest('OPTIONS', mem), { ...DEST, protocol: 'TCP' }, log);
    clock.advance(32_000);
    assert.equal(mem.sent.length, 1);
    assert.equal(log.timeouts, 1);
    const tx = txl.sendRequest(ourRequest('OPTIONS', mem), { ...DEST, protocol: 'TCP' }, log);
    mem.inject(peerResponse(mem.sent[1]!.data, 404, { toTag: 'x' }), '198.51.100.7', 5060, 9);
    assert.equal(tx.state, 'Terminated');
    assertIdle(txl);
  });

  test('requests without an RFC 3261 branch, ACKs and duplicate branches are refused', () => {
    const { mem, txl } = makeStack();
    const log = new ClientLog();
    const noBranch = ourRequest('OPTIONS', mem);
    noBranch.set('via', 'SIP/2.0/UDP 192.0.2.1:5060');
    assert.throws(() => txl.sendRequest(noBranch, DEST, log), TypeError);
    assert.throws(() => txl.sendRequest(ourRequest('ACK', mem), DEST, log), TypeError);
    const r = ourRequest('OPTIONS', mem);
    txl.sendRequest(r, DEST, log);
    assert.throws(() => txl.sendRequest(r, DEST, log), TypeError);
  });
});
