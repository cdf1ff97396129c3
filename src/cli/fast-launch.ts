/**
 * The first thing bin/sipd.js and bin/sipctl.js run (issue 16: start-up within 2× a bare
 * `node -e 0`). `npm run build` bundles it per bin into one CommonJS file,
 * dist/oclif/<bin>/launch.cjs (src/cli/bundle.ts), with the table of the bin's lite commands, and
 * the bin loads it with require(): no ES module loader work for the files a script's call reads.
 * It answers what needs no oclif and returns 'oclif' for the rest, which launch.ts then runs:
 * - `--version` alone, and `... --help` in a script or a pipe (the screen captured at build time);
 * - a command line for the lite run (lite/dispatch.ts), from the command's own CommonJS bundle.
 * It runs only while the bundles are fresh (newer than the last `tsc`), and never when
 * SIPKIT_BUNDLE=0; SIPKIT_LITE=0 turns the lite run off.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cachedHelp } from './help-text.js';
import { bundleIsFresh, liteDirFor, versionLine, type BinName } from './launch.js';
import { commandOf, notLiteBecause } from './lite/dispatch.js';

/** A lite command's bundle: its main() runs it (lite/run.ts) and says 'done' or 'oclif'. */
interface LiteCommand {
  main(argv: string[], id: string, words: number): Promise<'done' | 'oclif'>;
}

/**
 * How the bin loads a bundle (bin/load.js: require() with V8's code cache): its exports, and
 * done() to call when the command finished (writes the cache the run produced).
 */
export type BundleLoader = (file: string) => { exports: unknown; done(): void };

/** A bin's lite commands: name (id or alias) → [id, file in lite/cmd/]. */
export type LiteFiles = Readonly<Record<string, readonly [id: string, file: string]>>;

const requireHere = createRequire(import.meta.url);

/** Runs what needs no oclif: 'done', or 'oclif' with nothing done (launch.ts takes over). */
export async function fastLaunch(
  bin: BinName,
  args: string[] = process.argv.slice(2),
  files: LiteFiles = {},
  load: BundleLoader = (file) => ({ exports: requireHere(file), done: () => {} }),
): Promise<'done' | 'oclif'> {
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${versionLine()}\n`);
    return 'done';
  }
  if (process.env.SIPKIT_BUNDLE === '0' || !bundleIsFresh(bin)) return 'oclif';
  if (args.at(-1) === '--help') {
    const help = cachedHelp(bin, args);
    if (help === undefined) return 'oclif';
    process.stdout.write(help);
    return 'done';
  }
  if (process.env.SIPKIT_LITE === '0' || notLiteBecause(bin, args)) return 'oclif';
  // `files` lists only bundled commands (bundle.ts leaves UNBUNDLED out of the lite table), so a
  // line naming `sipd run` or `check-config` finds nothing here and goes to launch.ts.
  const named = commandOf(args, files);
  if (!named) return 'oclif';
  const [id, file] = files[named.name]!;
  const bundle = load(join(liteDirFor(bin), 'cmd', file));
  const outcome = await (bundle.exports as LiteCommand).main(args, id, named.words);
  bundle.done();
  return outcome;
}
