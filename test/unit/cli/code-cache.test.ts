/**
 * bin/load.js: the bins' require() with V8's code cache (issue 16). A first load compiles and,
 * once done, writes the cache beside the bundle; the next load uses it; a rebuilt bundle (even
 * of the same length, which is all V8 checks) or a damaged cache file is never used, and the
 * module still loads; SIPKIT_CODE_CACHE=0 is a plain require().
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../../helpers/fixtures.js';

interface Loaded {
  answer: string;
  cacheUsed?: boolean;
}
const LOAD = join(repoRoot, 'bin', 'load.js');

/**
 * Loads `file` with requireCached in a new process (V8 keeps compiled scripts in memory, so only
 * a new process shows what the cache file does) and calls done() after it ran.
 */
function requireCached(file: string, env: Record<string, string> = {}): Loaded {
  const code = `const l = require(${JSON.stringify(LOAD)}).requireCached(${JSON.stringify(file)});
process.stdout.write(JSON.stringify({ answer: l.exports.answer(), cacheUsed: l.cacheUsed })); l.done();`;
  const out = execFileSync(process.execPath, ['-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as Loaded;
}

const dir = mkdtempSync(join(tmpdir(), 'sipkit-code-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A CommonJS file with enough functions for V8 to cache, answering `word`. */
function writeBundle(name: string, word: string, mtime: number): string {
  const file = join(dir, name);
  const helpers = Array.from({ length: 50 }, (_, i) => `function h${i}(x) { return x + ${i}; }`).join('\n');
  writeFileSync(file, `'use strict';\n${helpers}\nexports.answer = () => '${word}' + h1(0);\n`);
  utimesSync(file, mtime, mtime);
  return file;
}

const cacheFiles = () => readdirSync(join(dir, '.cache')).filter((f) => f.endsWith('.v8cache'));

test('the first load writes the cache, the next one uses it', () => {
  const file = writeBundle('a.cjs', 'one', 1_700_000_000);
  const first = requireCached(file);
  assert.deepEqual(first, { answer: 'one1', cacheUsed: false });
  assert.equal(cacheFiles().length, 1);
  assert.deepEqual(requireCached(file), { answer: 'one1', cacheUsed: true }, 'V8 accepted the cache');
});

test('a rebuilt bundle of the same length never meets the old cache', () => {
  const file = writeBundle('b.cjs', 'old', 1_700_000_000);
  requireCached(file);
  writeBundle('b.cjs', 'new', 1_700_000_100); // same length, later mtime
  assert.deepEqual(requireCached(file), { answer: 'new1', cacheUsed: false }, 'the new code runs, not the cached one');
});

test('a damaged cache file is rejected by V8, the module loads and the cache is rewritten', () => {
  const file = writeBundle('c.cjs', 'ok', 1_700_000_000);
  requireCached(file);
  const cache = cacheFiles().find((f) => f.startsWith('c.cjs.'))!;
  writeFileSync(join(dir, '.cache', cache), Buffer.alloc(4096, 7));
  assert.deepEqual(requireCached(file), { answer: 'ok1', cacheUsed: false });
  assert.equal(requireCached(file).cacheUsed, true, 'rewritten after the rejection');
});

test('SIPKIT_CODE_CACHE=0: a plain require(), nothing written', () => {
  const file = writeBundle('d.cjs', 'plain', 1_700_000_000);
  assert.equal(requireCached(file, { SIPKIT_CODE_CACHE: '0' }).answer, 'plain1');
  assert.ok(!cacheFiles().some((f) => f.startsWith('d.cjs.')));
});
