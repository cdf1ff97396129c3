/**
 * Tens of thousands of pending transactions do not mean tens of thousands of Node timers: the
 * layer's single timer queue holds one wake-up, on the fake clock and on the system clock.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SystemClock, TransactionLayer, TransportLayer } from '../../../../src/core/index.js';
import { assertIdle, makeStack, MemoryTransport, RecordingTu } from '../../../helpers/memory-transport.js';
import { ClientLog, ourRequest } from '../../../helpers/sip-builders.js';

const N = 20_000;
const DEST = { address: '198.51.100.7', port: 5060 };

describe('timer load', () => {
  test(`${N} pending client transactions on the fake clock: one clock wake-up, then all time out and leave the tables`, () => {
    const s = makeStack();
    const log = new ClientLog();
    for (let i = 0; i < N; i++) s.txl.sendRequest(ourRequest('OPTIONS', s.mem), DEST, log);
    assert.equal(s.txl.stats.clientTransactions, N);
    assert.equal(s.txl.stats.timers, 2 * N, 'Timer E and Timer F per transaction');
    assert.equal(s.clock.pendingWakeups, 1);
    s.clock.advance(32_000);
    assert.equal(log.timeouts, N);
    assert.equal(s.mem.sent.length, 11 * N);
    assertIdle(s.txl);
  });

  test(`${N} pending client transactions on the system clock hold at most one Node timer`, () => {
    const nodeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = nodeTimers();
    const transport = new TransportLayer();
    const mem = transport.add(new MemoryTransport());
    const txl = new TransactionLayer({ transport, user: new RecordingTu(), clock: new SystemClock() });
    const log = new ClientLog();
    for (let i = 0; i < N; i++) txl.sendRequest(ourRequest('INVITE', mem), DEST, log);
    assert.equal(txl.stats.timers, 2 * N);
    assert.ok(nodeTimers() - before <= 1, `${nodeTimers() - before} Node timers for ${N} transactions`);
    txl.close();
    assert.equal(txl.stats.timers, 0);
    assert.equal(nodeTimers() - before, 0);
  });
});
