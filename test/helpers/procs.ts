/** Child processes and free ports for integration tests (loopback only, bounded in time). */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';

export const siptestBin = join(repoRoot, 'bin', 'siptest.js');

export interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runProc(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<ProcResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const siptest = (args: string[], opts?: { timeoutMs?: number; cwd?: string }) =>
  runProc(process.execPath, [siptestBin, ...args], opts);

/** A UDP port that was free a moment ago (random high port chosen by the kernel). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A TCP port that was free a moment ago, for a TCP, TLS or WebSocket listener: a port free for
 * UDP (freeUdpPort) may be held by a TCP socket of another test running alongside.
 */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Path of the real sipp, or undefined. */
export function sippPath(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

/** Skip reason when sipp is missing; under CI=true a missing sipp is a failure. */
export function requireSipp(): { sipp?: string; skip?: string } {
  const sipp = sippPath();
  if (sipp) return { sipp };
  if (process.env.CI === 'true') throw new Error('sipp (Debian package sip-tester) is required under CI=true');
  return { skip: 'sipp is not installed (apt-get install sip-tester): interop test skipped' };
}

/** Wait until something accepts TCP connections on 127.0.0.1:port (at most `ms`). */
export async function waitTcpListening(port: number, ms = 8000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
