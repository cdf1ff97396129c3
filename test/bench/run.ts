/**
 * `npm run bench`: runs the named benchmark modules (all when none is named), one after another.
 *
 *   node dist/test/bench/run.js            every module
 *   node dist/test/bench/run.js siptest    only test/bench/siptest.js
 *
 * A module exports `run(): Promise<void>` and prints its own figures. Figures on a shared
 * machine drift: compare the ratios a module prints, measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run.js' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
  process.stderr.write(`unknown bench module(s): ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : available) {
  process.stdout.write(`\n=== bench: ${name} ===\n`);
  const mod = (await import(pathToFileURL(join(here, `${name}.js`)).href)) as { run: () => Promise<void> };
  await mod.run();
}
