/**
 * core.memory: what this sipd process holds, in bytes, as Node reports it (process.memoryUsage):
 * the resident set (rss), V8's heap (heap_total: pages V8 has, heap_used: live objects and not
 * yet collected garbage), memory outside the heap that JS objects own (external, of which
 * array_buffers: Buffers). Kamailio's answer to the same question is core.shmmem; sipd has no
 * shared memory pool, so the figures are Node's own.
 *
 * With gc=true a full garbage collection runs first, when sipd was started with
 * `node --expose-gc` (an operator or a test asking "what is really live?"); without that flag
 * the figures are read as they are and `gc` says false. RSS is what the operating system counts;
 * heap_used after a GC is what sipd's data needs; the difference is what V8 and the allocator
 * keep for reuse.
 */
export interface MemoryRow {
  PID: number;
  rss: number;
  heap_total: number;
  heap_used: number;
  external: number;
  array_buffers: number;
  /** a full GC ran before the figures were read */
  gc: boolean;
}

/** This process's figures, after a full GC when asked for and possible (see the header). */
export function memoryRow(collect: boolean): MemoryRow {
  const gc = (globalThis as { gc?: () => void }).gc;
  const collected = collect && typeof gc === 'function';
  if (collected) gc();
  const m = process.memoryUsage();
  return {
    PID: process.pid,
    rss: m.rss,
    heap_total: m.heapTotal,
    heap_used: m.heapUsed,
    external: m.external,
    array_buffers: m.arrayBuffers,
    gc: collected,
  };
}

export const CORE_MEMORY_HELP =
  'Memory in bytes per process, as core.ps rows [{IDX, PID, rss, heap_total, heap_used, external, array_buffers, gc}]; ' +
  'gc=true runs a full garbage collection first when sipd runs under node --expose-gc (gc says whether it did).';
