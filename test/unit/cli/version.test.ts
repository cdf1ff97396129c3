/**
 * `--version` alone is answered without importing oclif (start-up: npm run bench -- cli-startup),
 * so it must print exactly what oclif prints: its config.userAgent. Anything more than the one
 * flag still goes to oclif.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Config } from '@oclif/core';
import { loadOptionsFor, versionLine } from '../../../src/cli/launch.js';
import { runBin } from '../../helpers/run-cli.js';

test('the fast --version line is oclif userAgent, for every bin', async () => {
  for (const bin of ['sipd', 'sipctl', 'siptest'] as const) {
    const config = await Config.load(loadOptionsFor(bin, { manifest: 'scan' }));
    assert.equal(versionLine(), config.userAgent, bin);
    const r = await runBin(bin, ['--version']);
    assert.deepEqual([r.status, r.stdout], [0, `${config.userAgent}\n`], bin);
  }
});
