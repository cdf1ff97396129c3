import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { HELPER_THREAD_NICE, helperThreadsYield } from '../../../src/loadgen/helper-threads.js';

/** A thread's nice value: field 19 of /proc/self/task/<tid>/stat (after the parenthesised name). */
function niceOf(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[16]); // field 19 counted from the pid; the rest starts at field 3
}

test(
  "helper threads (V8's compiler and GC workers) get the lowest priority, the main thread keeps its own",
  { skip: process.platform !== 'linux' && 'Linux only (/proc/self/task)' },
  () => {
    const main = String(process.pid);
    const before = niceOf(main);
    const others = readdirSync('/proc/self/task').filter((t) => t !== main);
    assert.ok(others.length >= 1, 'a Node process has V8 worker threads');
    assert.ok(helperThreadsYield() >= others.length);
    for (const t of others) assert.equal(niceOf(t), HELPER_THREAD_NICE, `thread ${t}`);
    assert.equal(niceOf(main), before);
  },
);
