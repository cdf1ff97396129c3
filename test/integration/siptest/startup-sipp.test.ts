/**
 * Start-up as shell scripts and test suites use it: a siptest UAS started in the background, and
 * one second later sipp sends to it. Every message must be answered the first time: no INVITE
 * retransmitted (a UAS still loading would lose the first ones), every call successful.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeUdpPort, requireSipp, runProc, siptestBin } from '../../helpers/procs.js';

const { sipp, skip } = requireSipp();
const dir = mkdtempSync(join(tmpdir(), 'siptest-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CALLS = 5;

test('siptest -sn uas &, sleep 1, sipp uac: every message answered the first time', { skip }, async () => {
  const [sp, cp] = [await freeUdpPort(), await freeUdpPort()];
  // `siptest -sn uas ... &` as a script writes it: nothing waits for the UAS to be ready.
  const uas = spawn(
    process.execPath,
    [siptestBin, '-sn', 'uas', '-i', '127.0.0.1', '-p', String(sp), '-m', String(CALLS), '-nostdin', '--json'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  uas.stdout.on('data', (d: Buffer) => (out += d.toString()));
  uas.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => uas.on('close', (code) => r(code)));
  const kill = setTimeout(() => uas.kill('SIGKILL'), 40000);
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const client = await runProc(
      sipp!,
      [`127.0.0.1:${sp}`, '-sn', 'uac', '-i', '127.0.0.1', '-p', String(cp), '-m', String(CALLS), '-r', '10'].concat([
        '-nostdin',
      ]),
      { cwd: dir, timeoutMs: 40000 },
    );
    const code = await exited;
    const invite = /^\s*INVITE ---------->\s+(\d+)\s+(\d+)/m.exec(client.stdout);
    assert.equal(client.code, 0, client.stdout.slice(-2500));
    assert.deepEqual(invite?.slice(1, 3), [String(CALLS), '0'], `INVITEs sent, retransmitted\n${client.stdout}`);
    assert.equal(code, 0, err);
    const summary = JSON.parse(out).result;
    assert.equal(summary.calls.incoming, CALLS);
    assert.equal(summary.calls.successful, CALLS);
  } finally {
    clearTimeout(kill);
    uas.kill('SIGKILL');
  }
});
