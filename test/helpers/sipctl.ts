/**
 * Running the built sipctl the way a user or a script does (child process, no TTY, stdin a
 * pipe) inside a throwaway directory: HOME, the XDG directories and sipd's run and data dirs all
 * point into it (through the SIPD_RUN_DIR / SIPD_DATA_DIR keys sipctl reads from the
 * environment), so no test reads the real ~/.sipctlrc or touches /var/lib/sipkit (tests may run
 * as root). Every run is bounded; every sipd started here is killed by cleanup().
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runBin, type RunResult } from './run-cli.js';
import { cleanup, tmpDir } from './sipd.js';

export interface Envelope<T = Record<string, unknown>> {
  status: number;
  result: T;
  error?: { name: string; code: string; message: string; actions: string[] };
}

export interface CtlResult extends RunResult {
  /** The --json envelope on stdout (fails the test when stdout is not JSON). */
  json<T = Record<string, unknown>>(): Envelope<T>;
}

export interface CtlRunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  keepStdinOpen?: boolean;
  timeoutMs?: number;
}

/** Every sipctlrc key, blanked: the test's environment decides (sipctl ignores empty values). */
const BLANK_KEYS = {
  SIP_DOMAIN: '',
  DBENGINE: '',
  DBHOST: '',
  DBPORT: '',
  DBNAME: '',
  DBRWUSER: '',
  DBRWPW: '',
  DB_PATH: '',
  SIPD_SOCKET: '',
  VERIFY_ACL: '',
  ACL_GROUPS: '',
  STORE_PLAINTEXT_PW: '',
  SIPCTL_CONTENT_TYPE: '',
};

export class SipctlBox {
  readonly dir: string;
  /** Extra environment for every run (e.g. DBENGINE=MYSQL ...). */
  env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = {}, prefix = 'sipctl-') {
    this.dir = tmpDir(prefix);
    this.env = env;
  }

  get runDir(): string {
    return join(this.dir, 'run');
  }
  get dataDir(): string {
    return join(this.dir, 'data');
  }
  get socket(): string {
    return join(this.runDir, 'sipd.sock');
  }
  /** The default SQLite database of this box. */
  get dbFile(): string {
    return join(this.dataDir, 'sipkit.db');
  }

  fullEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...BLANK_KEYS,
      NO_COLOR: '1',
      HOME: this.dir,
      XDG_CONFIG_HOME: this.dir,
      XDG_DATA_HOME: this.dir,
      XDG_RUNTIME_DIR: this.dir,
      SIPD_RUN_DIR: this.runDir,
      SIPD_DATA_DIR: this.dataDir,
      ...this.env,
      ...extra,
    };
  }

  async run(args: string[], opts: CtlRunOptions = {}): Promise<CtlResult> {
    const r = await runBin('sipctl', args, {
      env: this.fullEnv(opts.env),
      input: opts.input,
      keepStdinOpen: opts.keepStdinOpen,
      timeoutMs: opts.timeoutMs ?? 30_000,
      cwd: this.dir,
    });
    assert.notEqual(r.status, null, `sipctl ${args.join(' ')} hung (killed after the timeout)\n${r.stderr}`);
    return Object.assign(r, {
      json<T>(): Envelope<T> {
        try {
          return JSON.parse(r.stdout) as Envelope<T>;
        } catch {
          throw new Error(`sipctl ${args.join(' ')}: stdout is not JSON (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
        }
      },
    });
  }

  /** Runs and asserts the exit status; returns the result. */
  async ok(args: string[], opts: CtlRunOptions = {}): Promise<CtlResult> {
    const r = await this.run(args, opts);
    assert.equal(r.status, 0, `sipctl ${args.join(' ')} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r;
  }

  /** Runs with --json and returns the result of the envelope, asserting exit 0 and status 0. */
  async json<T = Record<string, unknown>>(args: string[], opts: CtlRunOptions = {}): Promise<T> {
    const r = await this.ok([...args, '--json'], opts);
    const env = r.json<T>();
    assert.equal(env.status, 0);
    return env.result;
  }

  /**
   * The same failure with and without --json: the same exit status, and under --json the
   * envelope {status, error} with that status (and `code` when given). Returns both runs.
   */
  async fails(
    args: string[],
    status: number,
    opts: CtlRunOptions & { code?: string; message?: RegExp } = {},
  ): Promise<{ human: CtlResult; json: Envelope }> {
    const human = await this.run(args, opts);
    assert.equal(
      human.status,
      status,
      `sipctl ${args.join(' ')}: exit ${human.status}, wanted ${status}\n${human.stderr}`,
    );
    if (opts.message) assert.match(human.stderr, opts.message);
    const j = await this.run([...args, '--json'], opts);
    assert.equal(j.status, status, `sipctl ${args.join(' ')} --json: exit ${j.status}, wanted ${status}`);
    const env = j.json();
    assert.equal(env.status, status);
    assert.ok(env.error, `no error object: ${j.stdout}`);
    if (opts.code) assert.equal(env.error.code, opts.code);
    if (opts.message) assert.match(env.error.message, opts.message);
    return { human, json: env };
  }

  /** `sipctl start` on loopback ephemeral ports with this box's config file; returns start's result. */
  async start(extra: string[] = []): Promise<SipdStarted> {
    return this.json<SipdStarted>(
      [
        'start',
        '--config',
        join(this.dir, 'sipd.conf'),
        '--listen',
        'udp:127.0.0.1:0',
        '--listen',
        'tcp:127.0.0.1:0',
        ...extra,
      ],
      { timeoutMs: 40_000 },
    );
  }

  async stop(): Promise<void> {
    await this.run(['stop', '--config', join(this.dir, 'sipd.conf')], { timeoutMs: 40_000 });
  }

  /** Kills whatever sipd is left and removes the directory. */
  cleanup(): void {
    cleanup(this.dir);
  }
}

export interface SipdStarted {
  pid: number;
  listen: string[];
  socket: string;
  pidFile: string;
  logFile: string;
}

/** "udp:127.0.0.1:40000" → {host, port}. */
export function hostPort(listen: string): { host: string; port: number } {
  const m = /^[a-z]+:(.+):(\d+)$/.exec(listen);
  if (!m) throw new Error(`not a listen address: ${listen}`);
  return { host: m[1]!, port: Number(m[2]) };
}
