/**
 * The lite run's parser (src/cli/lite/parse.ts) against oclif's own Parser.parse, on flag and
 * argument definitions made with oclif's Flags and Args (as the commands make them): for the
 * command lines it handles, the same args, flags and argv; for the others (errors, warnings,
 * forms it does not handle), NotLite, so that oclif runs them. And the bundles' freshness rule.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Args, Flags, Parser } from '@oclif/core';
import { bundleIsFresh } from '../../../src/cli/launch.js';
import { liteParse, NotLite, type ParseInput } from '../../../src/cli/lite/parse.js';

const input = {
  flags: {
    json: Flags.boolean({ description: 'Format output as json.' }),
    domain: Flags.string({ summary: 'domain' }),
    'db-url': Flags.string({ summary: 'url' }),
    yes: Flags.boolean({ char: 'y', default: false }),
    type: Flags.string({ char: 't', options: ['0', '1'] }),
    timeout: Flags.integer({ default: 5, min: 1 }),
    table: Flags.string({ default: async () => 'usr_preferences' }),
  },
  args: {
    user: Args.string({ required: true, ignoreStdin: true } as never),
    password: Args.string({ ignoreStdin: true } as never),
  },
  strict: true,
};
const loose = { ...input, strict: false };

async function oclifParse(argv: string[], i: typeof input) {
  const r = await Parser.parse(argv, { ...i, context: {} } as never);
  return { args: r.args, flags: r.flags, argv: r.argv };
}

async function liteResult(argv: string[], i: typeof input) {
  const r = await liteParse(argv, i as unknown as ParseInput, {});
  return { args: r.args, flags: r.flags, argv: r.argv };
}

test('the command lines the lite parser takes give what oclif gives', async () => {
  const lines = [
    ['alice@example.com'],
    ['alice@example.com', 'secret'],
    ['alice@example.com', '--json'],
    ['--json', 'alice@example.com', 'secret', '--domain', 'example.com'],
    ['alice', '--domain=example.com', '-y'],
    ['alice', '--yes', '--timeout', '30', '-t', '1'],
    ['alice', '--db-url', 'sqlite:/tmp/x.db', '--table', 'other'],
    ['alice', '--domain='],
    ['-', 'x'],
  ];
  for (const argv of lines)
    assert.deepEqual(await liteResult(argv, input), await oclifParse(argv, input), argv.join(' '));
  const extra = ['core.version', 'a', 'b', '--json'];
  assert.deepEqual(await liteResult(extra, loose), await oclifParse(extra, loose), 'non-strict surplus words');
});

test('what oclif rejects or warns about, or reads differently, is left to oclif (NotLite)', async () => {
  const lines = [
    [], // missing required argument
    ['a', 'b', 'c'], // unexpected argument
    ['a', '--bogus'], // nonexistent flag
    ['a', '--domain'], // flag without a value
    ['a', '--domain', '--json'], // a flag where the value should be
    ['a', '--domain', 'x', '--domain', 'y'], // given twice
    ['a', '--timeout', 'soon'], // not an integer
    ['a', '--timeout', '0'], // below min
    ['a', '-t', '7'], // not one of the options
    ['a', '--', '--json'], // everything after -- is an argument
    ['a', '-yt', '1'], // bundled short flags
    ['a', '--no-yes'], // negation
    ['a', '--json=true'], // a boolean with a value
  ];
  for (const argv of lines)
    await assert.rejects(liteResult(argv, input), NotLite, `lite parser took: ${argv.join(' ')}`);
});

test('flag definitions with relationships or environment values are left to oclif', async () => {
  const withRelation = { ...input, flags: { ...input.flags, all: Flags.boolean({ exclusive: ['domain'] }) } };
  await assert.rejects(liteResult(['a'], withRelation), NotLite);
  process.env.SIPKIT_TEST_LITE_ENV = 'x';
  try {
    const withEnv = { ...input, flags: { ...input.flags, e: Flags.string({ env: 'SIPKIT_TEST_LITE_ENV' }) } };
    await assert.rejects(liteResult(['a'], withEnv), NotLite);
  } finally {
    delete process.env.SIPKIT_TEST_LITE_ENV;
  }
});

const dir = mkdtempSync(join(tmpdir(), 'sipkit-bundle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the bundles are used only when they and the manifest are newer than the last compile', () => {
  const [manifest, buildInfo, oclif, lite] = ['m.json', '.tsbuildinfo', 'b.js', 'l.js'].map((f) => join(dir, f));
  const files = { manifest: manifest!, bundles: [oclif!, lite!], newerThan: [buildInfo!] };
  for (const f of [manifest, buildInfo, oclif, lite]) writeFileSync(f!, '');
  const at = (f: string, s: number) => utimesSync(f, new Date(s * 1000), new Date(s * 1000));
  at(buildInfo!, 1000);
  for (const f of [manifest, oclif, lite]) at(f!, 2000);
  assert.equal(bundleIsFresh('sipctl', files), true, 'built after the compile');
  at(buildInfo!, 3000);
  assert.equal(bundleIsFresh('sipctl', files), false, '`npx tsc` ran after the build');
  for (const f of [manifest, oclif]) at(f!, 4000);
  assert.equal(bundleIsFresh('sipctl', files), false, 'one bundle is stale');
  rmSync(lite!);
  assert.equal(bundleIsFresh('sipctl', files), false, 'one bundle is missing');
});
