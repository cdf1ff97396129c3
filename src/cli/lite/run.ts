/**
 * The lite run: a sipctl or sipd command run from its lite bundle, whose commands extend the
 * stand-in of src/cli/lite/oclif.ts instead of oclif's Command, so no oclif is loaded: start-up is
 * close to a bare `node -e 0` (issue 16; `npm run bench -- cli-startup`). It is used only where
 * its output is oclif's by construction: stdout and stderr are not terminals (scripts, pipes,
 * files; oclif's colours, spinners and prompts need one), no help or version flag, no oclif theme
 * or DEBUG output, and a command line the lite parser handles (src/cli/lite/parse.ts). Anything
 * else returns 'oclif' before the command ran, and launch.ts hands the command line to oclif.
 */
import type { BinName } from '../launch.js';
import { notPlainBecause } from '../plain-output.js';
import { realOclif, type Command, type LiteConfig } from './oclif.js';

type Loader = () => Promise<{ default: unknown }>;
export type Loaders = Record<string, readonly [string, Loader]>;

/** oclif's Config.scopedEnvVarKeys / scopedEnvVar for a bin without aliases. */
function liteConfig(bin: BinName): LiteConfig {
  const key = (k: string) => `${bin.replaceAll(/[/-]/g, '_')}_${k}`.toUpperCase();
  return { bin, scopedEnvVar: (k) => process.env[key(k)] || undefined, scopedEnvVarKeys: (k) => [key(k)] };
}

/** Why this process is not for the lite run, or undefined when it is. */
export function notLiteBecause(bin: BinName, argv: readonly string[]): string | undefined {
  if (argv.some((a) => a === '--help' || a === '--version' || a === '--')) return 'help, version or --';
  return notPlainBecause(bin);
}

/** The one command the leading words of argv name (id or alias), and how many words that took. */
export function commandOf(argv: readonly string[], loaders: Loaders): { name: string; words: number } | undefined {
  const found: Array<{ name: string; words: number }> = [];
  for (let n = 1; n <= argv.length && !argv[n - 1]!.startsWith('-'); n++) {
    const name = argv.slice(0, n).join(':');
    if (Object.hasOwn(loaders, name)) found.push({ name, words: n });
  }
  // Two commands where one's id starts the other's: oclif's choice, not repeated here.
  return found.length === 1 ? found[0] : undefined;
}

type CommandClass = Pick<typeof Command, 'id' | 'state' | 'deprecateAliases'> &
  (new (argv: string[], config: LiteConfig) => Command);

/** Runs the command if it is for the lite run ('done'), else 'oclif' with nothing done. */
export async function runLite(bin: BinName, argv: string[], loaders: Loaders): Promise<'done' | 'oclif'> {
  if (notLiteBecause(bin, argv)) return 'oclif';
  const named = commandOf(argv, loaders);
  if (!named) return 'oclif';
  const [id, load] = loaders[named.name]!;
  const Class = (await load()).default as CommandClass;
  // oclif warns about deprecated commands and aliases: its run.
  if (Class.state === 'deprecated' || Class.deprecateAliases) return 'oclif';
  Class.id = id;
  const cmd = new Class(argv.slice(named.words), liteConfig(bin));
  try {
    if (await cmd._run()) return 'oclif';
  } catch (err) {
    // What oclif's execute() does with an error that escapes a command (its base class catch()
    // rethrows it in human mode).
    await realOclif().handle(err as Error);
  }
  return 'done';
}
