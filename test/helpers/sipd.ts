/**
 * Helpers for sipd tests: short temp dirs (Unix socket paths are limited to 107 bytes), the built
 * bins run as child processes with a timeout, an in-process config on loopback port 0, and cleanup
 * that kills any daemon a test left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type SipdConfig } from '../../src/daemon/config/load.js';
import { processState } from '../../src/shared/pid-file.js';
import { repoRoot } from './fixtures.js';

export const SIPD = join(repoRoot, 'bin', 'sipd.js');

/** A fresh directory under /tmp with a short path, and an empty config file in it. */
export function tmpDir(prefix = 'sipd-'): string {
  const dir = mkdtempSync(join('/tmp', prefix));
  writeFileSync(join(dir, 'sipd.conf'), '# test config\n');
  return dir;
}

/** Flags that keep a sipd inside `dir` and on loopback ephemeral ports. */
export function isolatedFlags(dir: string): string[] {
  return [
    '--config',
    join(dir, 'sipd.conf'),
    '--run-dir',
    join(dir, 'run'),
    '--data-dir',
    join(dir, 'data'),
    '--listen',
    'udp:127.0.0.1:0',
    '--listen',
    'tcp:127.0.0.1:0',
  ];
}

export interface BinResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for bins: no colours, and no user config from the real home directory. */
export function binEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir, XDG_RUNTIME_DIR: dir };
}

/** Runs `node bin/sipd.js ...args` to completion (killed after timeoutMs). */
export function runSipd(args: string[], opts: { dir: string; timeoutMs?: number }): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SIPD, ...args], {
      env: binEnv(opts.dir),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sipd ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 30000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Parses the --json envelope on stdout. */
export function jsonOf<T = Record<string, unknown>>(r: BinResult): { status: number; result: T; error?: unknown } {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}): ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** Spawns a long-running bin (e.g. `sipd run`) with piped output; `nodeFlags` go to node (--expose-gc). */
export function spawnSipd(
  args: string[],
  dir: string,
  nodeFlags: readonly string[] = [],
): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [...nodeFlags, SIPD, ...args], {
    env: binEnv(dir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

/** Waits for a condition, failing after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** SIGKILLs a daemon left running in `runDir` (after hooks), then removes the dir. */
export function cleanup(dir: string): void {
  for (const runDir of [join(dir, 'run'), dir]) {
    const pidFile = join(runDir, 'sipd.pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** An in-process config on loopback ephemeral ports, with everything under `dir`. */
export function testConfig(dir: string, over: { configText?: string; listen?: string[] } = {}): SipdConfig {
  const configFile = join(dir, 'sipd.conf');
  if (over.configText !== undefined) writeFileSync(configFile, over.configText);
  return loadConfig({
    configFile,
    runDir: join(dir, 'run'),
    dataDir: join(dir, 'data'),
    listen: over.listen ?? ['udp:127.0.0.1:0', 'tcp:127.0.0.1:0'],
  });
}

/** What `sipd start --json` returns. */
export interface StartJson {
  pid: number;
  listen: string[];
  socket: string;
  pidFile: string;
  logFile: string;
  stalePidFile?: string;
}

/** Alive and not a zombie (a daemon whose parent exited may linger unreaped where PID 1 does not reap). */
export const alive = (pid: number): boolean => processState(pid) === 'alive';

/**
 * A temp-dir factory for one test file: `const newDir = tmpDirs()` at top level; every dir it made
 * is cleaned up (daemons killed) in an `after` hook.
 */
export function tmpDirs(): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach(cleanup));
  return () => {
    const d = tmpDir();
    dirs.push(d);
    return d;
  };
}
