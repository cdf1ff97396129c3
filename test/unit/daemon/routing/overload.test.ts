import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OverloadGuard } from '../../../../src/daemon/routing/overload.js';
import { StatsRegistry } from '../../../../src/daemon/stats.js';

function guard(delayMs: number, backlog = { ms: 0 }) {
  let now = 1000;
  const stats = new StatsRegistry();
  const g = new OverloadGuard({
    limitMs: delayMs,
    backlogMs: () => backlog.ms,
    stalls: stats.counter('core', 'loop_stalls'),
    lag: stats.gauge('core', 'loop_lag_ms'),
    now: () => now,
  });
  // The guard expects its 10 ms tick: sample(t) says the tick fired at t.
  const tickAt = (t: number) => {
    now = t;
    g.sample(t);
  };
  return { g, stats, tickAt, setNow: (t: number) => (now = t), backlog };
}

test('a loop stall is counted, but is not overload by itself', () => {
  const { g, stats, tickAt } = guard(200);
  tickAt(1000); // the first tick starts the clock: the next is expected at 1010
  tickAt(1150); // 140 ms late: under the limit
  tickAt(1160 + 250); // 250 ms late
  assert.equal(stats.counter('core', 'loop_stalls').value, 1);
  assert.equal(g.overloaded(), false);
});

test('a UDP backlog longer than the limit is overload', () => {
  const { g, backlog } = guard(200);
  backlog.ms = 150;
  assert.equal(g.overloaded(), false);
  backlog.ms = 201;
  assert.equal(g.overloaded(), true);
  backlog.ms = 0;
  assert.equal(g.overloaded(), false);
});

test('a limit of 0 turns the control off; stalls over 100 ms are still counted', () => {
  const { g, stats, tickAt, backlog } = guard(0);
  backlog.ms = 10_000;
  tickAt(1000);
  tickAt(1010 + 90); // 90 ms late: not a stall
  tickAt(1110 + 150); // 150 ms late
  assert.equal(g.enabled, false);
  assert.equal(g.overloaded(), false);
  assert.equal(stats.counter('core', 'loop_stalls').value, 1);
});

test('loop_lag_ms is the worst delay of the last second', () => {
  const { stats, tickAt } = guard(500);
  const lag = stats.gauge('core', 'loop_lag_ms');
  let t = 1000;
  tickAt(t);
  for (let i = 0; i < 100; i++) tickAt((t += i === 50 ? 50 : 10)); // one tick 40 ms late
  assert.equal(lag.get(), 40);
  for (let i = 0; i < 100; i++) tickAt((t += 10));
  assert.equal(lag.get(), 0);
});
