/**
 * oclif `command_not_found` hook: an unknown command exits 2 (usage error) with the closest command
 * names as suggestions, and under --json prints the same `{status, error}` envelope as a failing
 * command, so a script always gets one JSON document on stdout.
 */
import { Errors, type Hook } from '@oclif/core';
import { editDistance } from '../../shared/edit-distance.js';
import { ExitCode } from '../../shared/exit-codes.js';
import { splitAtCommand, unexpectedArguments } from '../unexpected-args.js';

/** Up to three commands that look like `typed` (small edit distance, or the same first word). */
export function closestCommands(typed: string, ids: string[]): string[] {
  return ids
    .map((id) => ({ id, d: editDistance(typed, id) }))
    .filter(({ id, d }) => d <= Math.max(2, Math.floor(typed.length / 3)) || id.split(' ')[0] === typed.split(' ')[0])
    .sort((x, y) => x.d - y.d || x.id.localeCompare(y.id))
    .slice(0, 3)
    .map((x) => x.id);
}

const hook: Hook<'command_not_found'> = async function (opts) {
  const sep = opts.config.topicSeparator;
  const typed = opts.id.replaceAll(':', sep);
  const bin = opts.config.bin;
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', sep));
  // `sipctl ps extra`: a real command and a word it does not take.
  const split = splitAtCommand(typed.split(sep), new Set(ids), sep);
  const surplus = split && unexpectedArguments(bin, split.command, split.extra);
  const near = closestCommands(typed, ids);
  const message = surplus?.message ?? `unknown command "${typed}"`;
  const code = surplus?.code ?? 'UNKNOWN_COMMAND';
  const actions = surplus?.actions ?? [
    ...(near.length ? [`did you mean ${near.map((n) => `"${bin} ${n}"`).join(' or ')}?`] : []),
    `run "${bin} --help" to list the commands`,
  ];
  const json =
    (opts.argv ?? []).includes('--json') || opts.config.scopedEnvVar('CONTENT_TYPE')?.toLowerCase() === 'json';
  if (json) {
    const envelope = { status: ExitCode.USAGE, error: { name: 'CliError', code, message, actions } };
    process.stdout.write(JSON.stringify(envelope, null, 2) + '\n');
    throw new Errors.ExitError(ExitCode.USAGE);
  }
  throw new Errors.CLIError(`${message}`, { exit: ExitCode.USAGE, suggestions: actions });
};

export default hook;
