import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDLE_TICK_MS, MIN_SHARE, OverloadGuard, TICK_MS } from '../../../../src/daemon/routing/overload.js';
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

/** How many of `n` new requests without credentials the guard admits now. */
function admittedOf(g: OverloadGuard, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (!g.overloaded()) ok++;
  return ok;
}

test('a UDP backlog longer than the limit shrinks the share of new requests admitted, evenly spread', () => {
  const { g, backlog } = guard(100);
  backlog.ms = 90; // behind, under the limit: every request admitted
  g.adjust();
  assert.equal(admittedOf(g, 100), 100);
  backlog.ms = 150;
  g.adjust(); // one tick over the limit: 90 % admitted
  assert.equal(g.admitted, 0.9);
  const share = admittedOf(g, 100);
  assert.ok(share >= 89 && share <= 91, `${share} of 100 admitted`);
  for (let i = 0; i < 12; i++) g.adjust(); // 130 ms behind: about a quarter
  assert.ok(g.admitted < 0.26 && g.admitted > 0.24, String(g.admitted));
  const ok = admittedOf(g, 1000);
  assert.ok(ok >= 240 && ok <= 260, `${ok} of 1000 admitted`);
});

test('the share grows back while the socket keeps up, and holds while it is behind under the limit', () => {
  const { g, backlog } = guard(100);
  backlog.ms = 500;
  for (let i = 0; i < 30; i++) g.adjust();
  const low = g.admitted;
  backlog.ms = 50; // still behind, under the limit: neither more nor less
  g.adjust();
  assert.equal(g.admitted, low);
  backlog.ms = 0;
  for (let i = 0; i < 20; i++) g.adjust(); // 200 ms caught up: all again
  assert.equal(g.admitted, 1);
  assert.equal(admittedOf(g, 50), 50);
});

test('a backlog whose requests wait less than the limit and that does not overflow refuses nothing', () => {
  const state = { backlog: 0, overflow: 0, wait: 0 };
  const g = new OverloadGuard({
    limitMs: 200,
    backlogMs: () => state.backlog,
    overflowMs: () => state.overflow,
    waitMs: () => state.wait,
  });
  // Behind for 600 ms (every read a full batch), the head of the queue 50-150 ms old, nothing
  // dropped: a queue draining after a pause.
  state.backlog = 600;
  state.wait = 150;
  for (let i = 0; i < 60; i++) g.adjust();
  assert.equal(g.admitted, 1);
  assert.equal(admittedOf(g, 100), 100);
  state.overflow = 600; // the kernel drops datagrams too: that is overload
  g.adjust();
  assert.equal(g.admitted, 0.9);
  state.overflow = 150; // dropping, but behind less than the limit: the share holds
  g.adjust();
  assert.equal(g.admitted, 0.9);
  state.overflow = 0; // no longer dropping, but requests wait over half the limit: it holds
  g.adjust();
  assert.equal(g.admitted, 0.9);
  state.wait = 80; // waits under half the limit, no drops: it grows back (still behind)
  g.adjust();
  assert.ok(Math.abs(g.admitted - 0.95) < 1e-9, String(g.admitted));
  state.wait = 250; // requests wait longer than the limit, though nothing is dropped: shed
  g.adjust();
  assert.ok(Math.abs(g.admitted - 0.855) < 1e-9, String(g.admitted));
  // A tick 250 ms late (a stall) shrinks the share as five ticks would, not twenty-five.
  g.adjust(250);
  assert.ok(Math.abs(g.admitted - 0.855 * 0.9 ** 5) < 1e-9, String(g.admitted));
});

test('a request answering a challenge is never refused; the share stops at MIN_SHARE', () => {
  const { g, backlog } = guard(100);
  let asked = 0;
  const credentials = () => (asked++, true);
  assert.equal(g.overloaded(credentials), false);
  assert.equal(asked, 0, 'the request is not looked at while sipd admits everything');
  backlog.ms = 10_000;
  for (let i = 0; i < 100; i++) g.adjust();
  assert.equal(g.admitted, MIN_SHARE);
  assert.equal(g.overloaded(credentials), false);
  assert.equal(asked, 1);
  assert.equal(admittedOf(g, 100), 100 * MIN_SHARE);
});

test('a limit of 0 turns the control off; stalls over 100 ms are still counted', () => {
  const { g, stats, tickAt, backlog } = guard(0);
  backlog.ms = 10_000;
  g.adjust();
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

test('the probe slows to IDLE_TICK_MS while nothing arrives, and a new request wakes it at once', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 1000;
  let received = 0;
  const ticks: number[] = [];
  const g = new OverloadGuard({
    limitMs: 200,
    backlogMs: () => 0,
    activity: () => received,
    now: () => (ticks.push(now), now),
  });
  const advance = (ms: number) => {
    for (let i = 0; i < ms; i++) {
      now += 1;
      t.mock.timers.tick(1);
    }
  };
  try {
    g.start();
    received++;
    advance(100); // traffic in the first tick, then none: 10 ms, then IDLE_TICK_MS
    const idleStart = ticks.length;
    advance(1000);
    assert.equal(ticks.length - idleStart, 1000 / IDLE_TICK_MS);
    // A new request: a tick at once (the lag clock restarts), then TICK_MS while traffic flows.
    assert.equal(g.overloaded(), false);
    assert.equal(ticks.length - idleStart, 1000 / IDLE_TICK_MS + 1);
    const busyStart = ticks.length;
    for (let i = 0; i < 10; i++) {
      received++;
      advance(TICK_MS);
    }
    assert.equal(ticks.length - busyStart, 10);
  } finally {
    g.stop();
  }
});

test('the probe stays at TICK_MS while requests are refused, even with no new message', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 1000;
  const backlog = { ms: 1000 };
  let ticks = 0;
  const g = new OverloadGuard({
    limitMs: 100,
    backlogMs: () => backlog.ms,
    activity: () => 0,
    now: () => (ticks++, now),
  });
  try {
    g.start();
    for (let i = 0; i < 200; i++) {
      now += 1;
      t.mock.timers.tick(1);
    }
    assert.ok(g.admitted < 1);
    assert.equal(ticks, 1 + 200 / TICK_MS);
  } finally {
    g.stop();
  }
});
