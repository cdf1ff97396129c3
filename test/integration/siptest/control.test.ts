/**
 * Runtime control without a terminal: the UDP control socket (-cp) and signals, as scripts use
 * them with SIPp (`echo q >/dev/udp/127.0.0.1/8888`, `kill -USR1`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { freeUdpPort, siptestBin } from '../../helpers/procs.js';

function start(args: string[]) {
  const child = spawn(process.execPath, [siptestBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
