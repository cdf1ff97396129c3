/**
 * The latency figures of siptest's summary (stats/summary.ts): meanOf gives exactly what
 * hdr-histogram-js's own `mean` getter gives, on the histograms siptest records (µs, up to a day).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from '../../../src/loadgen/stats/hdr.js';
import { latency, meanOf } from '../../../src/loadgen/stats/summary.js';

const day = () =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 24 * 3600 * 1e6, numberOfSignificantValueDigits: 3 });

test('meanOf equals the histogram mean: empty, one value, spread values, far outliers', () => {
  const h = day();
  assert.equal(meanOf(h), 0);
  h.recordValue(1234);
  assert.equal(meanOf(h), h.mean);
  // A seeded spread over six decades, with repeats, as response times of a long run are.
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 50_000; i++) h.recordValue(1 + (next() % 10 ** (1 + (i % 6))));
  h.recordValue(23 * 3600 * 1e6);
  assert.equal(meanOf(h), h.mean);
  assert.ok(meanOf(h) > 0);
});

test('latency reports count, mean, percentiles and max in ms', () => {
  const h = day();
  for (const us of [1000, 2000, 3000, 4000, 100_000]) h.recordValue(us);
  const l = latency(h);
  assert.equal(l.count, 5);
  assert.equal(l.meanMs, Math.round(h.mean) / 1000);
  assert.ok(l.p50Ms >= 3 && l.p50Ms < 3.005, String(l.p50Ms)); // the bucket's highest equivalent value
  assert.ok(l.maxMs >= 100 && l.maxMs < 100.1);
});
