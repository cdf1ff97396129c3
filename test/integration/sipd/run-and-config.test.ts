/**
 * sipd through the built bin, part 2: foreground `run`, SIGHUP, configuration errors,
 * `check-config`, start-up failures. Split from lifecycle.test.ts so the runner can run both files
 * at once. Every daemon a test starts is killed in the after hooks.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { mgmtCall } from '../../../src/mgmt/client.js';
import {
  alive,
  isolatedFlags,
  tmpDirs,
  type StartJson,
  jsonOf,
  runSipd,
  spawnSipd,
  until,
} from '../../helpers/sipd.js';

const newDir = tmpDirs();

describe('sipd run, signals and configuration via the built bin', { timeout: 120000 }, () => {
  test('SIGHUP reopens the log file (logrotate)', async () => {
    const dir = newDir();
    const started = await runSipd(['start', ...isolatedFlags(dir), '--json'], { dir });
    assert.equal(started.code, 0, started.stderr);
    const { pid, logFile } = jsonOf<StartJson>(started).result;
    await until(() => readFileSync(logFile, 'utf8').includes('sipd started'), 'start logged');
    renameSync(logFile, logFile + '.1');
    process.kill(pid, 'SIGHUP');
    await until(() => existsSync(logFile), 'a new log file');
    await until(() => readFileSync(logFile, 'utf8').includes('log file reopened'), 'reopen logged in the new file');
    // Later lines go to the new file, not the rotated one.
    await mgmtCall(join(dir, 'run', 'sipd.sock'), 'core.shutdown');
    await until(() => !alive(pid), 'exit after core.shutdown');
    assert.match(readFileSync(logFile, 'utf8'), /sipd stopped/);
    assert.doesNotMatch(readFileSync(logFile + '.1', 'utf8'), /log file reopened|sipd stopped/);
  });

  test('invalid config: every problem with its key, exit 2, for check-config, start and run', async () => {
    const dir = newDir();
    const conf = join(dir, 'bad.conf');
    writeFileSync(
      conf,
      [
        'listen = ["udp:127.0.0.1:0", "bogus"]',
        '[registrar]',
        'min_expires = "soon"',
        'max_contacts = -1',
        '[loging]',
      ].join('\n'),
    );
    const keys = ['listen[1]', 'loging', 'registrar.max_contacts', 'registrar.min_expires'];
    for (const cmd of ['check-config', 'start', 'run']) {
      const r = await runSipd([cmd, '--config', conf, '--run-dir', join(dir, 'run'), '--data-dir', dir], { dir });
      assert.equal(r.code, ExitCode.USAGE, `${cmd}: ${r.stderr}`);
      assert.match(r.stderr, /invalid configuration in .*bad\.conf \(4 problems\)/);
      for (const k of keys) assert.ok(r.stderr.includes(`  ${k}: `), `${cmd} lists ${k}: ${r.stderr}`);
      const j = await runSipd([cmd, '--config', conf, '--run-dir', join(dir, 'run'), '--json'], { dir });
      assert.equal(j.code, ExitCode.USAGE, `${cmd} --json: same exit code`);
      const e = JSON.parse(j.stdout) as { status: number; error: { code: string; problems?: Array<{ key: string }> } };
      assert.equal(e.status, ExitCode.USAGE);
      assert.equal(e.error.code, 'USAGE');
      if (cmd === 'check-config')
        assert.deepEqual(
          e.error.problems?.map((p) => p.key),
          keys,
        );
    }
    assert.ok(!existsSync(join(dir, 'run', 'sipd.pid')), 'nothing was started');
    // A bad flag value is named by its flag.
    const f = await runSipd(['check-config', '--config', join(dir, 'sipd.conf'), '--listen', 'udp:[::1:5060'], { dir });
    assert.equal(f.code, ExitCode.USAGE);
    assert.match(f.stderr, /--listen\[0\]: Unterminated IPv6 reference/);
  });

  test('check-config prints the effective configuration', async () => {
    const dir = newDir();
    const conf = join(dir, 'good.conf');
    writeFileSync(
      conf,
      'domains = ["example.com"]\ndb_url = "mysql://sip:pw@127.0.0.1/sipkit"\n[proxy]\nmode = "redirect"\n',
    );
    const r = await runSipd(['check-config', '--config', conf, '--listen', 'tcp:[::1]:5070', '--json'], { dir });
    assert.equal(r.code, 0, r.stderr);
    const c = jsonOf<{ valid: boolean; configFile: string; config: Record<string, unknown> }>(r);
    assert.equal(c.result.valid, true);
    assert.equal(c.result.configFile, conf);
    assert.deepEqual(c.result.config.listen, [{ proto: 'tcp', host: '::1', port: 5070 }]);
    assert.deepEqual(c.result.config.domains, ['example.com']);
    assert.equal(c.result.config.db_url, 'mysql://sip:***@127.0.0.1/sipkit', 'password not printed');
    assert.equal((c.result.config.proxy as { mode: string }).mode, 'redirect');
    const h = await runSipd(['check-config', '--config', conf], { dir });
    assert.equal(h.code, 0);
    assert.match(h.stdout, /configuration OK \(.*good\.conf\)/);
    assert.doesNotMatch(h.stdout, /pw@/);
    assert.match(h.stdout, /location +durable \(usrloc\.db_mode = 1\): REGISTER answered after the database commit/);
  });

  test('check-config states a memory-only location (usrloc.db_mode = 0) and refuses other modes', async () => {
    const dir = newDir();
    const conf = join(dir, 'memory.conf');
    writeFileSync(conf, '[usrloc]\ndb_mode = 0\n');
    const h = await runSipd(['check-config', '--config', conf], { dir });
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /location +memory only \(usrloc\.db_mode = 0\): registrations are lost on restart/);
    writeFileSync(conf, '[usrloc]\ndb_mode = 2\n');
    const bad = await runSipd(['check-config', '--config', conf], { dir });
    assert.equal(bad.code, ExitCode.USAGE);
    assert.match(
      bad.stderr,
      /usrloc\.db_mode: expected 1 \(durable: REGISTER answered after its commit\) or 0 \(memory only/,
    );
  });

  test('run in the foreground: logs to stderr, refuses a second sipd, stops on SIGINT with exit 0', async () => {
    const dir = newDir();
    const flags = isolatedFlags(dir);
    const child = spawnSipd(['run', ...flags], dir);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const sock = join(dir, 'run', 'sipd.sock');
      await until(() => existsSync(sock) && child.output().includes('sipd started'), 'foreground sipd ready');
      assert.equal(readFileSync(join(dir, 'run', 'sipd.pid'), 'utf8'), `${child.pid}\n`);
      const second = await runSipd(['start', ...flags], { dir });
      assert.equal(second.code, ExitCode.STATE, 'a foreground sipd also blocks a start');
      const st = await runSipd(['status', '--run-dir', join(dir, 'run'), '--json'], { dir });
      assert.equal(jsonOf<{ pid: number }>(st).result.pid, child.pid);
      child.kill('SIGINT');
      assert.equal(await exited, 0);
      assert.match(child.output(), /"signal":"SIGINT".*stop requested/);
      assert.match(child.output(), /sipd stopped \(SIGINT\) after/);
      assert.ok(!existsSync(join(dir, 'run', 'sipd.pid')));
      assert.ok(!existsSync(sock));
    } finally {
      child.kill('SIGKILL');
    }
  });

  test("start reports the child's start-up error and exit code (address in use)", async () => {
    const dir = newDir();
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()));
    const port = blocker.address().port;
    try {
      const base = ['--config', join(dir, 'sipd.conf'), '--run-dir', join(dir, 'run'), '--data-dir', join(dir, 'data')];
      const r = await runSipd(['start', ...base, '--listen', `udp:127.0.0.1:${port}`, '--json'], { dir });
      assert.equal(r.code, ExitCode.FAILED, r.stdout + r.stderr);
      const e = JSON.parse(r.stdout) as { status: number; error: { message: string; actions: string[] } };
      assert.equal(e.status, ExitCode.FAILED);
      assert.match(e.error.message, new RegExp(`cannot listen on udp:127.0.0.1:${port}: address already in use`));
      assert.ok(e.error.actions.some((a) => a.includes('sipd.log')));
      assert.ok(!existsSync(join(dir, 'run', 'sipd.pid')), 'no pid file left behind');
    } finally {
      blocker.close();
    }
  });
});
