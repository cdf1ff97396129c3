/**
 * One message for an argument a command does not take, whether oclif's parser finds it (a command
 * with arguments: `sipctl show alice bob`) or the command lookup does (a command without any:
 * `sipctl ps extra` reaches oclif as the unknown command "ps extra"). Either way the user typed
 * a real command and one word too many: saying "unknown command" would send him looking for
 * the wrong mistake.
 */
import { CliError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';

export function unexpectedArguments(bin: string, command: string, args: readonly string[]): CliError {
  const list = args.map((a) => `"${a}"`).join(', ');
  return new CliError(
    `unexpected argument${args.length === 1 ? '' : 's'} ${list} for "${bin} ${command}"`,
    ExitCode.USAGE,
    'UNEXPECTED_ARGUMENT',
    [`"${bin} ${command} --help" lists its arguments and flags`],
  );
}

/**
 * For an id the lookup did not find ("ps extra", "avp list alice@example.com"): the longest
 * leading run of words that is a command, and the words after it. Undefined when no prefix is a
 * command (a typo, or a topic such as "avp" followed by a wrong subcommand).
 */
export function splitAtCommand(typedWords: readonly string[], ids: ReadonlySet<string>, sep = ' ') {
  for (let n = typedWords.length - 1; n > 0; n--) {
    const id = typedWords.slice(0, n).join(sep);
    if (ids.has(id)) return { command: id, extra: typedWords.slice(n) };
  }
  return undefined;
}

/** oclif's parser error for surplus arguments (UnexpectedArgsError), recognised by its fields. */
export function surplusArgsOf(err: unknown): string[] | undefined {
  const e = err as { args?: unknown; message?: unknown };
  if (!Array.isArray(e?.args) || typeof e.message !== 'string' || !e.message.startsWith('Unexpected argument')) {
    return undefined;
  }
  return e.args.map(String);
}
