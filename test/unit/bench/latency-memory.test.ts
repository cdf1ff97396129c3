import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyOf, parseRttCsv, percentile } from '../../bench/lib/latency.js';
import { parseSmapsRollup } from '../../bench/lib/memory.js';

test("sipp's -trace_rtt file: response time 1 of every row, whole ms", () => {
  // As sipp 3.6.1 writes it (uac-call.xml: rtd="true" on the 200).
  const text = 'Date_ms;response_time_ms;rtd_no\n24.001;0;1\n44.001;12;1\n64.001;3;2\n84.001;7;1\n';
  assert.deepEqual(parseRttCsv(text), [0, 12, 7]);
});

test('nearest-rank percentiles', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([5], 99), 5);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(latencyOf([1, 2, 3, 100]), { samples: 4, p50Ms: 2, p99Ms: 100, maxMs: 100 });
  assert.equal(latencyOf([]), null);
});

test('smaps_rollup: private and shared resident kB', () => {
  const text = [
    '55d0c0a00000-7ffd5e9f5000 ---p 00000000 00:00 0                          [rollup]',
    'Rss:              120000 kB',
    'Pss:               90000 kB',
    'Shared_Clean:      30000 kB',
    'Shared_Dirty:      10000 kB',
    'Private_Clean:      5000 kB',
    'Private_Dirty:     75000 kB',
  ].join('\n');
  assert.deepEqual(parseSmapsRollup(text), { privateKb: 80000, sharedKb: 40000 });
});
