/**
 * The task scheduler (SIPp's running list and timer wheel): a task is either running (in the run
 * queue) or paused until its wake time (0 = until a message wakes it). Paused tasks sit in a
 * binary heap; an entry is stale when the task's epoch changed since it was pushed. A stale entry
 * lets go of its task at once: it stays in the heap until its time comes (a call's -recv_timeout
 * entry, 4 s later, say), and holding the ended call until then kept every call of those seconds,
 * with the messages it sent and received, alive into the old generation (at 1,000 calls/s with
 * -recv_timeout 4000: 4,000 ended calls in the heap, 41 MB of heap after 8 s instead of 17).
 */
export interface Task {
  /** Run one step; the task decides whether it stays running or pauses. */
  run(): void;
  /** Absolute wake time in clock ms, 0 for "never" (SIPp's wake()). */
  wake(): number;
  /** Scheduler bookkeeping. */
  sched: TaskState;
}

export interface TaskState {
  running: boolean;
  epoch: number;
  dead: boolean;
  /** The task's valid heap entry, while it is paused with a wake time. */
  entry: Entry | undefined;
}

export const newTaskState = (): TaskState => ({ running: false, epoch: 0, dead: false, entry: undefined });

interface Entry {
  at: number;
  /** undefined once the entry is stale (see detach). */
  task: Task | undefined;
  epoch: number;
}

/** The task's heap entry, if any, becomes stale and no longer holds the task. */
function detach(s: TaskState): void {
  if (s.entry) {
    s.entry.task = undefined;
    s.entry = undefined;
  }
}

export class Scheduler {
  // The run queue is runQueue[0, runN). Its arrays are emptied by clearing slots, not by
  // `length = 0`: that dropped their backing stores, and each cycle's first setRunning() grew one
  // again (a runtime call per array and cycle, a few per call at high rates).
  private runQueue: Array<Task | undefined> = [];
  private runN = 0;
  private spare: Array<Task | undefined> = [];
  /** How many tasks the last takeRunQueue() returned (until requeue()). */
  taken = 0;
  private readonly heap: Entry[] = [];
  pausedCount = 0;
  lastWoken = 0;
  /** Scheduling cycles run so far (SIPp's scheduling_loops, kept cumulative): the screen's resolution. */
  loops = 0;

  setRunning(t: Task): void {
    const s = t.sched;
    if (s.dead || s.running) return;
    s.running = true;
    s.epoch++;
    detach(s);
    this.runQueue[this.runN++] = t;
  }

  setPaused(t: Task): void {
    const s = t.sched;
    if (s.dead) return;
    s.running = false;
    s.epoch++;
    detach(s);
    const at = t.wake();
    if (at > 0) this.push((s.entry = { at, task: t, epoch: s.epoch }));
  }

  /**
   * A task that was set running and then ran and paused (or ended) before the cycle: its entry,
   * the last of the run queue, would only be skipped there. Keeps runningCount exact.
   */
  forgetIfLast(t: Task): void {
    if (this.runN > 0 && this.runQueue[this.runN - 1] === t && !t.sched.running) this.runQueue[--this.runN] = undefined;
  }

  /** Forget a task (ended call). */
  remove(t: Task): void {
    t.sched.dead = true;
    t.sched.running = false;
    t.sched.epoch++;
    detach(t.sched);
  }

  get runningCount(): number {
    return this.runN;
  }

  /** Move paused tasks whose time has come to the run queue. */
  expire(now: number): number {
    let woken = 0;
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const e = this.pop();
      const t = e.task;
      if (!t) continue;
      const s = t.sched;
      if (s.dead || s.running || s.epoch !== e.epoch) continue;
      this.setRunning(t);
      woken++;
    }
    this.lastWoken += woken;
    return woken;
  }

  /**
   * Take the tasks to run this cycle (those added meanwhile run next cycle): the first `taken`
   * slots of the array returned. Two arrays take turns (a new one per cycle was garbage at every
   * datagram): the one returned is valid until the next call, and requeue() empties it.
   */
  takeRunQueue(): Array<Task | undefined> {
    const q = this.runQueue;
    this.taken = this.runN;
    this.runQueue = this.spare;
    this.runN = 0;
    this.spare = q;
    return q;
  }

  /** Put back tasks not run this cycle; the slots let go of their tasks (ended calls). */
  requeue(q: Array<Task | undefined>, from: number): void {
    for (let i = from; i < this.taken; i++) {
      const t = q[i]!;
      if (t.sched.running && !t.sched.dead) this.runQueue[this.runN++] = t;
    }
    for (let i = 0; i < this.taken; i++) q[i] = undefined;
    this.taken = 0;
  }

  /** Earliest valid wake time, or undefined. */
  nextWake(): number | undefined {
    while (this.heap.length > 0) {
      const e = this.heap[0]!;
      const s = e.task?.sched;
      if (s && !s.dead && !s.running && s.epoch === e.epoch) return e.at;
      this.pop();
    }
    return undefined;
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= e.at) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && h[r]!.at < h[l]!.at ? r : l;
        if (h[c]!.at >= last.at) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
