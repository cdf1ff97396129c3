import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Parser } from '@oclif/core';
import { daemonFlags } from '../../../src/cli/daemon-flags.js';
import { connectionFlags, noReloadFlag, passwordStdinFlag, yesFlag } from '../../../src/cli/flags.js';

const flags = { ...connectionFlags, yes: yesFlag, 'no-reload': noReloadFlag, 'password-stdin': passwordStdinFlag };
const parse = (argv: string[]) => Parser.parse(argv, { flags, strict: true });

test('the shared sipctl flags parse under their exact names', async () => {
  const { flags: f } = await parse([
    '--db-url',
    'mysql://u:p@h/db',
    '--data-dir=/d',
    '--run-dir',
    '/r',
    '--socket',
    '/r/s.sock',
    '--yes',
    '--no-reload',
    '--password-stdin',
  ]);
  assert.deepEqual(f, {
    'db-url': 'mysql://u:p@h/db',
    'data-dir': '/d',
    'run-dir': '/r',
    socket: '/r/s.sock',
    yes: true,
    'no-reload': true,
    'password-stdin': true,
  });
  assert.equal((await parse(['-y'])).flags.yes, true);
  const none = (await parse([])).flags;
  assert.equal(none.yes, false);
  assert.equal(none['no-reload'], false);
  assert.equal(none['db-url'], undefined, 'no default in the flag: the rc files and env come first');
});

test('an unknown flag is a parse error (exit 2 through BaseCommand)', async () => {
  await assert.rejects(parse(['--reload-not']), (e: Error & { oclif?: { exit?: number } }) => {
    assert.match(e.message, /Nonexistent flag/);
    return true;
  });
});

test('sipd and sipctl use the same names for the same paths', () => {
  for (const name of ['db-url', 'data-dir', 'run-dir']) {
    assert.ok(name in daemonFlags, `sipd has no --${name}`);
    assert.ok(name in connectionFlags, `sipctl has no --${name}`);
  }
  // Help texts show the defaults from the one table in rc-keys.ts.
  assert.match(String(connectionFlags.socket.summary), /<run dir>\/sipd\.sock; or SIPD_SOCKET/);
  assert.match(String(connectionFlags['run-dir'].summary), /\/run\/sipkit for root/);
});
