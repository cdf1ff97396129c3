/**
 * sipd's lifecycle through the built bin, as operators and scripts use it: `node bin/sipd.js
 * start|status|stop|restart|run|check-config`, with a temp run/data dir and loopback port 0.
 * Every daemon a test starts is killed in the after hooks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { mgmtCall } from '../../../src/cli/mgmt-client.js';
import { processState } from '../../../src/daemon/lifecycle/pid-file.js';
import { cleanup, isolatedFlags, jsonOf, runSipd, spawnSipd, tmpDir, until } from '../../helpers/sipd.js';

const dirs: string[] = [];
after(() => dirs.forEach(cleanup));

function newDir(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}

interface StartJson {
  pid: number;
  listen: string[];
  socket: string;
  pidFile: string;
  logFile: string;
  stalePidFile?: string;
}

/** Alive and not a zombie (a daemon whose parent exited may linger unreaped where PID 1 does not reap). */
const alive = (pid: number) => processState(pid) === 'alive';

describe('sipd lifecycle via the built bin', { timeout: 120000 }, () => {
  test('start → status → second start refused → stop waits → status not running', async () => {
    const dir = newDir();
    const flags = isolatedFlags(dir);
    const run = join(dir, 'run');

    const started = await runSipd(['start', ...flags, '--json'], { dir });
    assert.equal(started.code, 0, started.stderr);
    const s = jsonOf<StartJson>(started);
    assert.equal(s.status, 0);
    assert.ok(alive(s.result.pid));
    assert.equal(readFileSync(join(run, 'sipd.pid'), 'utf8'), `${s.result.pid}\n`);
    assert.equal(s.result.listen.length, 2);
    assert.match(s.result.listen[0], /^udp:127\.0\.0\.1:[1-9]\d*$/);
    assert.match(s.result.listen[1], /^tcp:127\.0\.0\.1:[1-9]\d*$/);
    assert.equal(s.result.socket, join(run, 'sipd.sock'));
    assert.equal(s.result.logFile, join(run, 'sipd.log'));
    assert.equal(statSync(s.result.socket).mode & 0o777, 0o660, 'socket 0660');

    // The listeners really are bound: a datagram to the reported UDP port is accepted by sipd's socket.
    const udpPort = Number(s.result.listen[0].split(':').pop());
    const probe = createSocket('udp4');
    await assert.rejects(
      new Promise((resolve, reject) => probe.bind(udpPort, '127.0.0.1', () => resolve(0)).once('error', reject)),
    );
    probe.close();

    const status = await runSipd(['status', '--run-dir', run, '--json'], { dir });
    assert.equal(status.code, 0, status.stderr);
    const st = jsonOf<Record<string, unknown>>(status);
    assert.equal(st.status, 0);
    assert.equal(st.result.running, true);
    assert.equal(st.result.pid, s.result.pid);
    assert.deepEqual(st.result.listen, s.result.listen);
    assert.equal(st.result.registrations, 0);
    assert.equal(typeof st.result.uptime, 'number');
    const human = await runSipd(['status', '--run-dir', run], { dir });
    assert.equal(human.code, 0);
    assert.match(human.stdout, new RegExp(`sipd is running \\(pid ${s.result.pid}\\)`));
    assert.match(human.stdout, /registrations +0/);

    for (const json of [false, true]) {
      const again = await runSipd(['start', ...flags, ...(json ? ['--json'] : [])], { dir });
      assert.equal(again.code, ExitCode.STATE, `second start exits 6 (json=${json})`);
      if (json) {
        const e = JSON.parse(again.stdout) as { status: number; error: { code: string; message: string } };
        assert.equal(e.status, ExitCode.STATE);
        assert.equal(e.error.code, 'ALREADY_RUNNING');
      } else {
        assert.match(again.stderr, new RegExp(`sipd is already running \\(pid ${s.result.pid}`));
      }
    }
    assert.ok(alive(s.result.pid), 'the running sipd is untouched');

    const stopped = await runSipd(['stop', '--run-dir', run, '--json'], { dir });
    assert.equal(stopped.code, 0, stopped.stderr);
    const sp = jsonOf<{ wasRunning: boolean; pid: number; waitedMs: number }>(stopped);
    assert.equal(sp.result.wasRunning, true);
    assert.equal(sp.result.pid, s.result.pid);
    assert.ok(!alive(s.result.pid), 'stop returned only after the process was gone');
    assert.ok(!existsSync(join(run, 'sipd.pid')), 'pid file removed');
    assert.ok(!existsSync(join(run, 'sipd.sock')), 'socket removed');
    const log = readFileSync(join(run, 'sipd.log'), 'utf8');
    assert.match(log, /"signal":"SIGTERM".*"msg":"stop requested"/);
    assert.match(log, /"msg":"sipd stopped"/);

    const after = await runSipd(['status', '--run-dir', run, '--json'], { dir });
    assert.equal(after.code, ExitCode.STATE);
    const af = jsonOf<{ running: boolean }>(after);
    assert.equal(af.status, ExitCode.STATE);
    assert.equal(af.result.running, false);
    const afterHuman = await runSipd(['status', '--run-dir', run], { dir });
    assert.equal(afterHuman.code, ExitCode.STATE);
    assert.match(afterHuman.stdout, /sipd is not running/);

    const again = await runSipd(['stop', '--run-dir', run], { dir });
    assert.equal(again.code, 0, 'stopping a stopped sipd is fine');
    assert.match(again.stdout, /sipd is not running/);
  });

  test('stale pid files: a dead process, or a pid now used by another program', async () => {
    const dir = newDir();
    const flags = isolatedFlags(dir);
    const run = join(dir, 'run');
    const pidFile = join(run, 'sipd.pid');

    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => sleeper.once('spawn', r));
    try {
      for (const [pid, reason] of [
        [dead.pid, /process \d+ is gone/],
        [sleeper.pid, /belongs to another program \(sleep 30\)/],
      ] as const) {
        mkdirSync(run, { recursive: true });
        writeFileSync(pidFile, `${pid}\n`);

        const st = await runSipd(['status', '--run-dir', run, '--json'], { dir });
        assert.equal(st.code, ExitCode.STATE);
        const sj = jsonOf<{ running: boolean; stalePidFile: string }>(st);
        assert.equal(sj.result.running, false);
        assert.match(sj.result.stalePidFile, reason);

        const started = await runSipd(['start', ...flags, '--json'], { dir });
        assert.equal(started.code, 0, started.stderr + started.stdout);
        const s = jsonOf<StartJson>(started);
        assert.match(s.result.stalePidFile ?? '', reason);
        assert.notEqual(s.result.pid, pid);
        assert.equal(readFileSync(pidFile, 'utf8'), `${s.result.pid}\n`);
        assert.ok(alive(sleeper.pid as number), 'the other program was not touched');

        const stopped = await runSipd(['stop', '--run-dir', run], { dir });
        assert.equal(stopped.code, 0, stopped.stderr);
      }
      // stop also cleans a stale file up.
      writeFileSync(pidFile, `${dead.pid}\n`);
      const stop = await runSipd(['stop', '--run-dir', run, '--json'], { dir });
      assert.equal(stop.code, 0);
      assert.match(jsonOf<{ stalePidFile: string }>(stop).result.stalePidFile, /is gone/);
      assert.ok(!existsSync(pidFile));
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

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
    assert.match(f.stderr, /--listen\[0\]: unclosed '\['/);
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

  test('restart replaces the daemon; stop --timeout is honoured', async () => {
    const dir = newDir();
    const flags = isolatedFlags(dir);
    const first = jsonOf<StartJson>(await runSipd(['start', ...flags, '--json'], { dir })).result;
    const r = await runSipd(['restart', ...flags, '--json'], { dir });
    assert.equal(r.code, 0, r.stderr);
    const rr = jsonOf<{ stopped: { pid: number; wasRunning: boolean }; started: StartJson }>(r).result;
    assert.equal(rr.stopped.pid, first.pid);
    assert.ok(!alive(first.pid));
    assert.ok(alive(rr.started.pid));
    const stop = await runSipd(['stop', '--run-dir', join(dir, 'run'), '--timeout', '10'], { dir });
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, new RegExp(`sipd stopped \\(pid ${rr.started.pid}, \\d+\\.\\d s\\)`));
  });
});
