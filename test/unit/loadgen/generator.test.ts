import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockMs, processStartMs } from '../../../src/loadgen/engine/clock.js';
import { BEHIND_LIMIT_MS, CallGenerator } from '../../../src/loadgen/engine/generator.js';
import { builtinScenario } from '../../../src/loadgen/scenario/builtin.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';
import type { Stats } from '../../../src/loadgen/stats/stats.js';
import { options } from '../../helpers/siptest-harness.js';

/** A generator for the built-in uac scenario on a clock the test sets. */
function generator(argv: string[], behind = { ms: 0 }) {
  const o = options(['127.0.0.1:5070', '-sn', 'uac', ...argv]);
  const ctx = newLoadContext({ keywords: o.keywords, authUser: o.service, defaultPauseMs: o.durationMs });
  const scenario = loadScenario({ text: builtinScenario('uac'), source: 'uac', fileBase: 'uac' }, ctx);
  const clock = { now: 1000 };
  const gen = new CallGenerator(
    o,
    scenario,
    () => clock.now,
    () => behind.ms,
  );
  const counts = { current: 0, totalCreated: 0 };
  const stats = counts as unknown as Stats;
  /** Calls opened at `at` (clock ms). */
  const openAt = (at: number) => {
    clock.now = at;
    let opened = 0;
    gen.generate(at, stats, () => {
      opened++;
      counts.totalCreated++;
      return true;
    });
    return opened;
  };
  return { gen, clock, openAt };
}

test('rate 10: without a start time the first call waits one period from start()', () => {
  const { gen, clock, openAt } = generator(['-r', '10']);
  clock.now = 1000;
  gen.start();
  assert.equal(openAt(1099), 0);
  assert.equal(openAt(1100), 1);
  assert.equal(gen.nextAt(1100), 1200);
});

test('rate 10: counting from an earlier start time (SIPp sets the rate before it opens sockets)', () => {
  const { gen, clock, openAt } = generator(['-r', '10']);
  clock.now = 1040;
  gen.start(1000);
  assert.equal(openAt(1099), 0);
  assert.equal(openAt(1100), 1);
  assert.equal(openAt(1199), 0);
  assert.equal(openAt(1200), 1);
});

test('a set-up longer than a period: one call at once, then the rate, no burst of the missed periods', () => {
  const { gen, clock, openAt } = generator(['-r', '10']);
  clock.now = 1350; // 3.5 periods after the rate was set
  gen.start(1000);
  assert.equal(openAt(1350), 1);
  assert.equal(openAt(1449), 0);
  assert.equal(openAt(1450), 1);
});

test('high rate: no more calls at start than one millisecond holds', () => {
  const { gen, clock, openAt } = generator(['-r', '3000', '-m', '1000']);
  clock.now = 1500;
  gen.start(1000);
  assert.equal(openAt(1500), 3);
});

test('rate 0: start() with an earlier time opens nothing', () => {
  const { gen, clock, openAt } = generator(['-r', '0']);
  clock.now = 1500;
  gen.start(1000);
  assert.equal(openAt(5000), 0);
});

test('processStartMs: the process start on the clock the rate counts with', () => {
  const sinceStart = clockMs() - processStartMs();
  assert.ok(Math.abs(sinceStart - process.uptime() * 1000) <= 2, `${sinceStart} ms vs uptime ${process.uptime()} s`);
  assert.ok(processStartMs() < clockMs());
});

/** Cycles every `stepMs` from `from` to `to` (exclusive): the calls each opened. */
function cycles(openAt: (at: number) => number, from: number, to: number, stepMs: number): number[] {
  const opened: number[] = [];
  for (let at = from; at < to; at += stepMs) opened.push(openAt(at));
  return opened;
}

test('rate 5000, a cycle every ms: five calls in each, none held back by the catch-up pacing', () => {
  const { gen, clock, openAt } = generator(['-r', '5000', '-m', '100000']);
  clock.now = 1000;
  gen.start();
  const opened = cycles(openAt, 1001, 1101, 1);
  assert.deepEqual(new Set(opened), new Set([5]));
  assert.equal(
    opened.reduce((a, b) => a + b, 0),
    500,
  );
});

test('rate 5000, a busy loop (a cycle every 3 ms): the pacing adapts within a few cycles, the rate is kept', () => {
  const { gen, clock, openAt } = generator(['-r', '5000', '-m', '100000']);
  clock.now = 1000;
  gen.start();
  const opened = cycles(openAt, 1003, 1303, 3);
  // The first cycles open a burst of 2 ms (10 calls) while the usual gap grows to 3 ms; the calls
  // held back open in the next ones, then each opens the 15 calls due.
  assert.equal(opened[0], 10);
  assert.deepEqual(new Set(opened.slice(12)), new Set([15]), opened.join(' '));
  assert.equal(
    opened.reduce((a, b) => a + b, 0),
    1500,
  );
});

test('rate 5000, a 20 ms stall: its 100 calls open at twice the rate over the next 20 ms, not in one burst', () => {
  const { gen, clock, openAt } = generator(['-r', '5000', '-m', '100000']);
  clock.now = 1000;
  gen.start();
  let total = cycles(openAt, 1001, 1051, 1).reduce((a, b) => a + b, 0);
  assert.equal(total, 250);
  // The loop is held up from 1050 to 1070 (a garbage collection, say): 100 calls are due at 1070.
  const after = cycles(openAt, 1070, 1100, 1);
  // First the burst (2 ms of the rate), then 10 a ms (twice the rate) until the backlog is made
  // up, then the rate again.
  assert.equal(after[0], 10);
  assert.ok(
    after.every((n) => n <= 10),
    after.join(' '),
  );
  total += after.reduce((a, b) => a + b, 0);
  assert.equal(total, 495, after.join(' ')); // every call due at 1099 is open by then
  assert.deepEqual(after.slice(-5), [5, 5, 5, 5, 5]);
});

test('back-pressure: no call opens while replies wait in the socket; the calls stay due and open at twice the rate after', () => {
  const behind = { ms: 0 };
  const { gen, clock, openAt } = generator(['-r', '5000', '-m', '100000'], behind);
  clock.now = 1000;
  gen.start();
  let total = cycles(openAt, 1001, 1051, 1).reduce((a, b) => a + b, 0);
  assert.equal(total, 250);
  // From 1050 to 1070 the replies being read have waited longer than the limit: the loop keeps
  // turning (a cycle every ms) but opens nothing.
  behind.ms = BEHIND_LIMIT_MS + 1;
  const held = cycles(openAt, 1051, 1071, 1);
  assert.deepEqual(new Set(held), new Set([0]), held.join(' '));
  // Up to the limit is ordinary jitter: calls open.
  behind.ms = BEHIND_LIMIT_MS;
  const after = cycles(openAt, 1071, 1101, 1);
  assert.ok(
    after.every((n) => n <= 10),
    `at most twice the rate while catching up: ${after.join(' ')}`,
  );
  total += after.reduce((a, b) => a + b, 0);
  assert.equal(total, 500, after.join(' ')); // every call due at 1100 is open by then
});

test('the pacing keeps the count: a stall near the end still opens exactly -m calls', () => {
  const { gen, clock, openAt } = generator(['-r', '5000', '-m', '300']);
  clock.now = 1000;
  gen.start();
  let total = cycles(openAt, 1001, 1041, 1).reduce((a, b) => a + b, 0);
  total += cycles(openAt, 1100, 1200, 1).reduce((a, b) => a + b, 0);
  assert.equal(total, 300);
});
