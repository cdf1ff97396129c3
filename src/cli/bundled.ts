/**
 * The start of a run from a bin's bundle (src/cli/bundle.ts builds it; launch.ts picks it). The
 * bundle holds oclif and a loader per command; this module imports the command(s) the command line
 * can name, puts them into the bundle's COMMANDS, and runs oclif on it with "explicit" discovery
 * and the bin's manifest. oclif then behaves as on the compiled modules: the same parsing, help
 * (from the manifest), hooks, errors and exit codes; only fewer and bigger files are read.
 */
import { execute } from '@oclif/core';
import { loadOptionsFor, type BinName } from './launch.js';

type Loader = () => Promise<{ default: unknown }>;

/** id or alias → [the command's id, its loader]. */
export type Loaders = Record<string, readonly [string, Loader]>;

/**
 * The ids the command line may name: every prefix of its leading words joined by ':' (the topic
 * separator is a space: `alias add x` is the command alias:add). oclif picks the longest one that
 * exists, as here; loading a shorter one too (a topic is never a command here) costs nothing.
 */
export function namedCommands(argv: readonly string[], loaders: Loaders): string[] {
  const words: string[] = [];
  const named: string[] = [];
  for (const word of argv) {
    if (word.startsWith('-')) break;
    words.push(word);
    if (Object.hasOwn(loaders, words.join(':'))) named.push(words.join(':'));
  }
  return named;
}

export async function runBundled(
  bin: BinName,
  argv: string[],
  commands: Record<string, unknown>,
  loaders: Loaders,
): Promise<void> {
  await Promise.all(
    namedCommands(argv, loaders).map(async (name) => {
      const [id, load] = loaders[name]!;
      commands[id] = (await load()).default;
    }),
  );
  await execute({ args: argv, loadOptions: loadOptionsFor(bin, { manifest: 'bundle' }) });
}
