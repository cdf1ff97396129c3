/**
 * The three bins as a user runs them (built bin/*.js, child processes): separate command sets,
 * no shipped root manifest, usage errors with exit 2, the same exit code with and without --json.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Config } from '@oclif/core';
import { loadOptionsFor, manifestIsFresh, manifestPathFor } from '../../../src/cli/launch.js';
import { defaultPaths, socketIn } from '../../../src/shared/paths.js';
import { repoRoot } from '../../helpers/fixtures.js';
import { runBin, runNode, type Bin } from '../../helpers/run-cli.js';

const BINS: Bin[] = ['sipd', 'sipctl', 'siptest'];
const home = mkdtempSync(join(tmpdir(), 'sipctl-home-'));
after(() => rmSync(home, { recursive: true, force: true }));
/** A clean user environment: no rc file in HOME, no rc keys, no JSON switch. */
const env = {
  HOME: home,
  XDG_RUNTIME_DIR: join(home, 'run'),
  XDG_DATA_HOME: join(home, 'data'),
  SIPCTL_CONTENT_TYPE: '',
  DBENGINE: '',
  SIP_DOMAIN: '',
};

async function commandIds(bin: Bin): Promise<string[]> {
  const config = await Config.load(loadOptionsFor(bin, { manifest: 'scan' }));
  return config.commands.filter((c) => !c.hidden).map((c) => c.id);
}

test('each bin --help shows only its own commands, under its own name, topics with spaces', async () => {
  const ids = new Map<Bin, string[]>();
  for (const bin of BINS) ids.set(bin, await commandIds(bin));
  assert.ok(ids.get('sipctl')!.includes('config'));
  for (const bin of BINS) {
    const r = await runBin(bin, ['--help'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^\\s+\\$ ${bin} `, 'm'), 'usage under its own name');
    for (const other of BINS.filter((b) => b !== bin)) {
      assert.doesNotMatch(r.stdout, new RegExp(`\\$ ${other}\\b`), `${bin} --help mentions ${other}`);
    }
    const own = ids.get(bin)!;
    for (const id of own) {
      // Top-level commands and topics are listed by their first word; deeper ones under "<topic> --help".
      assert.match(r.stdout, new RegExp(`^  ${id.split(':')[0]}\\b`, 'm'), `${bin} --help lacks ${id}`);
      assert.ok(!r.stdout.includes(`${id.split(':')[0]}:`), `colon-separated id in ${bin} --help`);
    }
    for (const other of BINS.filter((b) => b !== bin)) {
      for (const id of ids.get(other)!.filter((x) => !own.some((o) => o.split(':')[0] === x.split(':')[0]))) {
        assert.doesNotMatch(
          r.stdout,
          new RegExp(`^  ${id.split(':')[0]}\\b`, 'm'),
          `${bin} --help lists ${other}'s ${id}`,
        );
      }
    }
  }
});

test('topics are separated by spaces (fixture CLI with a "user add" command, same launcher)', async () => {
  const fixture = join(repoRoot, 'dist', 'test', 'helpers', 'prompt-cli', 'run.js');
  const help = await runNode(fixture, ['user', '--help'], { env });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^ {2}user add +Fixture/m);
  const cmdHelp = await runNode(fixture, ['user', 'add', '--help'], { env });
  assert.match(cmdHelp.stdout, /\$ prompt-fixture user add \[USER\] \[PASSWORD\]/);
  const run = await runNode(fixture, ['user', 'add', 'bob', 'pw', '--yes', '--json'], { env });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).result, { user: 'bob', passwordLength: 2 });
});

test('after npm run build each bin starts from its own manifest, not by importing every command', async (t) => {
  if (!manifestIsFresh('sipctl')) {
    // `npx tsc -p .` after a change makes the manifests stale (the bins then scan, correctly).
    // `npm test` builds first, so in CI they must be there.
    if (process.env.CI === 'true') assert.fail('per-bin manifests missing or stale after the build');
    return t.skip('the per-bin manifests are stale or absent: run `npm run build` to check them');
  }
  for (const bin of BINS) {
    const r = await runBin(bin, ['--help'], { env: { ...env, DEBUG: 'oclif:config:sipkit' } });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stderr.includes(`using manifest from ${manifestPathFor(bin)}`), `${bin}: ${r.stderr}`);
    // `--version` alone does not even load oclif (src/cli/launch.ts): no oclif debug output at all.
    const v = await runBin(bin, ['--version'], { env: { ...env, DEBUG: 'oclif:*' } });
    assert.deepEqual([v.status, v.stderr], [0, ''], bin);
  }
  // The manifest is only an index: help still lists the commands, and they still run.
  const help = await runBin('sipctl', ['--help'], { env });
  assert.match(help.stdout, /^ {2}config +Show the settings/m);
  assert.equal((await runBin('sipctl', ['config', '--json'], { env })).status, 0);
});

test("no root oclif.manifest.json exists or is packed (it would make one bin list another's commands)", () => {
  assert.ok(!existsSync(join(repoRoot, 'oclif.manifest.json')));
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  assert.ok(files.includes('bin/sipctl.js') && files.includes('man/sipctl.8'), 'pack lists the bins and man pages');
  // Only the per-bin manifests (dist/oclif/<bin>/), present when the build wrote them.
  assert.deepEqual(
    files.filter((f) => f.endsWith('oclif.manifest.json') && !/^dist\/oclif\/(sipd|sipctl|siptest)\//.test(f)),
    [],
  );
});

test('an unknown command exits 2 with a clear message and suggestions, also as JSON', async () => {
  // siptest is SIPp-compatible: a first word that is not one of its commands is the remote host.
  for (const bin of BINS.filter((b) => b !== 'siptest')) {
    const r = await runBin(bin, ['no-such-command'], { env });
    assert.equal(r.status, 2, `${bin}: ${r.stderr}`);
    assert.match(r.stderr, /unknown command "no-such-command"/);
    assert.match(r.stderr, new RegExp(`run "${bin} --help" to list the commands`));
    assert.equal(r.stdout, '');
  }
  const typo = await runBin('sipctl', ['confgi'], { env });
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /did you mean "sipctl config"\?/);
  const json = await runBin('sipctl', ['confgi', '--json'], { env });
  assert.equal(json.status, 2);
  assert.equal(JSON.parse(json.stdout).error.code, 'UNKNOWN_COMMAND');
});

test('sipctl config: the same exit code with and without --json, one JSON document on stdout', async () => {
  const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; status: number; code?: string }> = [
    { args: [], status: 0 },
    { args: ['--db-url', 'postgres://h/db'], status: 2, code: 'USAGE' },
    { args: ['--no-such-flag'], status: 2, code: 'USAGE' },
    { args: [], env: { DBENGINE: 'PGSQL' }, status: 2, code: 'UNSUPPORTED_DBENGINE' },
  ];
  for (const c of cases) {
    const e = { ...env, ...c.env };
    const human = await runBin('sipctl', ['config', ...c.args], { env: e });
    const json = await runBin('sipctl', ['config', ...c.args, '--json'], { env: e });
    const viaEnv = await runBin('sipctl', ['config', ...c.args], { env: { ...e, SIPCTL_CONTENT_TYPE: 'json' } });
    assert.equal(human.status, c.status, `${c.args.join(' ')}: ${human.stderr}`);
    assert.equal(json.status, c.status, `${c.args.join(' ')} --json: ${json.stdout}`);
    assert.equal(viaEnv.status, c.status);
    const doc = JSON.parse(json.stdout) as { status: number; result?: unknown; error?: { code: string } };
    assert.deepEqual(JSON.parse(viaEnv.stdout), doc);
    assert.equal(doc.status, c.status);
    if (c.code) assert.equal(doc.error!.code, c.code);
    if (c.status !== 0) assert.match(human.stderr, /Error:/);
  }
});

test('sipctl config reads ~/.sipctlrc, then env, then flags; passwords never shown', async () => {
  writeFileSync(join(home, '.sipctlrc'), 'SIP_DOMAIN=rc.example\nDBENGINE=MYSQL\nDBRWPW="top secret"\nDBHOST=db1\n');
  try {
    const r = await runBin('sipctl', ['config', '--json', '--socket', '/tmp/x.sock'], {
      env: { ...env, DBHOST: 'db2' },
    });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout).result;
    assert.equal(s.domain, 'rc.example');
    assert.equal(s.dbUrl, 'mysql://sipkit:***@db2:3306/sipkit');
    assert.equal(s.db.password, '***');
    assert.equal(s.socket, '/tmp/x.sock');
    assert.equal(s.origins.domain, `${join(home, '.sipctlrc')}:1`);
    assert.equal(s.origins.socket, 'flag --socket');
    const human = await runBin('sipctl', ['config'], { env });
    assert.ok(!human.stdout.includes('top secret') && !r.stdout.includes('top secret'));
  } finally {
    rmSync(join(home, '.sipctlrc'));
  }
  const d = await runBin('sipctl', ['config', '--json'], { env });
  // Whatever the user (root or not), the socket is the one sipd uses with no flags.
  const sipdDefault = socketIn(defaultPaths({ ...process.env, ...env }).runDir);
  assert.equal(JSON.parse(d.stdout).result.socket, sipdDefault, "sipd's default");
});

test('human output: plain columns without ANSI in a pipe, colour only when forced', async () => {
  const plain = await runBin('sipctl', ['config'], { env: { ...env, NO_COLOR: '', TERM: 'xterm-256color' } });
  assert.equal(plain.status, 0);
  assert.doesNotMatch(plain.stdout, /\x1b\[/);
  assert.match(plain.stdout, /^SETTING +KEY +VALUE +FROM$/m);
  assert.doesNotMatch(plain.stdout, /[┌│]/);
  const forced = await runBin('sipctl', ['config'], { env: { ...env, NO_COLOR: '', FORCE_COLOR: '1' } });
  assert.match(forced.stdout, /\x1b\[/);
});
