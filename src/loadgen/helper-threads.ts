/**
 * siptest's helper threads yield the CPU to the system under test (issue 15).
 *
 * Besides its main thread, a Node process runs V8's worker threads: optimizing compilation in
 * the background, parallel and concurrent garbage collection. In the first few hundred ms of a
 * run (the JIT compiling the engine) and at every collection they ran beside the main thread, so
 * siptest briefly took both cores of a 2-core machine. A `sipp -sn uas` on the same machine was
 * then kept off the CPU for milliseconds (the scheduler's switch events: preempted by siptest's
 * threads right before each drop), its receive buffer (about 100 datagrams) overflowed, and each
 * lost message came back as a retransmission 500 ms later: a run of N calls at R/s ended long
 * after N/R seconds. With those threads at the lowest priority they still use any idle core, but
 * give way to the peer when both cores are wanted. The main thread keeps its priority; threads
 * started later (-workers engines, libuv's pool) are not touched.
 *
 * Linux only: there /proc/self/task lists the threads and setpriority() on a thread id (which
 * os.setPriority passes through) sets that thread's nice value.
 */
import { readdirSync } from 'node:fs';
import { nodeOs } from '../core/lazy-builtins.js';

/** The nice value of the helper threads during a run: 19, the lowest priority. */
export const HELPER_THREAD_NICE = 19;

/** Lower the priority of the process's threads other than the main one; how many were lowered. */
export function helperThreadsYield(): number {
  if (process.platform !== 'linux') return 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0; // no /proc
  }
  let lowered = 0;
  for (const t of tids) {
    const tid = Number(t);
    if (tid === process.pid) continue;
    try {
      nodeOs().setPriority(tid, HELPER_THREAD_NICE);
      lowered++;
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return lowered;
}
