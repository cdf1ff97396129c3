/**
 * The lite run: a sipctl or sipd command run from its lite bundle, whose commands extend the
 * stand-in of src/cli/lite/oclif.ts instead of oclif's Command, so no oclif is loaded: start-up is
 * close to a bare `node -e 0` (issue 16; `npm run bench -- cli-startup`). It is used only where
 * its output is oclif's by construction: stdout and stderr are not terminals (scripts, pipes,
 * files; oclif's colours, spinners and prompts need one), no help or version flag, no oclif theme
 * or DEBUG output, and a command line the lite parser handles (src/cli/lite/parse.ts). Anything
 * else returns 'oclif' before the command ran, and launch.ts hands the command line to oclif.
 * The dispatcher (lite/dispatch.ts) has already chosen the command; this runs it.
 */
import type { BinName } from '../launch.js';
import { realOclif, type Command, type LiteConfig } from './oclif.js';

/** oclif's Config.scopedEnvVarKeys / scopedEnvVar for a bin without aliases. */
function liteConfig(bin: BinName): LiteConfig {
  const key = (k: string) => `${bin.replaceAll(/[/-]/g, '_')}_${k}`.toUpperCase();
  return { bin, scopedEnvVar: (k) => process.env[key(k)] || undefined, scopedEnvVarKeys: (k) => [key(k)] };
}

export type CommandClass = Pick<typeof Command, 'id' | 'state' | 'deprecateAliases'> &
  (new (argv: string[], config: LiteConfig) => Command);

/**
 * Runs `Class` (command `id`, named by the first `words` words of argv): 'done', or 'oclif' with
 * nothing done when the lite parser or the command leaves the line to oclif.
 */
export async function runLite(
  bin: BinName,
  argv: string[],
  id: string,
  words: number,
  Class: CommandClass,
): Promise<'done' | 'oclif'> {
  // oclif warns about deprecated commands and aliases: its run.
  if (Class.state === 'deprecated' || Class.deprecateAliases) return 'oclif';
  Class.id = id;
  const cmd = new Class(argv.slice(words), liteConfig(bin));
  try {
    if (await cmd._run()) return 'oclif';
  } catch (err) {
    // What oclif's execute() does with an error that escapes a command (its base class catch()
    // rethrows it in human mode).
    await realOclif().handle(err as Error);
  }
  return 'done';
}
