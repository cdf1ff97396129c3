/**
 * The help screens written at build time (src/cli/help-cache.ts): every screen in each bin's
 * help.json is byte for byte what oclif prints for the same command line (SIPKIT_HELP_CACHE=0),
 * a script's `--help` is answered from it without loading oclif, and wherever oclif's output
 * might differ (a width asked for, a flag before --help, colours) oclif answers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/fixtures.js';

type Bin = 'sipd' | 'sipctl' | 'siptest';

function help(bin: Bin, words: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join('bin', `${bin}.js`), ...words, '--help'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
  let [stdout, stderr] = ['', ''];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

const cacheOf = (bin: Bin) =>
  JSON.parse(readFileSync(join(repoRoot, 'dist', 'oclif', bin, 'help.json'), 'utf8')) as Record<string, string>;

for (const bin of ['sipd', 'sipctl', 'siptest'] as const)
  test(`${bin}: every help screen written at build time is what oclif prints`, async () => {
    const texts = cacheOf(bin);
    const keys = Object.keys(texts);
    assert.ok(keys.includes(''), 'the bin itself');
    assert.ok(keys.length >= 3, keys.join(', '));
    for (let i = 0; i < keys.length; i += 6) {
      const batch = keys.slice(i, i + 6);
      const words = (k: string) => (k ? k.split(' ') : []);
      const [cached, live] = await Promise.all([
        Promise.all(batch.map((k) => help(bin, words(k)))),
        Promise.all(batch.map((k) => help(bin, words(k), { SIPKIT_HELP_CACHE: '0' }))),
      ]);
      batch.forEach((k, j) => {
        assert.equal(live[j]!.status, 0, `${bin} ${k} --help: ${live[j]!.stderr}`);
        assert.equal(texts[k], live[j]!.stdout, `${bin} ${k} --help: the cache is oclif's text`);
        assert.deepEqual(cached[j], live[j], `${bin} ${k} --help: printed the same`);
      });
    }
  });

test('oclif answers where its output may differ: a width asked for, a flag before --help', async () => {
  const plain = cacheOf('sipctl')['add']!;
  const wide = await help('sipctl', ['add'], { OCLIF_COLUMNS: '200' });
  assert.equal(wide.status, 0);
  assert.notEqual(wide.stdout, plain, 'OCLIF_COLUMNS=200: wrapped at 200 columns by oclif');
  const flagged = await help('sipctl', ['add', '--json']);
  assert.equal(flagged.status, 0);
  assert.equal(flagged.stdout, plain, 'oclif prints the same help for add --json --help');
});
