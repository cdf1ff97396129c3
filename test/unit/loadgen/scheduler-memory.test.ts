/**
 * An ended call must not stay in memory until the wake time it had when it paused (a -recv_timeout
 * of 4 s kept 4 s worth of calls, and the messages they hold, at any rate).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { newTaskState, Scheduler, type Task } from '../../../src/loadgen/engine/scheduler.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function pausedThenEnded(s: Scheduler, wakeAt: number): WeakRef<Task> {
  const task: Task = { run: () => {}, wake: () => wakeAt, sched: newTaskState() };
  s.setPaused(task);
  s.remove(task);
  return new WeakRef(task);
}

test('an ended task is not held by the heap entry of its old wake time', async () => {
  const s = new Scheduler();
  const ref = pausedThenEnded(s, 4000);
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal(ref.deref(), undefined);
  // The stale entry is still skipped when its time comes.
  assert.equal(s.nextWake(), undefined);
  assert.equal(s.expire(5000), 0);
});

test('a task paused again keeps only its latest entry alive', () => {
  const s = new Scheduler();
  let wakeAt = 100;
  const task: Task = { run: () => {}, wake: () => wakeAt, sched: newTaskState() };
  s.setPaused(task);
  wakeAt = 50;
  s.setPaused(task);
  assert.equal(s.nextWake(), 50);
  assert.equal(s.expire(60), 1);
  assert.equal(task.sched.running, true);
  assert.equal(s.expire(200), 0);
});
