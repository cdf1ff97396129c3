import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { IdleCompaction } from '../../../../src/daemon/lifecycle/idle-compaction.js';

/** A compaction driven by hand: each look is `ms` (default 5 s) after the last one. */
function rig() {
  const s = { now: 0, messages: 0, transactions: 0, gcs: 0 };
  const c = new IdleCompaction({
    messagesIn: () => s.messages,
    live: () => s.transactions,
    gc: () => s.gcs++,
    now: () => s.now,
  });
  c.start();
  c.stop(); // checks are made by hand
  const after = (ms: number, messagesPerS: number, transactions: number) => {
    s.now += ms;
    s.messages += (messagesPerS * ms) / 1000;
    s.transactions = transactions;
    c.check();
  };
  const after5s = (messagesPerS: number, transactions: number) => after(5000, messagesPerS, transactions);
  return { s, c, after, after5s };
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

test('fullGc gives back the pages a burst of short-lived objects grew the heap into', () => {
  // In a fresh process (without --expose-gc): 2,000,000 objects, one in twenty kept alive, as a
  // REGISTER burst leaves its bindings among its transactions' garbage.
  const mod = fileURLToPath(new URL('../../../../src/daemon/lifecycle/idle-compaction.js', import.meta.url));
  const script = `
    const { fullGc } = await import(${JSON.stringify(mod)});
    const keep = [];
    let all = [];
    for (let i = 0; i < 2e6; i++) { const o = { a: 'x' + i, b: i, c: [i] }; all.push(o); if (i % 20 === 0) keep.push(o); }
    all = null;
    const before = process.memoryUsage().heapTotal;
    fullGc();
    const u = process.memoryUsage();
    console.log(JSON.stringify({ before, total: u.heapTotal, used: u.heapUsed, kept: keep.length }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout) as { before: number; total: number; used: number; kept: number };
  const MB = 2 ** 20;
  assert.equal(m.kept, 100_000);
  assert.ok(m.before > 200 * MB, `the burst grew the heap (${m.before / MB} MB)`);
  // A plain full collection leaves ~260 MB here (V8 compacts only the pages it picks).
  assert.ok(m.total < m.used + 64 * MB, `heap ${m.total / MB} MB for ${m.used / MB} MB used`);
});

test('a collection when a burst of registrations has expired (no traffic at all)', () => {
  const { s, after5s } = rig();
  after5s(2000, 110_000); // 100,000 registrations and their transactions
  after5s(0, 100_000); // quiet: the burst's compaction
  assert.equal(s.gcs, 1);
  for (let i = 0; i < 12; i++) after5s(0, 100_000); // an hour's registrations stay: nothing to do
  assert.equal(s.gcs, 1);
  after5s(0, 0); // they expired
  after5s(0, 0); // and nothing more is going
  assert.equal(s.gcs, 2);
});

test('after a burst, the second collection waits until its transactions have all ended', () => {
  // Looks every second. 50 s of REGISTERs at 4,000 messages/s; 100,000 bindings
  // stay, and 128,000 transactions (32 s of them) end over the 32 s after the burst.
  const { s, after } = rig();
  for (let t = 0; t < 50; t++) after(1000, 4000, Math.min(t * 2000, 100_000) + Math.min(t * 4000, 128_000));
  assert.equal(s.gcs, 0, 'never during the burst');
  const gcAt: number[] = [];
  for (let t = 1; t <= 60; t++) {
    const lingering = Math.max(0, 128_000 - t * 4000);
    after(1000, 5, 100_000 + lingering);
    if (s.gcs > gcAt.length) gcAt.push(t);
  }
  assert.equal(gcAt[0]! <= 7, true, `the first collection once quiet (at ${gcAt[0]} s)`);
  // The last transactions end at 32 s: the second collection comes then, not while they are ending.
  assert.deepEqual(gcAt.slice(1), [33], `collections at ${gcAt.join(', ')} s`);
});

test('compactWhenQuiet (sipd after loading its tables): one collection at the first quiet look', () => {
  const { s, c, after } = rig();
  c.compactWhenQuiet();
  for (let i = 0; i < 10; i++) after(1000, 300, 50); // traffic from the start: not while it flows
  assert.equal(s.gcs, 0);
  for (let i = 0; i < 6; i++) after(1000, 10, 50);
  assert.equal(s.gcs, 1);
  for (let i = 0; i < 60; i++) after(1000, 10, 50);
  assert.equal(s.gcs, 1, 'once');
});
