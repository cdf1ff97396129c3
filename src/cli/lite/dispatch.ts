/**
 * The lite run's dispatch (used by src/cli/fast-launch.ts): which command a command line names,
 * and whether this process is for the lite run at all. It loads nothing else: the command's own
 * bundle (lite/cmd/<id>.cjs) is loaded only once the line is known to be for it.
 */
import type { BinName } from '../launch.js';
import { notPlainBecause } from '../plain-output.js';

/** Why this process is not for the lite run, or undefined when it is. */
export function notLiteBecause(bin: BinName, argv: readonly string[]): string | undefined {
  if (argv.some((a) => a === '--help' || a === '--version' || a === '--')) return 'help, version or --';
  return notPlainBecause(bin);
}

/** The one command the leading words of argv name (id or alias), and how many words that took. */
export function commandOf(
  argv: readonly string[],
  names: Readonly<Record<string, unknown>>,
): { name: string; words: number } | undefined {
  const found: Array<{ name: string; words: number }> = [];
  for (let n = 1; n <= argv.length && !argv[n - 1]!.startsWith('-'); n++) {
    const name = argv.slice(0, n).join(':');
    if (Object.hasOwn(names, name)) found.push({ name, words: n });
  }
  // Two commands where one's id starts the other's: oclif's choice, not repeated here.
  return found.length === 1 ? found[0] : undefined;
}
