/**
 * Prompts work in a real pseudo-terminal (tmux), and the same command without a terminal fails
 * fast with a usage error instead of waiting for an answer. The command is a test-only fixture
 * (test/helpers/prompt-cli) built on the same launcher, BaseCommand and prompt helpers as sipctl.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/fixtures.js';
import { hasTmux, Pty } from '../../helpers/pty.js';
import { runNode } from '../../helpers/run-cli.js';

const fixture = join(repoRoot, 'dist', 'test', 'helpers', 'prompt-cli', 'run.js');
const argv = (...args: string[]) => [process.execPath, fixture, 'user', 'add', ...args];

function needTmux(t: { skip: (m: string) => void }): boolean {
  if (hasTmux()) return true;
  if (process.env.CI === 'true') assert.fail('tmux is required in CI (.ci/run installs it)');
  t.skip('tmux is not installed: the pseudo-terminal test is skipped (apt-get install tmux)');
  return false;
}

test('on a terminal: asks for the missing user, a hidden password twice, and a confirmation', async (t) => {
  if (!needTmux(t)) return;
  const pty = await Pty.start(argv(), { env: { ...process.env, CI: 'true' } });
  try {
    await pty.waitFor('User name');
    await pty.type('alice', 'Enter');
    await pty.waitFor(/Password(?! \(again\))/);
    await pty.type('s3cr3t-pw', 'Enter');
    await pty.waitFor('Password (again)');
    await pty.type('s3cr3t-pw', 'Enter');
    await pty.waitFor('Add alice?');
    await pty.type('y', 'Enter');
    const status = await pty.waitExit();
    const screen = await pty.screen();
    assert.equal(status, 0, screen);
    assert.match(screen, /added alice \(password of 9 characters\)/);
    assert.ok(!screen.includes('s3cr3t-pw'), `the password was echoed:\n${screen}`);
  } finally {
    await pty.close();
  }
});

test('on a terminal: answering no cancels with exit 1 and changes nothing', async (t) => {
  if (!needTmux(t)) return;
  const pty = await Pty.start(argv('bob', 'pw'));
  try {
    await pty.waitFor('Add bob?');
    await pty.type('n', 'Enter');
    assert.equal(await pty.waitExit(), 1);
    const screen = await pty.screen();
    assert.match(screen, /cancelled: nothing was changed/);
    assert.doesNotMatch(screen, /added bob/);
  } finally {
    await pty.close();
  }
});

test('without a terminal: the same command fails fast with exit 2 naming what to pass, never waits', async () => {
  // stdin an open pipe that never delivers a byte (what a reader would wait on forever), CI=true.
  const env = { CI: 'true', SIPCTL_CONTENT_TYPE: '' };
  const missing = await runNode(fixture, ['user', 'add'], { env, keepStdinOpen: true, timeoutMs: 15_000 });
  assert.notEqual(missing.status, null, 'the command hung waiting for input');
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /missing argument USER/);
  assert.match(missing.stderr, /pass USER on the command line/);

  const noPassword = await runNode(fixture, ['user', 'add', 'alice'], { env, keepStdinOpen: true });
  assert.equal(noPassword.status, 2, noPassword.stderr);
  assert.match(noPassword.stderr, /missing argument PASSWORD/);
  assert.match(noPassword.stderr, /--password-stdin/);

  const noYes = await runNode(fixture, ['user', 'add', 'alice', 'pw'], { env, keepStdinOpen: true });
  assert.equal(noYes.status, 2, noYes.stderr);
  assert.match(noYes.stderr, /pass --yes/);

  const json = await runNode(fixture, ['user', 'add', '--json'], { env, keepStdinOpen: true });
  assert.equal(json.status, 2);
  assert.equal(JSON.parse(json.stdout).error.code, 'USAGE');
});

test('without a terminal: --password-stdin and --yes make it scriptable; stdin never fills arguments', async () => {
  const ok = await runNode(fixture, ['user', 'add', 'carol', '--password-stdin', '--yes', '--json'], {
    input: 'pass word\nignored second line\n',
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout).result, { user: 'carol', passwordLength: 9 });
  // The writer keeps the pipe open after the line: the command must not wait for it to close.
  const held = await runNode(fixture, ['user', 'add', 'erin', '--password-stdin', '--yes'], {
    input: 'pw\n',
    keepStdinOpen: true,
    timeoutMs: 10_000,
  });
  assert.equal(held.status, 0, `hung or failed: ${held.stderr}`);
  // oclif would read piped stdin into a missing argument; BaseCommand turns that off.
  const piped = await runNode(fixture, ['user', 'add', '--yes'], { input: 'dave\n' });
  assert.equal(piped.status, 2, piped.stdout);
  assert.match(piped.stderr, /missing argument USER/);
});
