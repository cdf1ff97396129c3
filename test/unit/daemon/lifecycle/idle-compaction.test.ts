import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { IdleCompaction } from '../../../../src/daemon/lifecycle/idle-compaction.js';

/** A compaction driven by hand: every check() is 5 s after the last one. */
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
  assert.equal(s.gcs, 2);
});
