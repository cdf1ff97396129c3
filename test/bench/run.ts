/**
 * `npm run bench`: runs every benchmark module in this folder (`<name>.bench.js` after the build),
 * or only those named: `npm run bench -- parser siptest`. Each module default-exports an async
 * function that prints its own figures. Benchmarks compare against a reference measured in the
 * same run (the machine's speed drifts), and print ratios.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Bench = (args: string[]) => Promise<void>;

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .map((f) => f.slice(0, -'.bench.js'.length))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (modules.length === 0) {
  process.stderr.write(`no benchmark named ${wanted.join(', ')}\n`);
  process.exit(2);
}
for (const name of modules) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.js`)).href)) as { default: Bench };
  await mod.default(process.argv.slice(2));
}
