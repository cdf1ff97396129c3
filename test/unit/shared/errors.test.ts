import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError, conflict, exitCodeOf } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';

test('exitCodeOf maps errors to one code', () => {
  assert.equal(exitCodeOf(conflict('user exists')), ExitCode.CONFLICT);
  assert.equal(exitCodeOf(new CliError('x', ExitCode.NOT_FOUND, 'X')), ExitCode.NOT_FOUND);
  assert.equal(exitCodeOf(Object.assign(new Error('bad flag'), { oclif: { exit: 2 } })), ExitCode.USAGE);
  assert.equal(exitCodeOf(new TypeError('oops')), ExitCode.INTERNAL);
  assert.equal(exitCodeOf(new Error('plain')), ExitCode.FAILED);
});

test('store errors map to the documented exit codes', async () => {
  const { StoreError, StoreErrorCodes } = await import('../../../src/store/errors.js');
  const { storeErrorExitCodes } = await import('../../../src/shared/errors.js');
  for (const code of StoreErrorCodes) assert.ok(code in storeErrorExitCodes, `${code} has no exit code`);
  assert.equal(exitCodeOf(new StoreError('DB_CONFLICT', 'exists')), ExitCode.CONFLICT);
  assert.equal(exitCodeOf(new StoreError('DB_NOT_FOUND_ROW', 'no such user')), ExitCode.NOT_FOUND);
  assert.equal(exitCodeOf(new StoreError('DB_UNREACHABLE', 'refused')), ExitCode.UNREACHABLE);
  assert.equal(exitCodeOf(new StoreError('DB_BAD_URL', 'bad')), ExitCode.USAGE);
});
