/**
 * Drive a command in a pseudo-terminal, through tmux (installed by .ci/run; no native module).
 * Each session runs on its own tmux server (private socket, empty config) so tests never touch a
 * user's tmux. Every wait is bounded and fails with the screen contents.
 *
 *   const pty = await Pty.start(['node', 'bin/sipctl.js', 'add'], { env });
 *   await pty.waitFor('Password');
 *   await pty.type('s3cret', 'Enter');
 *   assert.equal(await pty.waitExit(), 0);
 *   await pty.close();
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyOptions {
  cwd?: string;
  /** The complete environment of the command (default: this process's, without TMUX). */
  env?: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

/** tmux key names understood by send-keys (a few common ones; any tmux key name works). */
export type Key = 'Enter' | 'Escape' | 'Tab' | 'BSpace' | 'Up' | 'Down' | 'C-c' | 'C-d' | (string & {});

/** Whether tmux can be used here. */
export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Pty {
  private closed = false;
  private readonly statusFile: string;

  private constructor(
    private readonly socket: string,
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.statusFile = join(dir, 'status');
  }

  /** Start `argv` (executed directly, no shell) in a new detached tmux session. */
  static async start(argv: string[], opts: PtyOptions = {}): Promise<Pty> {
    const dir = mkdtempSync(join(tmpdir(), 'sipkit-pty-'));
    const conf = join(dir, 'tmux.conf');
    // remain-on-exit keeps the pane (and its screen) after the command ends.
    writeFileSync(conf, 'set -g remain-on-exit on\nset -g status off\nset -g history-limit 2000\n');
    const env = { ...(opts.env ?? process.env) };
    delete env.TMUX;
    delete env.TMUX_PANE;
    const socket = join(dir, 'tmux.sock');
    const pty = new Pty(socket, dir, env);
    const size = ['-x', String(opts.cols ?? 120), '-y', String(opts.rows ?? 40)];
    // tmux 3.3 sometimes leaves #{pane_dead_status} empty for a command that ended, so a small sh
    // wrapper writes the exit status to a file ($0 is the file, "$@" the command, run without a shell).
    const wrapped = ['sh', '-c', '"$@"; echo $? > "$0"', pty.statusFile, ...argv];
    await pty.tmux([
      '-f',
      conf,
      'new-session',
      '-d',
      '-s',
      'test',
      ...size,
      '-c',
      opts.cwd ?? process.cwd(),
      ...wrapped,
    ]);
    return pty;
  }

  private tmux(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('tmux', ['-S', this.socket, ...args], { env: this.env, timeout: 5000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`tmux ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }

  /** The visible screen plus scroll-back, trailing blank lines removed. */
  async screen(): Promise<string> {
    const text = await this.tmux(['capture-pane', '-p', '-J', '-S', '-2000', '-t', 'test']);
    return text.replace(/\s+$/, '');
  }

  /** Wait until the screen shows `what` (bounded); returns the screen. */
  async waitFor(what: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (typeof what === 'string' ? last.includes(what) : what.test(last)) return last;
      await sleep(50);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(what)}; screen:\n${last}`);
  }

  /** Type literal text, then optional keys (e.g. 'Enter'). */
  async type(text: string, ...keys: Key[]): Promise<void> {
    if (text) await this.tmux(['send-keys', '-t', 'test', '-l', text]);
    if (keys.length) await this.press(...keys);
  }

  async press(...keys: Key[]): Promise<void> {
    await this.tmux(['send-keys', '-t', 'test', ...keys]);
  }

  /** The command's exit status once it has ended (bounded wait); 128+N after signal N. */
  async waitExit(timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const text = existsSync(this.statusFile) ? readFileSync(this.statusFile, 'utf8') : '';
      if (text.endsWith('\n')) return Number(text.trim());
      await sleep(50);
    }
    throw new Error(`the command did not exit within ${timeoutMs} ms; screen:\n${await this.screen()}`);
  }

  /** Stop the tmux server (and with it the command) and remove the temporary files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tmux(['kill-server']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
