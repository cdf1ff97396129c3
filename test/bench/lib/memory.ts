/**
 * Resident memory of a server's process group, from /proc/<pid>/smaps_rollup, comparable between
 * one process (sipd) and several that share memory (Kamailio's workers all map the same shared
 * memory segment, so summing their RSS would count it once per worker):
 *
 *   group memory = Σ private pages of each process + the largest shared part of any one of them
 *
 * For one process that is exactly its RSS. For Kamailio it counts each worker's private (pkg)
 * memory and the shared memory once, as touched by the worker that touched most of it: a
 * slight underestimate when workers touch different shared pages, never a double count.
 */
import { readFileSync } from 'node:fs';
import { groupPids } from './procs.js';

interface Rollup {
  privateKb: number;
  sharedKb: number;
}

/** The private and shared resident kB in the text of one process's /proc/<pid>/smaps_rollup. */
export function parseSmapsRollup(text: string): Rollup {
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return {
    privateKb: field('Private_Clean') + field('Private_Dirty'),
    sharedKb: field('Shared_Clean') + field('Shared_Dirty'),
  };
}

function rollup(pid: number): Rollup | null {
  try {
    return parseSmapsRollup(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
  } catch {
    return null;
  }
}

/** Group memory in MB (see the header); 0 when the group is gone. */
export function groupMemoryMb(pgid: number): number {
  let priv = 0;
  let shared = 0;
  for (const pid of groupPids(pgid)) {
    const r = rollup(pid);
    if (!r) continue;
    priv += r.privateKb;
    shared = Math.max(shared, r.sharedKb);
  }
  return (priv + shared) / 1024;
}

/** Samples a group's memory every `everyMs` while started; keeps the peak. */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  peakMb = 0;

  constructor(
    private readonly pgid: number,
    private readonly everyMs = 1000,
  ) {}

  /** One sample now (also taken by the timer); returns it. */
  sample(): number {
    const mb = groupMemoryMb(this.pgid);
    if (mb > this.peakMb) this.peakMb = mb;
    return mb;
  }

  start(): void {
    this.timer ??= setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
