/**
 * A real rtpengine (Debian rtpengine-daemon, 10.5) for integration tests, in user space
 * (--table=-1: no kernel module), on 127.0.0.1 with a free ng port and its own range of media
 * ports, with its own pid file in a throwaway directory; stopped by that PID. Sessions are
 * removed at once on delete (--delete-delay=0) so a test can see that none is left.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NgClient } from '../../src/daemon/rtpengine/ng-client.js';
import type { NgDict } from '../../src/daemon/rtpengine/ng-codec.js';
import { sleep } from './net.js';
import { freeUdpPort } from './procs.js';
import { cleanup, tmpDir } from './sipd.js';

export function rtpengineMissing(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v rtpengine'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'rtpengine is not installed (apt-get install rtpengine-daemon)';
}

export class Rtpengine {
  private readonly client = new NgClient({ timeoutMs: 300, retries: 3 });

  private constructor(
    readonly ngPort: number,
    readonly portMin: number,
    readonly portMax: number,
    private readonly proc: ChildProcess,
    private readonly dir: string,
    readonly log: string[],
  ) {}

  /** `udp:127.0.0.1:PORT` for [rtpengine] sockets */
  get socket(): string {
    return `udp:127.0.0.1:${this.ngPort}`;
  }

  get pid(): number {
    return Number(readFileSync(join(this.dir, 'rtpengine.pid'), 'utf8').trim());
  }

  /**
   * `ports`: the size of its media port range (4 per relayed call; the bench needs more than 200).
   * `address`: where it relays media (--interface; 127.0.0.1 unless phones are elsewhere).
   * `timeout`: seconds without media after which rtpengine ends a call itself (--timeout).
   */
  static async start(opts: { ports?: number; address?: string; timeout?: number } = {}): Promise<Rtpengine> {
    const dir = tmpDir('rtpengine-');
    const ngPort = await freeUdpPort();
    // A range of its own per instance, away from the kernel's ephemeral ports (32768-60999).
    const portMin = 20000 + 200 * Math.floor(Math.random() * 40);
    const portMax = Math.min(portMin + (opts.ports ?? 200) - 1, 32767);
    const args = [
      '--config-file=none',
      '--table=-1',
      `--interface=${opts.address ?? '127.0.0.1'}`,
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--port-min=${portMin}`,
      `--port-max=${portMax}`,
      '--delete-delay=0',
      ...(opts.timeout ? [`--timeout=${opts.timeout}`, `--silent-timeout=${opts.timeout}`] : []),
      '--foreground',
      '--log-stderr',
      '--log-level=5',
      `--pidfile=${join(dir, 'rtpengine.pid')}`,
    ];
    const proc = spawn('rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const log: string[] = [];
    proc.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    const r = new Rtpengine(ngPort, portMin, portMax, proc, dir, log);
    const deadline = Date.now() + 8000;
    for (;;) {
      const pong = await r.ng({ command: 'ping' }).catch(() => undefined);
      if (pong?.result === 'pong') return r;
      if (proc.exitCode !== null || Date.now() > deadline) {
        await r.stop();
        throw new Error(`rtpengine did not start: ${log.join('').slice(-2000)}`);
      }
      await sleep(100);
    }
  }

  ng(dict: NgDict): Promise<NgDict> {
    return this.client.request({ host: '127.0.0.1', port: this.ngPort }, dict);
  }

  /** Call-IDs rtpengine has now (ng list). */
  async calls(): Promise<string[]> {
    const r = await this.ng({ command: 'list' });
    return Array.isArray(r.calls) ? r.calls.map(String) : [];
  }

  /** Stop it by the PID it wrote (SIGTERM, then SIGKILL), and remove its directory. */
  async stop(): Promise<void> {
    this.client.close();
    const running = () => this.proc.exitCode === null && this.proc.signalCode === null;
    const kill = (pid: number, sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch {
        // gone meanwhile
      }
    };
    if (running()) {
      let pid = this.proc.pid;
      try {
        pid = this.pid;
      } catch {
        // no pid file yet: the process we spawned
      }
      if (pid) kill(pid, 'SIGTERM');
      const deadline = Date.now() + 3000;
      while (running() && Date.now() < deadline) await sleep(50);
      if (running() && pid) kill(pid, 'SIGKILL');
    }
    cleanup(this.dir);
  }
}
