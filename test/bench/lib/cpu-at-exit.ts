/**
 * Preloaded into a benchmarked node process (`node --import <this file's URL> bin/siptest.js …`):
 * on exit it writes the process's own CPU time (user + system, ms) to the file named by
 * SIPKIT_BENCH_CPU_FILE. Exact, where sampling /proc from outside misses the last interval, and
 * it needs nothing from the program measured (process.exit() still runs 'exit' listeners).
 */
import { writeFileSync } from 'node:fs';

const file = process.env.SIPKIT_BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.cpuUsage();
    writeFileSync(file, String((u.user + u.system) / 1000));
  });
}
