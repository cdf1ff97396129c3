import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError, conflict, exitCodeOf } from '../../../src/cli/errors.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';

test('exitCodeOf maps errors to one code', () => {
  assert.equal(exitCodeOf(conflict('user exists')), ExitCode.CONFLICT);
  assert.equal(exitCodeOf(new CliError('x', ExitCode.NOT_FOUND, 'X')), ExitCode.NOT_FOUND);
  assert.equal(exitCodeOf(Object.assign(new Error('bad flag'), { oclif: { exit: 2 } })), ExitCode.USAGE);
  assert.equal(exitCodeOf(new TypeError('oops')), ExitCode.INTERNAL);
  assert.equal(exitCodeOf(new Error('plain')), ExitCode.FAILED);
});
