import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdleCompaction } from '../../../../src/daemon/lifecycle/idle-compaction.js';

/** A compaction driven by hand: every check() is 5 s after the last one. */
function rig() {
  const s = { now: 0, messages: 0, transactions: 0, gcs: 0 };
  const c = new IdleCompaction({
    messagesIn: () => s.messages,
    transactions: () => s.transactions,
    gc: () => s.gcs++,
    now: () => s.now,
  });
  c.start();
  c.stop(); // checks are made by hand
  const after5s = (messagesPerS: number, transactions: number) => {
    s.now += 5000;
    s.messages += messagesPerS * 5;
    s.transactions = transactions;
    c.check();
  };
  return { s, after5s };
}

test('no collection while traffic flows, one when it goes quiet after a burst', () => {
  const { s, after5s } = rig();
  after5s(50, 10); // quiet, no burst yet: nothing to give back
  assert.equal(s.gcs, 0);
  after5s(2000, 60_000);
  after5s(2000, 64_000);
  assert.equal(s.gcs, 0, 'never during the burst');
  after5s(20, 64_000);
  assert.equal(s.gcs, 1, 'quiet after the burst');
  after5s(20, 64_000);
  assert.equal(s.gcs, 1, 'not again for nothing');
});

test("a second collection once the burst's transactions have gone (Timer J)", () => {
  const { s, after5s } = rig();
  after5s(2000, 64_000);
  after5s(10, 64_000);
  assert.equal(s.gcs, 1);
  after5s(10, 20_000); // less than 20 s since the first: not yet
  assert.equal(s.gcs, 1);
  for (let i = 0; i < 4; i++) after5s(10, 30);
  assert.equal(s.gcs, 2);
  for (let i = 0; i < 10; i++) after5s(10, 30);
  assert.equal(s.gcs, 2);
});

test('moderate traffic (between quiet and a burst) neither collects nor counts as a burst', () => {
  const { s, after5s } = rig();
  for (let i = 0; i < 10; i++) after5s(300, 3000);
  after5s(10, 3000);
  assert.equal(s.gcs, 0);
});
