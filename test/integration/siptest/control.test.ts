/**
 * Runtime control without a terminal: the UDP control socket (-cp) and signals, as scripts use
 * them with SIPp (`echo q >/dev/udp/127.0.0.1/8888`, `kill -USR1`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { waitBound } from '../../helpers/proc-net.js';
import { freeUdpPort, siptestBin } from '../../helpers/procs.js';

const dir = mkdtempSync(join(tmpdir(), 'siptest-control-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function start(args: string[]) {
  const child = spawn(process.execPath, [siptestBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  void done.then(() => clearTimeout(timer));
  return { child, done };
}

async function sendUdp(port: number, text: string): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.send(text, port, '127.0.0.1', () => r()));
  s.close();
}

test('"q" on the control socket stops an idle server (exit 0)', async () => {
  const [p, cp] = [await freeUdpPort(), await freeUdpPort()];
  const { done } = start(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(p), '-cp', String(cp), '-nostdin', '--json']);
  // Start-up time varies on a busy machine: repeat "q" until the process has its socket and quits.
  let exited = false;
  void done.then(() => (exited = true));
  for (let i = 0; i < 30 && !exited; i++) {
    await new Promise((r) => setTimeout(r, 500));
    if (!exited) await sendUdp(cp, 'q');
  }
  const r = await done;
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).result.calls.created, 0);
});

test('SIGUSR1 is a soft quit, like "q"', async () => {
  const p = await freeUdpPort();
  const { child, done } = start(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(p), '-nostdin', '--json']);
  await new Promise((r) => setTimeout(r, 1200));
  child.kill('SIGUSR1');
  const r = await done;
  assert.equal(r.code, 0);
});

const count = (text: string, what: string) => text.split(what).length - 1;

/** Wait (bounded) until `file` holds `what` `n` times; returns its text. */
async function fileWith(file: string, what: string, n: number, tries = 100): Promise<string> {
  let text = '';
  for (let i = 0; i < tries; i++) {
    text = existsSync(file) ? readFileSync(file, 'latin1') : '';
    if (count(text, what) >= n) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${file} never held ${n} × "${what}":\n${text}`);
}

test('"s" dumps the screens to the -trace_screen log (1, 2, 3), and the exit dumps them once more', async () => {
  const [p, cp] = [await freeUdpPort(), await freeUdpPort()];
  const { child, done } = start([
    '-sn',
    'uas',
    '-i',
    '127.0.0.1',
    '-p',
    String(p),
    '-cp',
    String(cp),
    '-nostdin',
    '-trace_screen',
  ]);
  const log = join(dir, `uas_${child.pid}_screen.log`);
  let text = '';
  for (let i = 0; i < 30 && count(text, 'Scenario Screen') === 0; i++) {
    await sendUdp(cp, 's');
    text = await fileWith(log, 'Scenario Screen', 1, 5).catch(() => '');
  }
  assert.match(text, /Scenario Screen[^]*Statistics Screen[^]*Repartition Screen/);
  assert.doesNotMatch(text, /Repartition 2 Screen/); // the built-in uas has no second response-time measure
  const dumps = count(text, 'Scenario Screen');
  await sendUdp(cp, 'q');
  assert.equal((await done).code, 0);
  assert.equal(count(readFileSync(log, 'latin1'), 'Scenario Screen'), dumps + 1);
});

test('SIGUSR2 creates the screen log without -trace_screen; the exit adds nothing to it', async () => {
  const [p, cp] = [await freeUdpPort(), await freeUdpPort()];
  const { child, done } = start(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(p), '-cp', String(cp), '-nostdin']);
  const log = join(dir, `uas_${child.pid}_screen.log`);
  // The control socket opens after the signal handlers are in place.
  assert.ok((await waitBound('udp', cp)).length > 0, 'no control socket');
  assert.equal(existsSync(log), false);
  child.kill('SIGUSR2');
  await fileWith(log, 'Statistics Screen', 1);
  await sendUdp(cp, 'q');
  assert.equal((await done).code, 0);
  assert.equal(count(readFileSync(log, 'latin1'), 'Scenario Screen'), 1);
});
