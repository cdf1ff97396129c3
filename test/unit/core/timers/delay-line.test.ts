/**
 * TimerQueue.after(): one-shot timers of a constant delay kept in a FIFO per delay (no Timer
 * object each, issue 14). They fire at their own deadlines, in order, interleaved correctly with
 * other delays and with ordinary timers; they count in `size`; clear() drops them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock, TimerQueue, type TimerTarget } from '../../../../src/core/index.js';

class Log implements TimerTarget {
  fired: Array<[string, number, number]> = [];
  constructor(
    private readonly clock: FakeClock,
    readonly name: string,
    private readonly into: Log['fired'],
  ) {}
  onTimer(kind: number): void {
    this.into.push([this.name, kind, this.clock.now()]);
  }
}

describe('TimerQueue.after (delay lines)', () => {
  test('each entry fires once at its deadline, in order, across delays and ordinary timers', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const fired: Log['fired'] = [];
    const t = (name: string) => new Log(clock, name, fired);
    q.after(1000, t('a'), 3);
    clock.advance(10);
    q.after(1000, t('b'), 3);
    q.after(500, t('c'), 3);
    q.timer(t('d'), 1).start(700);
    assert.equal(q.size, 4);
    clock.advance(995);
    assert.deepEqual(fired, [
      ['c', 3, 510],
      ['d', 1, 710],
      ['a', 3, 1000],
    ]);
    assert.equal(q.size, 1);
    clock.advance(100);
    assert.deepEqual(fired.at(-1), ['b', 3, 1010]);
    assert.equal(q.size, 0);
    assert.equal(fired.length, 4);
  });

  test('thousands of entries (the ring grows) keep their order; clear() drops them', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const fired: Log['fired'] = [];
    for (let i = 0; i < 5000; i++) {
      q.after(32_000, new Log(clock, String(i), fired), 3);
      if (i % 100 === 99) clock.advance(1);
    }
    assert.equal(q.size, 5000);
    clock.advance(32_000 - 25);
    assert.equal(fired.length, 2600);
    assert.deepEqual(
      fired.map((f) => Number(f[0])),
      Array.from({ length: 2600 }, (_, i) => i),
    );
    assert.ok(fired.every(([name, , at]) => at === 32_000 + Math.floor(Number(name) / 100)));
    q.clear();
    assert.equal(q.size, 0);
    clock.advance(100_000);
    assert.equal(fired.length, 2600);
  });

  test('a target that throws does not stall the entries after it', () => {
    const clock = new FakeClock();
    const q = new TimerQueue(clock);
    const fired: Log['fired'] = [];
    q.after(
      100,
      {
        onTimer: () => {
          throw new Error('boom');
        },
      },
      3,
    );
    q.after(100, new Log(clock, 'x', fired), 3);
    assert.throws(() => clock.advance(100), /boom/);
    clock.advance(1);
    assert.deepEqual(fired, [['x', 3, 100]]);
  });
});
