import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MgmtClient } from '../../../src/mgmt/client.js';
import { formatDuration, sampleLine, samples, takeSample } from '../../../src/ctl/monitor.js';

/** A management client answering core.uptime and stats.fetch from a script of values. */
function fakeClient(values: Array<Record<string, number>>): MgmtClient {
  let i = 0;
  return {
    call: async (method: string) => {
      if (method === 'core.uptime') return { now_ms: 1_700_000_000_000 + i * 1000, uptime: 10 + i };
      return values[Math.min(i++, values.length - 1)];
    },
  } as unknown as MgmtClient;
}

test('rates per second for counters only, from the second sample on; unknown statistics left out', async () => {
  const c = fakeClient([
    { 'core.rcv_requests': 10, 'tm.current': 3, 'usrloc.registered_users': 1, 'other.thing': 5 },
    { 'core.rcv_requests': 30, 'tm.current': 1, 'usrloc.registered_users': 2 },
  ]);
  const first = await takeSample(c);
  assert.deepEqual(first.sample.stats, { 'core.rcv_requests': 10, 'tm.current': 3, 'usrloc.registered_users': 1 });
  assert.deepEqual(first.sample.rates, {});
  const second = await takeSample(c, { sample: first.sample, at: first.at - 2000 });
  assert.ok(Math.abs(second.sample.rates['core.rcv_requests'] - 10) < 0.2, JSON.stringify(second.sample.rates));
  assert.deepEqual(Object.keys(second.sample.rates), ['core.rcv_requests'], 'gauges have no rate');
  assert.equal(second.sample.uptime, 11);
});

test('samples() stops after count, and at once when aborted', async () => {
  const got = [];
  for await (const s of samples(fakeClient([{ 'core.rcv_requests': 1 }]), { intervalMs: 1, count: 3 })) got.push(s);
  assert.equal(got.length, 3);
  const ac = new AbortController();
  const t0 = Date.now();
  let n = 0;
  for await (const _s of samples(fakeClient([{ 'core.rcv_requests': 1 }]), { intervalMs: 60_000, signal: ac.signal })) {
    n++;
    ac.abort();
  }
  assert.equal(n, 1);
  assert.ok(Date.now() - t0 < 5000, 'the abort cut the 60 s wait short');
});

test('sample lines and durations', () => {
  assert.equal(
    sampleLine({
      time: '2024-01-01T00:00:00.000Z',
      uptime: 5,
      stats: { 'core.rcv_requests': 7, 'tm.current': 1 },
      rates: { 'core.rcv_requests': 2.5 },
    }),
    '2024-01-01T00:00:00.000Z uptime=5 core.rcv_requests=7(+2.5/s) tm.current=1',
  );
  assert.equal(formatDuration(5), '5s');
  assert.equal(formatDuration(125), '2m 5s');
  assert.equal(formatDuration(3 * 3600 + 61), '3h 1m 1s');
  assert.equal(formatDuration(2 * 86400 + 3600), '2d 1h 0m 0s');
});
