/**
 * Help screens written at build time, so that `sipctl add --help` in a script or a pipe prints at
 * once instead of loading oclif (issue 16: every command within 2× a bare `node -e 0`; oclif's
 * load alone is more than that). Each bin's file dist/oclif/<bin>/help.json maps a command line
 * ("" for the bin itself, "add", "alias add", a topic "alias") to what oclif printed for it plus
 * `--help`, captured from the built bin with stdout a pipe.
 *
 * oclif's help is the same text whenever output is plain: not a terminal (oclif wraps to 80
 * columns without one, OCLIF_COLUMNS apart), no colours forced, no DEBUG, no theme file. Only then
 * is the cache used; and only while it is newer than the last compile (isNewer, as the bundles),
 * so a `tsc` that changed a command never prints its old help. Anything else goes to oclif.
 *   node dist/src/cli/help-cache.js     (npm run build, after the bundles)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../shared/package.js';
import { manifestPathFor, oclifBlock, type BinName } from './launch.js';
import { helpCachePathFor } from './help-text.js';

/** The command lines a bin's help is written for: the bin, each topic and each command. */
function helpKeys(bin: BinName): string[] {
  const manifest = JSON.parse(readFileSync(manifestPathFor(bin), 'utf8')) as { commands: Record<string, unknown> };
  const topics = Object.keys(oclifBlock.bins[bin].topics ?? {});
  return ['', ...topics, ...Object.keys(manifest.commands).map((id) => id.replaceAll(':', ' '))];
}

/** What the built bin prints for `words --help` with plain output; undefined unless it exits 0 quietly. */
function capture(bin: BinName, words: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    const args = [join(packageRoot, 'bin', `${bin}.js`), ...words, '--help'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve(code === 0 && err === '' ? out : undefined));
  });
}

/** Writes help.json for `bin`; returns how many screens it holds. */
export async function writeHelpCache(bin: BinName): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'sipkit-help-'));
  const env: NodeJS.ProcessEnv = { ...process.env, SIPKIT_HELP_CACHE: '0', XDG_CONFIG_HOME: home };
  for (const k of ['OCLIF_COLUMNS', 'FORCE_COLOR', 'DEBUG', `${bin.toUpperCase()}_CONFIG_DIR`]) delete env[k];
  const texts: Record<string, string> = {};
  try {
    const keys = helpKeys(bin);
    for (let i = 0; i < keys.length; i += 8) {
      const batch = keys.slice(i, i + 8);
      const outs = await Promise.all(batch.map((k) => capture(bin, k ? k.split(' ') : [], env)));
      batch.forEach((k, j) => {
        if (outs[j] !== undefined) texts[k] = outs[j];
      });
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  writeFileSync(helpCachePathFor(bin), JSON.stringify(texts));
  return Object.keys(texts).length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const bin of ['sipd', 'sipctl', 'siptest'] as const) await writeHelpCache(bin);
}
