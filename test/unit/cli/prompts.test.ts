import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import {
  askPassword,
  askText,
  confirm,
  confirmOrCancel,
  isInteractive,
  readPasswordFromStdin,
  resolvePassword,
  type PromptIo,
} from '../../../src/cli/prompts.js';

/** A fake terminal: keystrokes go in through stdin, everything drawn is collected from stdout. */
function fakeTerminal(tty = true) {
  const stdin = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: () => stdin });
  const stdout = Object.assign(new PassThrough(), { isTTY: tty, columns: 80, rows: 24 });
  // inquirer ends its output pipe after each question; a real stdout ignores that, so must this one.
  stdout.end = (() => stdout) as typeof stdout.end;
  let screen = '';
  stdout.on('data', (c: Buffer) => (screen += c.toString()));
  const io = { stdin, stdout } as unknown as PromptIo;
  /** Type `text` once the screen shows `waitFor` (bounded wait). */
  const typeWhen = async (waitFor: string, text: string, from = 0) => {
    for (let i = 0; i < 200 && !screen.slice(from).includes(waitFor); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(screen.slice(from).includes(waitFor), `prompt ${JSON.stringify(waitFor)} never shown: ${screen}`);
    const at = screen.indexOf(waitFor, from) + waitFor.length;
    stdin.write(text);
    return at;
  };
  return { io, typeWhen, screen: () => screen };
}

const noTty = (): PromptIo => fakeTerminal(false).io;

function assertUsage(err: unknown, ...mentions: string[]) {
  assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
  assert.equal(err.exitCode, ExitCode.USAGE);
  const text = [err.message, ...err.actions].join('\n');
  for (const m of mentions) assert.ok(text.includes(m), `"${m}" not in: ${text}`);
  return true;
}

test('interactive only when stdin AND stdout are terminals', () => {
  assert.equal(isInteractive(fakeTerminal(true).io), true);
  assert.equal(isInteractive(noTty()), false);
  const half = fakeTerminal(true).io;
  assert.equal(isInteractive({ stdin: half.stdin, stdout: noTty().stdout }), false);
  assert.equal(isInteractive({ stdin: noTty().stdin, stdout: half.stdout }), false);
});

test('without a terminal: a missing argument is a usage error naming what to pass, at once', async () => {
  await assert.rejects(askText({ missing: { arg: 'USER' }, message: 'User' }, noTty()), (e) => assertUsage(e, 'USER'));
  await assert.rejects(askText({ missing: { flag: 'domain' }, message: 'Domain' }, noTty()), (e) =>
    assertUsage(e, '--domain'),
  );
  await assert.rejects(askPassword({}, noTty()), (e) => assertUsage(e, 'PASSWORD', '--password-stdin'));
  await assert.rejects(confirm({ message: 'Remove alice?' }, noTty()), (e) => assertUsage(e, '--yes', 'Remove alice?'));
  assert.equal(await confirm({ message: 'Remove alice?', yes: true }, noTty()), true, '--yes needs no terminal');
  assert.equal(await askText({ value: 'bob', missing: { arg: 'USER' }, message: 'User' }, noTty()), 'bob');
});

test('a given value is validated like an answer', async () => {
  const validate = (v: string) => (v.includes('@') ? 'no @ here' : true);
  await assert.rejects(askText({ value: 'a@b', missing: { arg: 'USER' }, message: 'User', validate }, noTty()), (e) =>
    assertUsage(e, 'no @ here'),
  );
});

test('on a terminal a missing argument is asked for', async () => {
  const t = fakeTerminal();
  const answer = askText({ missing: { arg: 'USER' }, message: 'Subscriber name' }, t.io);
  await t.typeWhen('Subscriber name', 'alice\r');
  assert.equal(await answer, 'alice');
});

test('password on a terminal: hidden, asked twice, asked again when the two differ', async () => {
  const t = fakeTerminal();
  const p = askPassword({ message: 'New password' }, t.io);
  let at = await t.typeWhen('New password', 'first-secret\r');
  at = await t.typeWhen('(again)', 'other-secret\r', at);
  at = await t.typeWhen('do not match', '', at);
  at = await t.typeWhen('New password', 's3cret\r', at);
  await t.typeWhen('(again)', 's3cret\r', at);
  assert.equal(await p, 's3cret');
  for (const secret of ['first-secret', 'other-secret', 's3cret']) {
    assert.ok(!t.screen().includes(secret), `${secret} was echoed`);
  }
});

test('password: entries that never match give up with a usage error', async () => {
  const t = fakeTerminal();
  const p = askPassword({ attempts: 1 }, t.io);
  const at = await t.typeWhen('Password', 'a\r');
  await t.typeWhen('(again)', 'b\r', at);
  await assert.rejects(p, (e) => assertUsage(e, 'did not match'));
});

test('confirmation on a terminal: yes goes on, no cancels with exit 1', async () => {
  const t = fakeTerminal();
  const yes = confirm({ message: 'Remove alice?' }, t.io);
  await t.typeWhen('Remove alice?', 'y\r');
  assert.equal(await yes, true);
  const t2 = fakeTerminal();
  const no = confirmOrCancel({ message: 'Remove bob?' }, t2.io);
  await t2.typeWhen('Remove bob?', 'n\r');
  await assert.rejects(no, (e) => e instanceof CliError && e.exitCode === ExitCode.FAILED && e.code === 'CANCELLED');
});

test('Ctrl-C during a question cancels (exit 1), it does not crash', async () => {
  const t = fakeTerminal();
  const p = askText({ missing: { arg: 'USER' }, message: 'User' }, t.io);
  await t.typeWhen('User', '\x03');
  await assert.rejects(p, (e) => e instanceof CliError && e.code === 'CANCELLED');
});

test('--password-stdin reads exactly the first line', async () => {
  const pipe = (text: string) => Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false });
  assert.equal(await readPasswordFromStdin(pipe('pa ss "w0rd\n')), 'pa ss "w0rd');
  assert.equal(await readPasswordFromStdin(pipe('crlf\r\nsecond line\n')), 'crlf');
  assert.equal(await readPasswordFromStdin(pipe('no newline')), 'no newline');
  await assert.rejects(readPasswordFromStdin(pipe('')), (e) => assertUsage(e, 'no password'));
  await assert.rejects(readPasswordFromStdin(pipe('\nx\n')), (e) => assertUsage(e, 'no password'));
  await assert.rejects(readPasswordFromStdin(fakeTerminal(true).io.stdin), (e) => assertUsage(e, 'terminal'));
});

test('resolvePassword: argument, --password-stdin or prompt, never two sources', async () => {
  const io = noTty();
  assert.equal(await resolvePassword({ value: 'x' }, io), 'x');
  await assert.rejects(resolvePassword({ value: 'x', stdin: true }, io), (e) => assertUsage(e, 'not both'));
  const piped = { stdin: Object.assign(Readable.from(['from-pipe\n']), { isTTY: false }), stdout: io.stdout };
  assert.equal(await resolvePassword({ stdin: true }, piped as PromptIo), 'from-pipe');
  await assert.rejects(resolvePassword({}, io), (e) => assertUsage(e, '--password-stdin'));
});
