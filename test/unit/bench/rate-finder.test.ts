import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findMaxCleanRate, niceRate, type SearchOptions } from '../../bench/lib/rate-finder.js';

const base: SearchOptions = { start: 500, growth: 2, min: 20, max: 40000, precision: 0.1, maxSteps: 20 };

/** A server that is clean up to `capacity` (inclusive). */
const server = (capacity: number) => async (rate: number) => ({ rate, clean: rate <= capacity });

test('niceRate rounds to integers, tens and fifties', () => {
  assert.equal(niceRate(0.2), 1);
  assert.equal(niceRate(57.4), 57);
  assert.equal(niceRate(456), 460);
  assert.equal(niceRate(5657), 5650);
});

test('grows until a failure, then bisects to the given precision', async () => {
  const r = await findMaxCleanRate(server(5200), base);
  assert.deepEqual(
    r.steps.map((s) => s.rate),
    [500, 1000, 2000, 4000, 8000, 5650, 4750, 5200],
  );
  assert.equal(r.best, 5200);
  assert.equal(r.lowestFailed, 5650);
  assert.equal(r.stoppedBy, 'precision');
  assert.ok(r.lowestFailed / r.best <= 1.1);
  assert.equal(r.bestStep?.rate, 5200);
});

test('shrinks when the first rate already fails', async () => {
  const r = await findMaxCleanRate(server(90), base);
  assert.equal(r.steps[0]!.rate, 500);
  assert.equal(r.steps[1]!.rate, 250);
  assert.ok(r.best <= 90 && r.best >= 90 / 1.1, `best ${r.best}`);
});

test('reports 0 when even the minimum fails', async () => {
  const r = await findMaxCleanRate(server(5), base);
  assert.equal(r.best, 0);
  assert.equal(r.bestStep, undefined);
  assert.equal(r.stoppedBy, 'min');
  assert.equal(r.steps.at(-1)!.rate, 20);
});

test('stops at max when everything is clean', async () => {
  const r = await findMaxCleanRate(server(1e9), { ...base, max: 3000 });
  assert.deepEqual(
    r.steps.map((s) => s.rate),
    [500, 1000, 2000, 3000],
  );
  assert.equal(r.best, 3000);
  assert.equal(r.stoppedBy, 'max');
});

test('a spurious failure caps one search below it (why the bench repeats it in rounds)', async () => {
  // Clean up to 3000, except one unlucky step at 2000: this search never goes above 2000.
  const r = await findMaxCleanRate(async (rate) => ({ rate, clean: rate <= 3000 && rate !== 2000 }), base);
  assert.deepEqual(
    r.steps.map((s) => s.rate),
    [500, 1000, 2000, 1400, 1650, 1800, 1900],
  );
  assert.equal(r.best, 1900);
  assert.equal(r.lowestFailed, 2000);
});

test('honours the step and time budgets', async () => {
  const steps = await findMaxCleanRate(server(1e9), { ...base, maxSteps: 3 });
  assert.equal(steps.steps.length, 3);
  assert.equal(steps.stoppedBy, 'steps');
  let t = 0;
  const timed = await findMaxCleanRate(
    async (rate) => {
      t += 4000;
      return { rate, clean: true };
    },
    { ...base, budgetMs: 10000, now: () => t },
  );
  assert.equal(timed.steps.length, 3);
  assert.equal(timed.stoppedBy, 'budget');
});

test('rejects nonsense options', async () => {
  await assert.rejects(findMaxCleanRate(server(1), { ...base, growth: 1 }), RangeError);
  await assert.rejects(findMaxCleanRate(server(1), { ...base, min: 0 }), RangeError);
});
