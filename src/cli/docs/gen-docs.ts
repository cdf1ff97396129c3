/**
 * `npm run docs`: regenerate man/sipd.8, man/sipctl.8 and man/siptest.1 from the built commands
 * (run after `npm run build`; the npm script does both). `--check` writes nothing and exits 1 when
 * a committed page differs, for CI.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateManPages, manPath } from './generate.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const page of await generateManPages()) {
  const file = manPath(page);
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === page.content) {
    process.stdout.write(`${page.path}: up to date\n`);
    continue;
  }
  if (check) {
    stale++;
    process.stdout.write(`${page.path}: out of date (run npm run docs)\n`);
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, page.content);
  process.stdout.write(`${page.path}: written\n`);
}
process.exitCode = stale ? 1 : 0;
