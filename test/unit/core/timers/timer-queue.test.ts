/**
 * The timer facility: deadlines fire in order on a fake clock, re-arming and cancelling work,
 * and however many timers are pending there is one clock wake-up (one Node timer with the
 * system clock).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, SystemClock, TimerQueue, type Timer, type TimerTarget } from '../../../../src/core/index.js';

class Log implements TimerTarget {
  fired: Array<[number, number]> = [];
  constructor(private readonly clock: FakeClock) {}
  onTimer(kind: number): void {
    this.fired.push([kind, this.clock.now()]);
  }
}

describe('TimerQueue on a FakeClock', () => {
  test('fires timers in deadline order, each at its own deadline', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const log = new Log(clock);
    q.timer(log, 3).start(300);
    q.timer(log, 1).start(100);
    q.timer(log, 2).start(200);
    clock.advance(150);
    assert.deepEqual(log.fired, [[1, 100]]);
    clock.advance(1000);
    assert.deepEqual(log.fired, [
      [1, 100],
      [2, 200],
      [3, 300],
    ]);
    assert.equal(q.size, 0);
    assert.equal(clock.now(), 1150);
  });

  test('equal deadlines fire first-in first-out', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const log = new Log(clock);
    for (let k = 0; k < 10; k++) q.timer(log, k).start(50);
    clock.advance(50);
    assert.deepEqual(
      log.fired.map((f) => f[0]),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  test('stop() cancels, start() on an armed timer moves it', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const log = new Log(clock);
    const a = q.timer(log, 1);
    const b = q.timer(log, 2);
    a.start(100);
    b.start(100);
    b.stop();
    a.start(500); // moved later
    assert.equal(a.armed, true);
    assert.equal(b.armed, false);
    assert.equal(a.remaining(), 500);
    clock.advance(499);
    assert.deepEqual(log.fired, []);
    clock.advance(1);
    assert.deepEqual(log.fired, [[1, 500]]);
    assert.equal(a.armed, false);
  });

  test('a callback may re-arm its own timer (doubling schedule)', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const times: number[] = [];
    const target: TimerTarget = {
      onTimer(_k: number, t: Timer) {
        times.push(clock.now());
        if (t.interval < 4000) t.start(t.interval * 2);
      },
    };
    q.timer(target, 0).start(500);
    clock.advance(60_000);
    assert.deepEqual(times, [500, 1500, 3500, 7500]);
  });

  test('random schedules and cancellations fire exactly the live timers, in order', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 1000;
    const fired: number[] = [];
    const expected = new Map<number, number>();
    const timers: Timer[] = [];
    const target: TimerTarget = { onTimer: (k) => void fired.push(k) };
    for (let k = 0; k < 2000; k++) {
      const t = q.timer(target, k);
      const d = Math.floor(rnd());
      t.start(d);
      expected.set(k, d);
      timers.push(t);
    }
    for (let k = 0; k < 2000; k += 3) {
      timers[k]!.stop();
      expected.delete(k);
    }
    for (let k = 1; k < 2000; k += 7) {
      const d = Math.floor(rnd());
      timers[k]!.start(d);
      expected.set(k, d);
    }
    assert.equal(q.size, expected.size);
    clock.advance(1000);
    assert.equal(fired.length, expected.size);
    const deadlines = fired.map((k) => expected.get(k)!);
    for (let i = 1; i < deadlines.length; i++) assert.ok(deadlines[i - 1]! <= deadlines[i]!, 'deadline order');
  });

  test('20,000 pending timers use one clock wake-up', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const log = new Log(clock);
    for (let k = 0; k < 20_000; k++) q.timer(log, k).start(1000 + (k % 977));
    assert.equal(q.size, 20_000);
    assert.equal(clock.pendingWakeups, 1);
    clock.advance(1500);
    assert.equal(clock.pendingWakeups, 1);
    clock.advance(1000);
    assert.equal(log.fired.length, 20_000);
    assert.equal(clock.pendingWakeups, 0);
  });

  test('clear() drops everything', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const log = new Log(clock);
    q.timer(log, 1).start(10);
    q.clear();
    clock.advance(100);
    assert.deepEqual(log.fired, []);
    assert.equal(clock.pendingWakeups, 0);
  });

  test('a throwing target does not stall the other timers', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const log = new Log(clock);
    q.timer(
      {
        onTimer() {
          throw new Error('boom');
        },
      },
      0,
    ).start(10);
    q.timer(log, 1).start(20);
    assert.throws(() => clock.advance(15), /boom/);
    clock.advance(10);
    assert.deepEqual(log.fired, [[1, 20]]);
  });
});

describe('TimerQueue on the system clock', () => {
  const nodeTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  test('20,000 pending timers hold a single Node timer, and fire for real', async () => {
    const q = new TimerQueue(new SystemClock({ unref: false }));
    const before = nodeTimers();
    let fired = 0;
    const target: TimerTarget = { onTimer: () => void fired++ };
    for (let k = 0; k < 20_000; k++) q.timer(target, k).start(60_000 + k);
    q.timer(target, -1).start(5);
    assert.equal(nodeTimers() - before, 1);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(fired, 1);
    assert.equal(q.size, 20_000);
    assert.equal(nodeTimers() - before, 1);
    q.clear();
    assert.equal(nodeTimers() - before, 0);
  });
});

describe('TimerQueue with coalesceMs', () => {
  test('timers due within one grid step share one wake-up, fired at the grid point, never early', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock, { coalesceMs: 5 });
    const log = new Log(clock);
    q.timer(log, 1).start(101);
    q.timer(log, 2).start(102);
    q.timer(log, 3).start(104);
    q.timer(log, 4).start(106);
    // One wake-up for all of them, at 105 (the grid point after 101).
    assert.equal(clock.pendingWakeups, 1);
    clock.advance(104);
    assert.deepEqual(log.fired, []);
    clock.advance(1);
    assert.deepEqual(log.fired, [
      [1, 105],
      [2, 105],
      [3, 105],
    ]);
    // The next wake-up is the grid point after 106.
    clock.advance(4);
    assert.deepEqual(log.fired.length, 3);
    clock.advance(1);
    assert.deepEqual(log.fired[3], [4, 110]);
  });

  test('an earlier deadline on another grid point moves the wake-up; one on the same does not', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock, { coalesceMs: 10 });
    const log = new Log(clock);
    q.timer(log, 1).start(58);
    q.timer(log, 2).start(52);
    assert.equal(clock.pendingWakeups, 1);
    q.timer(log, 3).start(41);
    assert.equal(clock.pendingWakeups, 1);
    clock.advance(49);
    assert.deepEqual(log.fired, []);
    clock.advance(1);
    assert.deepEqual(log.fired, [[3, 50]]);
    clock.advance(10);
    assert.deepEqual(log.fired, [
      [3, 50],
      [2, 60],
      [1, 60],
    ]);
  });

  test('rejects a negative grid', () => {
    assert.throws(() => new TimerQueue(new FakeClock(), { coalesceMs: -1 }), RangeError);
  });
});
