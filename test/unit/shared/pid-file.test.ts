import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { CliError } from '../../../src/shared/errors.js';
import {
  acquirePidFile,
  inspectPidFile,
  looksLikeSipd,
  processState,
  releasePidFile,
} from '../../../src/shared/pid-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sipd-pid-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A long-running process whose command line runs a file named sipd.js, like a real sipd. */
function fakeSipd(): ChildProcess {
  const script = join(dir, 'sipd.js');
  writeFileSync(script, 'setTimeout(() => {}, 20000);\n');
  const c = spawn(process.execPath, [script], { stdio: 'ignore' });
  children.push(c);
  return c;
}

async function exitedPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => c.once('exit', r));
  return c.pid as number;
}

describe('pid file', () => {
  test('none, then ours; release removes only our own', () => {
    const f = join(dir, 'a.pid');
    assert.deepEqual(inspectPidFile(f), { kind: 'none' });
    assert.equal(acquirePidFile(f, 4242), undefined);
    assert.equal(readFileSync(f, 'utf8'), '4242\n');
    releasePidFile(f, 1);
    assert.ok(existsSync(f), 'another pid leaves the file alone');
    releasePidFile(f, 4242);
    assert.ok(!existsSync(f));
  });

  test('stale: garbage, or a process that is gone', async () => {
    const f = join(dir, 'b.pid');
    writeFileSync(f, 'hello\n');
    assert.equal(inspectPidFile(f).kind, 'stale');
    const pid = await exitedPid();
    assert.equal(processState(pid), 'gone');
    writeFileSync(f, `${pid}\n`);
    const st = inspectPidFile(f);
    assert.deepEqual(st, { kind: 'stale', pid, reason: `process ${pid} is gone` });
    // Starting replaces it and says what it replaced.
    const replaced = acquirePidFile(f, 777);
    assert.equal(replaced?.kind, 'stale');
    assert.equal(readFileSync(f, 'utf8'), '777\n');
  });

  test('stale: the pid now belongs to another program', async () => {
    const f = join(dir, 'c.pid');
    const other = spawn('sleep', ['20'], { stdio: 'ignore' });
    children.push(other);
    await new Promise((r) => other.once('spawn', r));
    writeFileSync(f, `${other.pid}\n`);
    const st = inspectPidFile(f);
    assert.equal(st.kind, 'stale');
    assert.match((st as { reason: string }).reason, /belongs to another program \(sleep 20\)/);
  });

  test('running: a live sipd owns it, and a second acquire is refused with STATE', async () => {
    const f = join(dir, 'd.pid');
    const c = fakeSipd();
    await new Promise((r) => c.once('spawn', r));
    writeFileSync(f, `${c.pid}\n`);
    assert.deepEqual(inspectPidFile(f), { kind: 'running', pid: c.pid });
    assert.throws(
      () => acquirePidFile(f, 999),
      (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.STATE && /already running \(pid/.test(e.message),
    );
  });

  test('stale: a sipd pid reused by a process started after the file was written', async () => {
    const f = join(dir, 'e.pid');
    const c = fakeSipd();
    await new Promise((r) => c.once('spawn', r));
    writeFileSync(f, `${c.pid}\n`);
    const hourAgo = Date.now() / 1000 - 3600;
    utimesSync(f, hourAgo, hourAgo);
    const st = inspectPidFile(f);
    assert.equal(st.kind, 'stale');
    assert.match((st as { reason: string }).reason, /reused/);
  });

  test('looksLikeSipd', () => {
    assert.ok(looksLikeSipd(['node', '/opt/sipkit/bin/sipd.js', 'run']));
    assert.ok(looksLikeSipd(['/usr/bin/node', '/usr/local/bin/sipd', 'run']));
    assert.ok(!looksLikeSipd(['node', '/opt/app/server.js']));
    assert.ok(!looksLikeSipd(['sipdx']));
  });
});
