/**
 * A private MariaDB server for outage tests (never the shared one at 3306): its own datadir,
 * socket, pid file and a random port on 127.0.0.1, root without a password. The test kills it
 * by its PID (SIGKILL: an outage, not a shutdown) and starts it again on the same datadir.
 */
import mysql from 'mysql2/promise';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The server binary, or undefined when MariaDB is not installed. */
export function mariadbdPath(): string | undefined {
  for (const p of ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/bin/mariadbd']) {
    const r = spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 10000 });
    if (r.status === 0 && /mariadb/i.test(r.stdout)) return p;
  }
  return undefined;
}

export class PrivateMariadb {
  readonly dir = mkdtempSync('/tmp/sipkit-mdb-');
  readonly port = 20000 + Math.floor(Math.random() * 30000);
  private child: ChildProcess | undefined;

  private constructor(private readonly bin: string) {}

  /** Initialises a datadir (mariadb-install-db, root without a password). */
  static async create(bin: string): Promise<PrivateMariadb> {
    const m = new PrivateMariadb(bin);
    const r = spawnSync(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${join(m.dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--user=root',
        '--skip-test-db',
      ],
      { encoding: 'utf8', timeout: 60000 },
    );
    if (r.status !== 0) {
      m.remove();
      throw new Error(`mariadb-install-db failed: ${r.stderr || r.error?.message}`);
    }
    return m;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** mysql:// URL of a database on this server. */
  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server and waits until it accepts connections. */
  async start(readyMs = 30000): Promise<void> {
    const log = openSync(join(this.dir, 'mariadbd.log'), 'a');
    this.child = spawn(
      this.bin,
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--socket=${join(this.dir, 'sock')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${join(this.dir, 'pid')}`,
        '--user=root',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=16M',
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const end = Date.now() + readyMs;
    for (;;) {
      try {
        const c = await mysql.createConnection({
          host: '127.0.0.1',
          port: this.port,
          user: 'root',
          connectTimeout: 1000,
        });
        await c.end();
        return;
      } catch (err) {
        if (this.child.exitCode !== null || Date.now() > end)
          throw new Error(`private mariadbd did not start: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** SIGKILL by PID and wait until it is gone. */
  async kill(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await gone;
  }

  async query(sql: string): Promise<void> {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  }

  /** Kills the server (if running) and removes its datadir. */
  async destroy(): Promise<void> {
    await this.kill();
    this.remove();
  }

  private remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
