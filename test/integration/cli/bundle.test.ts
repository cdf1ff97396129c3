/**
 * The start-up paths of sipctl and sipd (issue 16): a script's call (stdout in a pipe) takes the
 * lite run and loads no oclif; help, and anything the lite run leaves, takes oclif from its bundle;
 * SIPKIT_BUNDLE=0 takes the compiled modules. All three print the same bytes and exit with the
 * same code: each command line here runs all three ways and the results are compared.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixturesDir, repoRoot } from '../../helpers/fixtures.js';
import { SipctlBox } from '../../helpers/sipctl.js';

const RECORD = join(fixturesDir, 'startup', 'record-modules.mjs');

const MODES = {
  lite: {},
  'oclif bundle': { SIPKIT_LITE: '0' },
  modules: { SIPKIT_BUNDLE: '0' },
} as const;
type Mode = keyof typeof MODES;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  modules: string[];
}

let box: SipctlBox;
before(async () => {
  box = new SipctlBox({}, 'cli-paths-');
  await box.ok(['domain', 'add', 'example.com', '--no-reload']);
  await box.ok(['add', 'alice@example.com', 'secret', '--no-reload']);
});
after(() => box.cleanup());

/** `node --import record-modules.mjs bin/<bin>.js ...args` in the box, the given way. */
function run(
  bin: 'sipctl' | 'sipd',
  args: string[],
  mode: Mode,
  input = '',
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  const record = join(box.dir, `modules-${process.hrtime.bigint()}.txt`);
  const env = { ...box.fullEnv(), ...MODES[mode], ...extraEnv, SIPKIT_RECORD_MODULES: record };
  const child = spawn(process.execPath, ['--import', RECORD, join('bin', `${bin}.js`), ...args], {
    cwd: repoRoot,
    env,
  });
  let [stdout, stderr] = ['', ''];
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(timer);
      const modules = readFileSync(record, 'utf8').split('\n').filter(Boolean);
      rmSync(record, { force: true });
      resolve({ status, stdout, stderr, modules });
    }),
  );
}

const loaded = (r: Run, part: string) => r.modules.some((m) => m.includes(part));

/** Runs the command line the three ways; asserts the same status, stdout and stderr. */
async function sameEveryWay(bin: 'sipctl' | 'sipd', args: string[], input?: string): Promise<Record<Mode, Run>> {
  const runs = {} as Record<Mode, Run>;
  for (const mode of Object.keys(MODES) as Mode[]) runs[mode] = await run(bin, args, mode, input);
  const shown = (r: Run) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr });
  const line = `${bin} ${args.join(' ')}`;
  assert.deepEqual(shown(runs.lite), shown(runs.modules), `${line}: lite run vs compiled modules`);
  assert.deepEqual(shown(runs['oclif bundle']), shown(runs.modules), `${line}: oclif bundle vs compiled modules`);
  return runs;
}

test("a script's sipctl call runs without oclif; help and SIPKIT_* switches pick the other paths", async () => {
  const runs = await sameEveryWay('sipctl', ['config', '--json']);
  assert.equal(runs.lite.status, 0);
  assert.ok(loaded(runs.lite, '/dist/oclif/sipctl/launch.cjs'), 'the fast launcher');
  assert.ok(loaded(runs.lite, '/dist/oclif/sipctl/lite/cmd/config.cjs'), "the command's lite bundle");
  // No other command's bundle, and no ES module of the package past the bin: CommonJS all along.
  assert.ok(
    !runs.lite.modules.some((m) => m.includes('/lite/cmd/') && !m.endsWith('/config.cjs') && !m.endsWith('/zod.cjs')),
  );
  assert.ok(!runs.lite.modules.some((m) => m.startsWith('file://') && m.includes('/dist/')), 'no ES module of dist');
  assert.ok(!loaded(runs.lite, '@oclif/core') && !loaded(runs.lite, '/oclif/sipctl/bundle/'), 'no oclif');
  assert.ok(loaded(runs['oclif bundle'], '/dist/oclif/sipctl/bundle/main.js'), 'SIPKIT_LITE=0: oclif bundle');
  assert.ok(!loaded(runs['oclif bundle'], '/oclif/sipctl/lite/'), 'SIPKIT_LITE=0: no lite bundle');
  assert.ok(loaded(runs.modules, '/dist/commands/sipctl/config.js'), 'SIPKIT_BUNDLE=0: compiled modules');
  assert.ok(loaded(runs.modules, '@oclif/core'), 'SIPKIT_BUNDLE=0: oclif from node_modules');
  const help = await run('sipctl', ['show', '--help'], 'lite');
  assert.ok(!loaded(help, '@oclif/core') && !loaded(help, '/oclif/sipctl/bundle/'), '--help: written at build time');
  const live = await run('sipctl', ['show', '--help'], 'lite', '', { SIPKIT_HELP_CACHE: '0' });
  assert.ok(loaded(live, '/dist/oclif/sipctl/bundle/main.js'), 'SIPKIT_HELP_CACHE=0: oclif from its bundle');
  assert.equal(help.stdout, live.stdout);
});

test('sipctl prints the same every way: results, tables, errors, unknown flags and commands', async () => {
  const lines = [
    ['config'],
    ['show', 'alice@example.com'],
    ['show', 'alice@example.com', '--json'],
    ['show', '--json', '--show-secrets'],
    ['list'],
    ['domain', 'show', '--json'],
    ['db', 'show', 'subscriber'],
    ['db', 'smatch', 'subscriber', 'username', 'alice', '--json'],
    ['show', 'nobody@example.com'], // exit 3
    ['show', 'nobody@example.com', '--json'],
    ['show', 'alice@example.com', '--bogus'], // oclif's nonexistent-flag error
    ['show', 'a', 'b'], // surplus argument
    ['alias', 'add', 'x'], // missing argument
    ['ps'], // no sipd running
    ['ps', '--json'],
    ['avp', 'list', 'alice@example.com', '--table', 'usr_preferences'],
    ['frobnicate'], // unknown command
    ['show', '--domain', '--json'], // a flag where a value should be
    ['rm', 'alice@example.com'], // asks for --yes without a terminal
  ];
  for (const args of lines) await sameEveryWay('sipctl', args);
});

test('changes made by each path leave the same database and print the same', async () => {
  const steps = [
    ['add', 'carol@example.com', '--password-stdin', '--no-reload'],
    ['passwd', 'carol@example.com', 'other', '--no-reload'],
    ['alias', 'add', 'caz@example.com', 'carol@example.com', '--no-reload'],
    ['show', 'carol@example.com', '--json', '--show-secrets'],
    ['alias', 'rm', 'caz@example.com', '--no-reload'],
    ['rm', 'carol@example.com', '--yes', '--no-reload'],
  ];
  const seen = {} as Record<Mode, string[]>;
  for (const mode of Object.keys(MODES) as Mode[]) {
    seen[mode] = [];
    for (const args of steps) {
      const r = await run('sipctl', args, mode, 'secret\n');
      assert.equal(r.status, 0, `${mode}: sipctl ${args.join(' ')}: ${r.stderr}`);
      // Timestamps of the rows differ from one run to the next.
      seen[mode].push(r.stdout.replace(/\d{4}-\d\d-\d\d[T ][\d:.]+Z?/g, 'TIME') + r.stderr);
    }
    const left = await run('sipctl', ['show', '--json'], 'modules');
    assert.doesNotMatch(left.stdout, /carol/, `${mode}: carol removed`);
  }
  assert.deepEqual(seen.lite, seen.modules, 'lite vs modules');
  assert.deepEqual(seen['oclif bundle'], seen.modules, 'oclif bundle vs modules');
});

test('sipd status, stop and help print the same every way', async () => {
  const idle = ['--run-dir', join(box.dir, 'idle')];
  await sameEveryWay('sipd', ['status', ...idle]);
  await sameEveryWay('sipd', ['status', ...idle, '--json']);
  await sameEveryWay('sipd', ['stop', ...idle]);
  const help = await sameEveryWay('sipd', ['--help']);
  assert.equal(help.lite.status, 0);
  const status = await run('sipd', ['status', ...idle], 'lite');
  assert.ok(
    loaded(status, '/dist/oclif/sipd/lite/cmd/status.cjs') && !loaded(status, '@oclif/core'),
    'sipd status: lite',
  );
});
