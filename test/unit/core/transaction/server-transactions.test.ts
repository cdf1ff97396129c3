/**
 * INVITE and non-INVITE server transactions (RFC 3261 §17.2) on a fake clock: retransmission
 * absorption, response retransmission when the request is retransmitted (provisional in
 * Proceeding, final in Completed), Timer G/H, ACK absorption (Completed → Confirmed), Timer I/J,
 * RFC 6026 Accepted, automatic 100 Trying, TCP behaviour, and a proxy-like TU that answers 408
 * when its client transaction times out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createAck,
  createResponse,
  parseMessage,
  serialize,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../../../src/core/index.js';
import { assertIdle, makeStack, type Stack } from '../../../helpers/memory-transport.js';
import { ourRequest, peerRequest } from '../../../helpers/sip-builders.js';

/** A stack whose TU creates a server transaction for every new request (except ACK). */
function serverStack(opts: Parameters<typeof makeStack>[0] = {}): Stack & { txs: ServerTransaction[] } {
  const s = makeStack(opts);
  const txs: ServerTransaction[] = [];
  s.tu.handler = (req, source) => {
    if (req.method !== 'ACK') txs.push(s.txl.createServerTransaction(req, source));
  };
  return { ...s, txs };
}

const lines = (s: Stack) => s.mem.sentLines();

describe('INVITE server transaction', () => {
  test('sends 100 Trying itself after 200 ms when the TU is silent; INVITE retransmissions get the latest provisional', () => {
    const s = serverStack();
    const invite = serialize(peerRequest('INVITE'));
    s.mem.inject(invite);
    assert.equal(s.txs.length, 1);
    assert.equal(s.txs[0]!.state, 'Proceeding');
    s.clock.advance(199);
    assert.deepEqual(lines(s), []);
    s.clock.advance(1);
    assert.deepEqual(lines(s), ['SIP/2.0 100 Trying']);
    s.mem.inject(invite); // retransmission: absorbed, the 100 resent
    assert.equal(s.tu.requests.length, 1);
    s.txs[0]!.reply(180);
    s.mem.inject(invite);
    assert.deepEqual(lines(s), [
      'SIP/2.0 100 Trying',
      'SIP/2.0 100 Trying',
      'SIP/2.0 180 Ringing',
      'SIP/2.0 180 Ringing',
    ]);
    const ringing = s.mem.sentMessages()[2] as SipResponse;
    assert.equal(ringing.toTag(), s.txs[0]!.localTag);
    assert.deepEqual([s.mem.sent[2]!.address, s.mem.sent[2]!.port], ['198.51.100.7', 5060]);
  });

  test('no automatic 100 when the TU answers within 200 ms', () => {
    const s = serverStack();
    s.mem.inject(serialize(peerRequest('INVITE')));
    s.clock.advance(50);
    s.txs[0]!.reply(180);
    s.clock.advance(1000);
    assert.deepEqual(lines(s), ['SIP/2.0 180 Ringing']);
  });

  test('non-2xx final on UDP: Timer G resends (doubling to T2), a retransmitted INVITE gets the final, the ACK is absorbed (Completed → Confirmed), Timer I cleans up', () => {
    const s = serverStack();
    const req = peerRequest('INVITE');
    s.mem.inject(serialize(req));
    const tx = s.txs[0]!;
    const res = tx.reply(486);
    assert.equal(tx.state, 'Completed');
    s.clock.advance(8000);
    assert.deepEqual(
      s.mem.sent.map((x) => x.at),
      [0, 500, 1500, 3500, 7500],
    );
    assert.ok(s.mem.sent.every((x) => x.data.equals(s.mem.sent[0]!.data)));
    s.mem.inject(serialize(req)); // INVITE retransmitted
    assert.equal(s.mem.sent.length, 6);
    assert.equal(s.tu.requests.length, 1, 'not passed to the TU');

    s.mem.inject(serialize(createAck(req, res)));
    assert.equal(tx.state, 'Confirmed');
    assert.equal(s.tu.requests.length, 1, 'the ACK is absorbed, not passed to the TU');
    s.clock.advance(4000);
    assert.equal(s.mem.sent.length, 6, 'Timer G stopped');
    s.mem.inject(serialize(createAck(req, res))); // ACK retransmission absorbed too
    assert.equal(s.tu.requests.length, 1);
    s.clock.advance(1000); // Timer I = T4 = 5 s after the ACK
    assert.equal(tx.state, 'Terminated');
    assertIdle(s.txl);
  });

  test('Timer G caps at T2 and Timer H (64·T1) reports the missing ACK', () => {
    const s = serverStack();
    s.mem.inject(serialize(peerRequest('INVITE')));
    const tx = s.txs[0]!;
    let timeouts = 0;
    tx.user = { onTimeout: () => void timeouts++ };
    tx.reply(404);
    s.clock.advance(32_000);
    assert.deepEqual(
      s.mem.sent.map((x) => x.at),
      [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
    );
    assert.equal(timeouts, 1);
    assert.equal(tx.state, 'Terminated');
    assert.equal(s.txl.stats.serverTransactions, 0);
  });

  test('2xx: RFC 6026 Accepted absorbs INVITE retransmissions, passes ACKs and the TU 2xx retransmissions, Timer L ends it', () => {
    const s = serverStack();
    const req = peerRequest('INVITE');
    s.mem.inject(serialize(req));
    const tx = s.txs[0]!;
    const ok = tx.reply(200);
    assert.equal(tx.state, 'Accepted');
    s.mem.inject(serialize(req));
    assert.equal(s.mem.sent.length, 1, 'a retransmitted INVITE is absorbed without resending');
    assert.equal(tx.respond(ok), true, 'the TU retransmits its 2xx through the transaction');
    assert.equal(s.mem.sent.length, 2);
    assert.equal(tx.respond(createResponse(req, 486)), false, 'no non-2xx after a 2xx');
    // An ACK with the INVITE's branch (RFC 2543-style reuse) matches and goes to the TU.
    const ack = parseMessage(serialize(req)) as SipRequest;
    ack.method = 'ACK';
    ack.set('cseq', '1 ACK');
    ack.set('to', `<sip:bob@example.com>;tag=${ok.toTag()}`);
    s.mem.inject(serialize(ack));
    assert.deepEqual(
      s.tu.requests.map((r) => r.method),
      ['INVITE', 'ACK'],
    );
    s.clock.advance(32_000);
    assert.equal(tx.state, 'Terminated');
    assert.equal(s.txl.stats.serverTransactions, 0);
  });

  test('TCP: no Timer G; the ACK ends the transaction at once (I = 0); responses go back on the connection', () => {
    const s = serverStack({ protocol: 'TCP' });
    const req = peerRequest('INVITE', { via: 'SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bKtcp1' });
    s.mem.inject(serialize(req), '198.51.100.7', 40000, 12);
    const tx = s.txs[0]!;
    const res = tx.reply(480);
    s.clock.advance(10_000);
    assert.equal(s.mem.sent.length, 1);
    assert.deepEqual(
      [s.mem.sent[0]!.address, s.mem.sent[0]!.port, s.mem.sent[0]!.connectionId],
      ['198.51.100.7', 40000, 12],
    );
    s.mem.inject(serialize(createAck(req, res)), '198.51.100.7', 40000, 12);
    assert.equal(tx.state, 'Terminated');
    assertIdle(s.txl);
  });
});

describe('non-INVITE server transaction', () => {
  test('Trying absorbs retransmissions; Proceeding resends the provisional; Completed resends the final; Timer J (64·T1) cleans up', () => {
    const s = serverStack();
    const req = serialize(peerRequest('REGISTER'));
    s.mem.inject(req);
    const tx = s.txs[0]!;
    const original = tx.request;
    assert.equal(tx.state, 'Trying');
    s.clock.advance(1000);
    s.mem.inject(req);
    assert.deepEqual(lines(s), [], 'no automatic 100 for non-INVITE; retransmission absorbed');
    tx.reply(100);
    assert.equal(tx.state, 'Proceeding');
    s.mem.inject(req);
    tx.reply(200);
    assert.equal(tx.state, 'Completed');
    s.mem.inject(req);
    s.mem.inject(req);
    assert.deepEqual(lines(s), [
      'SIP/2.0 100 Trying',
      'SIP/2.0 100 Trying',
      'SIP/2.0 200 OK',
      'SIP/2.0 200 OK',
      'SIP/2.0 200 OK',
    ]);
    assert.equal(s.tu.requests.length, 1);
    assert.equal(tx.respond(createResponse(original, 500)), false, 'one final response only');
    assert.throws(() => tx.request, /released/, 'a completed transaction lets go of its request');
    s.clock.advance(31_999);
    assert.equal(tx.state, 'Completed');
    s.clock.advance(1);
    assert.equal(tx.state, 'Terminated');
    assertIdle(s.txl);
    s.mem.inject(req); // after Timer J the request is new again
    assert.equal(s.tu.requests.length, 2);
  });

  test('wait (Kamailio wt_timer) caps Timer J: the transaction ends after it, the request is new again', () => {
    const s = serverStack({ settings: { wait: 5000 } });
    const req = serialize(peerRequest('BYE'));
    s.mem.inject(req);
    const tx = s.txs[0]!;
    tx.reply(200);
    s.clock.advance(4999);
    s.mem.inject(req);
    assert.deepEqual(lines(s), ['SIP/2.0 200 OK', 'SIP/2.0 200 OK'], 'absorbed and answered within the wait');
    assert.equal(s.tu.requests.length, 1);
    s.clock.advance(1);
    assert.equal(tx.state, 'Terminated');
    assertIdle(s.txl);
    s.mem.inject(req);
    assert.equal(s.tu.requests.length, 2, 'after the wait, a retransmission reaches the TU as a new request');
  });

  test('TCP: Timer J is zero', () => {
    const s = serverStack({ protocol: 'TCP' });
    s.mem.inject(
      serialize(peerRequest('OPTIONS', { via: 'SIP/2.0/TCP 198.51.100.7;branch=z9hG4bKt' })),
      '198.51.100.7',
      5060,
      3,
    );
    s.txs[0]!.reply(200);
    assert.equal(s.txs[0]!.state, 'Terminated');
    assert.equal(s.txl.stats.serverTransactions, 0);
  });
});

describe('a proxy-like TU', () => {
  test('Timer B on the forwarded INVITE is reported and the TU answers 408 upstream', () => {
    const s = makeStack();
    let upstream: ServerTransaction | undefined;
    s.tu.handler = (req, source) => {
      upstream = s.txl.createServerTransaction(req, source);
      const fwd = ourRequest('INVITE', s.mem);
      s.txl.sendRequest(
        fwd,
        { address: '203.0.113.50', port: 5060 },
        {
          onResponse: () => {},
          onTimeout: () => void upstream!.reply(408),
          onTransportError: () => void upstream!.reply(503),
        },
      );
    };
    s.mem.inject(
      serialize(peerRequest('INVITE', { via: 'SIP/2.0/UDP client.example.com;rport;branch=z9hG4bKup1' })),
      '198.51.100.7',
      40001,
    );
    s.clock.advance(32_000);
    const toUpstream = s.mem.sent.filter((x) => x.address === '198.51.100.7');
    const statuses = toUpstream.map((x) => (parseMessage(x.data) as SipResponse).status);
    assert.deepEqual(statuses, [100, 408]);
    // received/rport routing: the responses go to the source address and port, not to client.example.com:5060
    assert.ok(toUpstream.every((x) => x.port === 40001));
    const r408 = parseMessage(toUpstream[1]!.data) as SipResponse;
    assert.equal(r408.topVia()!.params.get('received'), '198.51.100.7');
    assert.equal(r408.topVia()!.params.get('rport'), '40001');
    assert.equal(s.txl.stats.clientTransactions, 0);
  });
});
