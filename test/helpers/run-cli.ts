/**
 * Run a built bin (bin/sipd.js, bin/sipctl.js, bin/siptest.js) or another node script as a child
 * process, the way a user or a script runs it: no TTY, stdin a pipe. Every run is bounded: a
 * command still running after `timeoutMs` is killed and reported as hung (status null).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';

export type Bin = 'sipd' | 'sipctl' | 'siptest';

export interface RunOptions {
  /** Extra environment (merged over this process's, where the test runner set NO_COLOR=1). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed. Without it stdin is closed at once, unless keepStdinOpen. */
  input?: string;
  /** Leave stdin an open pipe (after `input`, if any): the case where a reader would hang forever. */
  keepStdinOpen?: boolean;
  timeoutMs?: number;
  cwd?: string;
}

export interface RunResult {
  /** Exit status, or null when the command hung and was killed. */
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export const binPath = (bin: Bin) => join(repoRoot, 'bin', `${bin}.js`);

export function runNode(script: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: hung ? null : code, stdout, stderr, ms: performance.now() - started });
    });
    if (opts.input !== undefined && opts.keepStdinOpen) child.stdin.write(opts.input);
    else if (opts.input !== undefined) child.stdin.end(opts.input);
    else if (!opts.keepStdinOpen) child.stdin.end();
  });
}

export const runBin = (bin: Bin, args: string[], opts: RunOptions = {}) => runNode(binPath(bin), args, opts);
