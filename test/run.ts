/**
 * The one test entry point (`npm test` runs it after the build). Finds every compiled
 * `*.test.js` under dist/test and hands them to node's built-in runner.
 *
 *   node dist/test/run.js                 all tests
 *   node dist/test/run.js unit core/      only files whose path contains every given fragment
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (readdirSync(here, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.js'))
  .map((f) => join(here, f))
  .filter((f) => filters.every((frag) => relative(here, f).includes(frag)))
  .sort();

if (files.length === 0) {
  process.stderr.write(`no test files match ${filters.join(' ')}\n`);
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files];
const r = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' },
});
process.exit(r.status ?? 1);
