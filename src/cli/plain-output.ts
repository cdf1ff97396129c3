/**
 * Whether oclif's output is plain text here, the same as in any other run: not on a terminal
 * (colours, spinners, prompts and the wrap width need one), no DEBUG output, no user theme
 * (a theme colours --json output). The lite run (lite/run.ts) and the help cache
 * (help-cache.ts) print what oclif would only when it is.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { BinName } from './launch.js';

/** Where oclif looks for a user's theme.json (Config.configDir). */
function themeFile(bin: BinName): string {
  const dir =
    process.env[`${bin.toUpperCase()}_CONFIG_DIR`] ||
    join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'sipkit');
  return join(dir, 'theme.json');
}

/** Why oclif's output could differ from plain text in this process, or undefined. */
export function notPlainBecause(bin: BinName): string | undefined {
  if (process.stdout.isTTY || process.stderr.isTTY) return 'a terminal';
  if (process.env.DEBUG) return 'DEBUG';
  if (process.env[`${bin.toUpperCase()}_DISABLE_THEME`] === undefined && existsSync(themeFile(bin))) return 'a theme';
  return undefined;
}
