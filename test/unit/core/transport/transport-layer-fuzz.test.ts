/**
 * Bad input never escapes: thousands of random and mutated datagrams (torture messages among
 * the seeds) through TransportLayer + TransactionLayer each yield exactly one event (a message
 * or a parse error) and no exception; a TU that answers everything still works afterwards.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createResponse, StreamFramer, type SipRequest } from '../../../../src/core/index.js';
import { corpus, mutate, prng } from '../../../helpers/fuzz.js';
import { makeStack } from '../../../helpers/memory-transport.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);

describe(`transport-layer fuzz (seed ${SEED})`, () => {
  test('3000 datagrams: one event each, never a throw; answers go out; normal traffic afterwards', () => {
    const s = makeStack();
    const rnd = prng(SEED);
    const seeds = corpus();
    let requests = 0;
    let responses = 0;
    s.tu.handler = (req, source) => {
      requests++;
      if (req.method === 'ACK') return;
      try {
        s.txl.createServerTransaction(req, source).reply(req.method === 'INVITE' ? 486 : 200);
      } catch (e) {
        assert.fail(`a delivered request could not be answered: ${String(e)}`);
      }
    };
    s.txl.user.onStrayResponse = () => void responses++;
    for (let i = 0; i < 3000; i++) {
      const before = requests + responses + s.tu.parseErrors.length + s.txl.stats.requestsMatched;
      s.mem.inject(mutate(seeds, rnd), '198.51.100.7', 1024 + rnd(60000));
      const after = requests + responses + s.tu.parseErrors.length + s.txl.stats.requestsMatched;
      assert.equal(after - before, 1, `datagram ${i} gave ${after - before} events`);
    }
    // Parse errors carry a status a server can send and a printable reason.
    for (const { err } of s.tu.parseErrors) {
      assert.ok([400, 505, 513].includes(err.status), `status ${err.status}`);
      assert.match(err.reason, /^[\x20-\x7e]+$/);
    }
    // Requests whose mutated Via names another transport are answered over the arrival's (UDP),
    // so their transactions live on and later mutants with the same branch match them.
    assert.ok(
      requests + s.txl.stats.requestsMatched > 100 && s.tu.parseErrors.length > 100,
      `${requests} requests, ${s.tu.parseErrors.length} errors, ${s.txl.stats.requestsMatched} matched, ${responses} responses`,
    );
    s.clock.advance(64_000);
    assert.equal(s.txl.stats.serverTransactions, 0);

    s.mem.clear();
    s.mem.inject(seeds[0]!, '192.0.2.1', 5060);
    assert.deepEqual(s.mem.sentLines(), ['SIP/2.0 200 OK']);
  });

  test('400 streams of mutated messages in random chunks: frames or one fatal error, bounded buffer', () => {
    const rnd = prng(SEED + 1);
    const seeds = corpus();
    const limits = { maxMessageSize: 8192, maxHeaderSize: 2048 };
    for (let k = 0; k < 400; k++) {
      let errors = 0;
      const f = new StreamFramer(limits, {
        onFrame: () => {},
        onPing: () => {},
        onPong: () => {},
        onFramingError: () => void errors++,
      });
      let stream = Buffer.concat(Array.from({ length: 1 + rnd(5) }, () => mutate(seeds, rnd)));
      while (stream.length > 0) {
        const n = 1 + rnd(700);
        const ok = f.push(stream.subarray(0, n));
        stream = stream.subarray(n);
        assert.ok(f.buffered <= limits.maxMessageSize + 700);
        if (!ok) break;
      }
      assert.ok(errors <= 1);
    }
  });

  test('a 400 can be built for every parse error that came with a parsed request', () => {
    const s = makeStack();
    const rnd = prng(SEED + 2);
    const seeds = corpus();
    let built = 0;
    for (let i = 0; i < 1500; i++) s.mem.inject(mutate(seeds, rnd));
    for (const { err, msg } of s.tu.parseErrors) {
      if (!msg?.isRequest) continue;
      try {
        createResponse(msg as SipRequest, err.status, err.reason);
        built++;
      } catch {
        // a request whose Via/From/To/Call-ID/CSeq cannot be copied is dropped (RFC 3261 §18.2.1)
      }
    }
    assert.ok(built > 0);
  });
});
