/**
 * Interactive questions for missing arguments, hidden passwords and confirmations, asked with
 * @inquirer/prompts ONLY when both stdin and stdout are terminals. Without a terminal nothing is
 * ever asked (scripts, pipes, CI, cron): a missing argument is a usage error (exit 2) that names
 * what to pass, and a confirmation needs --yes. So a command never waits for an answer nobody
 * can give.
 */
import { CliError, usageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';

/** Streams the questions use. Tests pass fake terminals; commands use the defaults. */
export interface PromptIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
}

const defaultIo = (): PromptIo => ({ stdin: process.stdin, stdout: process.stdout });

/** True when questions may be asked: stdin and stdout are both terminals. */
export function isInteractive(io: PromptIo = defaultIo()): boolean {
  return Boolean(io.stdin.isTTY && io.stdout.isTTY);
}

/**
 * What the user should pass instead of answering: a positional argument (`{arg: 'USER'}`) or a
 * flag (`{flag: 'domain'}`, shown as `--domain`).
 */
export type Missing = { arg: string } | { flag: string };

const describe = (m: Missing) => ('arg' in m ? `argument ${m.arg}` : `flag --${m.flag}`);
const howToPass = (m: Missing) =>
  'arg' in m ? `pass ${m.arg} on the command line` : `pass --${m.flag} <value> on the command line`;

/** The usage error for a value that is missing and cannot be asked for. */
export function missingError(missing: Missing, extraActions: string[] = []): CliError {
  return usageError(`missing ${describe(missing)} (not asking: stdin or stdout is not a terminal)`, [
    howToPass(missing),
    ...extraActions,
  ]);
}

/** Ctrl-C / Ctrl-D / a closed terminal during a question: the user gave up. */
function cancelled(err: unknown): never {
  const name = (err as Error)?.name;
  if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') {
    throw new CliError('cancelled', ExitCode.FAILED, 'CANCELLED');
  }
  throw err;
}

const contextOf = (io: PromptIo) => ({ input: io.stdin, output: io.stdout });

/**
 * @inquirer/prompts is loaded only when a question is really asked: oclif imports every command
 * module at start-up, and a top-level import would cost every sipctl run (even --version) its load
 * time, for the rare run that prompts.
 */
const inquirer = () => import('@inquirer/prompts');

export interface TextQuestion {
  /** The value from the command line, if any; returned as is when defined. */
  value?: string;
  missing: Missing;
  message: string;
  default?: string;
  /** true, or a message saying what is wrong (asked again on a TTY; a usage error otherwise). */
  validate?: (value: string) => true | string;
}

/** The given value, or (on a terminal) an answer to a question; a usage error otherwise. */
export async function askText(q: TextQuestion, io: PromptIo = defaultIo()): Promise<string> {
  if (q.value !== undefined) {
    const ok = q.validate?.(q.value) ?? true;
    if (ok !== true) throw usageError(`invalid ${describe(q.missing)}: ${ok}`);
    return q.value;
  }
  if (!isInteractive(io)) throw missingError(q.missing);
  const validate = (v: string) => (v.trim() === '' ? 'a value is required' : (q.validate?.(v.trim()) ?? true));
  try {
    const { input } = await inquirer();
    const answer = await input({ message: q.message, default: q.default, validate }, contextOf(io));
    return answer.trim();
  } catch (err) {
    return cancelled(err);
  }
}

export interface PasswordQuestion {
  message?: string;
  /** Ask twice and require both answers to match (default true: a new password). */
  confirm?: boolean;
  /** What to pass instead, for the error without a terminal (default: argument PASSWORD). */
  missing?: Missing;
  /** Attempts when the two entries differ (default 3). */
  attempts?: number;
}

/**
 * Hidden password entry (nothing is echoed), twice when confirming, retried when the entries
 * differ. Without a terminal: a usage error suggesting the argument and --password-stdin.
 */
export async function askPassword(q: PasswordQuestion = {}, io: PromptIo = defaultIo()): Promise<string> {
  const missing = q.missing ?? { arg: 'PASSWORD' };
  if (!isInteractive(io)) throw missingError(missing, ['or pipe it in with --password-stdin']);
  const message = q.message ?? 'Password';
  const attempts = q.attempts ?? 3;
  const validate = (v: string) => (v === '' ? 'the password must not be empty' : true);
  try {
    const { password } = await inquirer();
    for (let i = 0; i < attempts; i++) {
      const first = await password({ message, validate }, contextOf(io));
      if (q.confirm === false) return first;
      const second = await password({ message: `${message} (again)` }, contextOf(io));
      if (first === second) return first;
      io.stdout.write('The passwords do not match. Try again.\n');
    }
  } catch (err) {
    return cancelled(err);
  }
  throw usageError(`the passwords did not match (${attempts} attempts)`);
}

/**
 * Read a password from the first line of stdin (`--password-stdin`, as `docker login` does), so it
 * never appears in `ps` or shell history. The line ending (\n or \r\n) is removed; nothing else is.
 * Refused when stdin is a terminal (it would echo): leave the flag out to get a hidden prompt.
 */
export async function readPasswordFromStdin(stdin: PromptIo['stdin'] = process.stdin): Promise<string> {
  if (stdin.isTTY) {
    throw usageError('--password-stdin reads a pipe, but stdin is a terminal', [
      'pipe the password in: printf %s "$PW" | sipctl ...',
      'or leave out --password-stdin to be asked without echo',
    ]);
  }
  const line = await readFirstLine(stdin);
  if (line === '') throw usageError('--password-stdin: no password on stdin (the first line is empty)');
  return line;
}

/** The first line of a stream (up to \n or end of input), without the line ending. */
export function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const done = () => {
      stream.removeListener('data', onData);
      stream.removeListener('end', done);
      stream.removeListener('error', onError);
      stream.pause();
      // A paused pipe still keeps node alive until the writer closes it: `(echo pw; sleep 60) |`
      // must not make the command wait a minute. The password is read, let go of stdin.
      (stream as { unref?: () => void }).unref?.();
      const text = Buffer.concat(chunks).toString('utf8');
      const nl = text.indexOf('\n');
      resolve((nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (chunks.some((c) => c.includes(0x0a))) done();
    };
    const onError = (err: Error) => reject(usageError(`cannot read stdin: ${err.message}`));
    stream.on('data', onData);
    stream.on('end', done);
    stream.on('error', onError);
    stream.resume();
  });
}

export interface PasswordSource {
  /** The positional argument, if given. */
  value?: string;
  /** --password-stdin was given. */
  stdin?: boolean;
  question?: PasswordQuestion;
}

/**
 * `sipctl add USER PASSWORD` (kamctl's habit) keeps working, but a person at a terminal is told
 * once, on stderr, what it costs: the argument is in ps and /proc/PID/cmdline for every local user.
 */
export function warnPasswordArgument(stderr: NodeJS.WriteStream = process.stderr): void {
  if (!stderr.isTTY) return;
  stderr.write(
    'Warning: a password on the command line is visible to other local users (ps); use --password-stdin or the prompt\n',
  );
}

/** A password from the argument, or --password-stdin, or a hidden prompt on a terminal. */
export async function resolvePassword(src: PasswordSource, io: PromptIo = defaultIo()): Promise<string> {
  if (src.value !== undefined && src.stdin) {
    throw usageError('give the password either as an argument or with --password-stdin, not both');
  }
  if (src.value !== undefined) {
    if (src.value === '') throw usageError('the password must not be empty');
    return src.value;
  }
  if (src.stdin) return readPasswordFromStdin(io.stdin);
  return askPassword(src.question, io);
}

export interface ConfirmQuestion {
  message: string;
  /** --yes was given: no question. */
  yes?: boolean;
  /** The answer on Enter (default false: destructive actions need an explicit yes). */
  default?: boolean;
}

/** Yes or no. --yes answers yes; without a terminal and without --yes: a usage error. */
export async function confirm(q: ConfirmQuestion, io: PromptIo = defaultIo()): Promise<boolean> {
  if (q.yes) return true;
  if (!isInteractive(io)) {
    throw usageError(`confirmation needed: ${q.message}`, ['pass --yes to confirm without a terminal']);
  }
  try {
    const { confirm: ask } = await inquirer();
    return await ask({ message: q.message, default: q.default ?? false }, contextOf(io));
  } catch (err) {
    return cancelled(err);
  }
}

/** Like confirm(), but a "no" throws CliError CANCELLED (exit 1): nothing was changed. */
export async function confirmOrCancel(q: ConfirmQuestion, io: PromptIo = defaultIo()): Promise<void> {
  if (!(await confirm(q, io))) throw new CliError('cancelled: nothing was changed', ExitCode.FAILED, 'CANCELLED');
}
