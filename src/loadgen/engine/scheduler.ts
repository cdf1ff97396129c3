/**
 * The task scheduler (SIPp's running list and timer wheel): a task is either running (in the run
 * queue) or paused until its wake time (0 = until a message wakes it). Paused tasks sit in a
 * binary heap; an entry is stale when the task's epoch changed since it was pushed.
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
}

export const newTaskState = (): TaskState => ({ running: false, epoch: 0, dead: false });

interface Entry {
  at: number;
  task: Task;
  epoch: number;
}

export class Scheduler {
  private runQueue: Task[] = [];
  private spare: Task[] = [];
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
    this.runQueue.push(t);
  }

  setPaused(t: Task): void {
    const s = t.sched;
    if (s.dead) return;
    s.running = false;
    s.epoch++;
    const at = t.wake();
    if (at > 0) this.push({ at, task: t, epoch: s.epoch });
  }

  /**
   * A task that was set running and then ran and paused (or ended) before the cycle: its entry,
   * the last of the run queue, would only be skipped there. Keeps runningCount exact.
   */
  forgetIfLast(t: Task): void {
    const q = this.runQueue;
    if (q.length > 0 && q[q.length - 1] === t && !t.sched.running) q.pop();
  }

  /** Forget a task (ended call). */
  remove(t: Task): void {
    t.sched.dead = true;
    t.sched.running = false;
    t.sched.epoch++;
  }

  get runningCount(): number {
    return this.runQueue.length;
  }

  /** Move paused tasks whose time has come to the run queue. */
  expire(now: number): number {
    let woken = 0;
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const e = this.pop();
      const s = e.task.sched;
      if (s.dead || s.running || s.epoch !== e.epoch) continue;
      this.setRunning(e.task);
      woken++;
    }
    this.lastWoken += woken;
    return woken;
  }

  /**
   * Take the tasks to run this cycle (those added meanwhile run next cycle). Two arrays take turns
   * (a new one per cycle was garbage at every datagram): the one returned is valid until the next
   * call, and requeue() empties it.
   */
  takeRunQueue(): Task[] {
    const q = this.runQueue;
    this.runQueue = this.spare;
    this.runQueue.length = 0;
    this.spare = q;
    return q;
  }

  /** Put back tasks not run this cycle. */
  requeue(tasks: Task[], from: number): void {
    for (let i = from; i < tasks.length; i++)
      if (tasks[i]!.sched.running && !tasks[i]!.sched.dead) this.runQueue.push(tasks[i]!);
    tasks.length = 0;
  }

  /** Earliest valid wake time, or undefined. */
  nextWake(): number | undefined {
    while (this.heap.length > 0) {
      const e = this.heap[0]!;
      const s = e.task.sched;
      if (!s.dead && !s.running && s.epoch === e.epoch) return e.at;
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
