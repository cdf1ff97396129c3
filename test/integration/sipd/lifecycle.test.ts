/**
 * sipd's lifecycle through the built bin, as operators and scripts use it: `node bin/sipd.js
 * start|status|stop|restart|run|check-config`, with a temp run/data dir and loopback port 0.
 * Every daemon a test starts is killed in the after hooks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { alive, isolatedFlags, tmpDirs, type StartJson, jsonOf, runSipd, until } from '../../helpers/sipd.js';

const newDir = tmpDirs();

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

  test('a stuck sipd: stop --timeout fails with exit 1, --force kills it and cleans up', async () => {
    const dir = newDir();
    const run = join(dir, 'run');
    const { pid } = jsonOf<StartJson>(await runSipd(['start', ...isolatedFlags(dir), '--json'], { dir })).result;
    process.kill(pid, 'SIGSTOP'); // SIGTERM stays pending: the process cannot exit
    try {
      const t = await runSipd(['stop', '--run-dir', run, '--timeout', '1', '--json'], { dir });
      assert.equal(t.code, ExitCode.FAILED);
      const e = JSON.parse(t.stdout) as { error: { code: string; actions: string[] } };
      assert.equal(e.error.code, 'STOP_TIMEOUT');
      assert.ok(e.error.actions.some((a) => a.includes('--force')));
      assert.ok(alive(pid), 'still there');
      const f = await runSipd(['stop', '--run-dir', run, '--timeout', '1', '--force', '--json'], { dir });
      assert.equal(f.code, 0, f.stderr);
      assert.equal(jsonOf<{ killed: boolean }>(f).result.killed, true);
      assert.ok(!alive(pid));
      assert.ok(
        !existsSync(join(run, 'sipd.pid')) && !existsSync(join(run, 'sipd.sock')),
        'pid file and socket removed',
      );
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
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

  test('route file: SIGHUP reloads it (a broken one keeps the route in force); a broken one stops the start', async () => {
    const dir = newDir();
    const flags = isolatedFlags(dir);
    const route = join(dir, 'route.mjs');
    const log = join(dir, 'run', 'sipd.log');
    const named = (name: string) => `export default { name: '${name}', request(ctx) { ctx.reply(200); } };\n`;
    writeFileSync(join(dir, 'sipd.conf'), 'route = "route.mjs"\n');
    writeFileSync(route, named('one'));
    const started = jsonOf<StartJson>(await runSipd(['start', ...flags, '--json'], { dir }));
    assert.equal(started.status, 0);
    const pid = started.result.pid;
    const logged = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    await until(() => /"route":"one".*"msg":"route loaded"/.test(logged()), 'route loaded');

    writeFileSync(route, named('two'));
    process.kill(pid, 'SIGHUP');
    await until(() => /"route":"two".*"msg":"route reloaded"/.test(logged()), 'route reloaded on SIGHUP');

    writeFileSync(route, 'export default {\n  request(ctx) { ctx.reply(200 +); },\n};\n');
    process.kill(pid, 'SIGHUP');
    await until(() => /route reload failed: the route in force stays/.test(logged()), 'reload failure logged');
    assert.match(logged(), new RegExp(`${route}:2:\\d+: SyntaxError`));
    assert.ok(alive(pid), 'sipd keeps running');
    const stop = await runSipd(['stop', '--run-dir', join(dir, 'run'), '--timeout', '10'], { dir });
    assert.equal(stop.code, 0, stop.stderr);

    const broken = await runSipd(['start', ...flags], { dir });
    assert.equal(broken.code, ExitCode.USAGE, broken.stderr);
    assert.match(broken.stderr, new RegExp(`route: ${route}:2:\\d+: SyntaxError`));
  });
});
