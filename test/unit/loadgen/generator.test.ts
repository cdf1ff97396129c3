import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockMs, processStartMs } from '../../../src/loadgen/engine/clock.js';
import { CallGenerator } from '../../../src/loadgen/engine/generator.js';
import { builtinScenario } from '../../../src/loadgen/scenario/builtin.js';
import { loadScenario, newLoadContext } from '../../../src/loadgen/scenario/loader.js';
import type { Stats } from '../../../src/loadgen/stats/stats.js';
import { options } from '../../helpers/siptest-harness.js';

/** A generator for the built-in uac scenario on a clock the test sets. */
function generator(argv: string[]) {
  const o = options(['127.0.0.1:5070', '-sn', 'uac', ...argv]);
  const ctx = newLoadContext({ keywords: o.keywords, authUser: o.service, defaultPauseMs: o.durationMs });
  const scenario = loadScenario({ text: builtinScenario('uac'), source: 'uac', fileBase: 'uac' }, ctx);
  const clock = { now: 1000 };
  const gen = new CallGenerator(o, scenario, () => clock.now);
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
