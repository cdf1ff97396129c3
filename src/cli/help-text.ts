/**
 * The reading side of the help cache (help-cache.ts writes it at build time): the screen oclif
 * printed for a command line, when output here is plain and the cache is fresh. Apart from the
 * writer so that the fast launcher (fast-launch.ts) loads no child_process for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binRootFor, buildInputs, isNewer, type BinName } from './launch.js';
import { notPlainBecause } from './plain-output.js';

export const helpCachePathFor = (bin: BinName) => join(binRootFor(bin), 'help.json');

/** The help text for `argv` (words, then `--help` last) from the cache, or undefined. */
export function cachedHelp(bin: BinName, argv: readonly string[]): string | undefined {
  if (argv.at(-1) !== '--help' || process.env.SIPKIT_HELP_CACHE === '0') return undefined;
  const words = argv.slice(0, -1);
  if (words.some((w) => w.startsWith('-'))) return undefined;
  if (process.env.OCLIF_COLUMNS || process.env.FORCE_COLOR || notPlainBecause(bin)) return undefined;
  const file = helpCachePathFor(bin);
  if (!isNewer(file, buildInputs())) return undefined;
  try {
    const texts = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    return Object.hasOwn(texts, words.join(' ')) ? texts[words.join(' ')] : undefined;
  } catch {
    return undefined;
  }
}
