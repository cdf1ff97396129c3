/**
 * Start-up time of the three bins (`--version`, `--help`, one real command, `siptest -v`, and the
 * time until siptest's first INVITE reaches a UDP socket) against bare
 * `node -e 0` measured in the same run. Runs are interleaved (every command once per round) so
 * load changes on this shared machine hit all of them alike; CPU time (user+sys, via
 * /usr/bin/time when present) is reported next to wall time because it drifts far less.
 *   npm run bench -- cli-startup        (SIPKIT_BENCH_ROUNDS=N to change the 11 rounds)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import type { Bench } from './run.js';

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const cases: Array<[string, string[]]> = [['node -e 0', ['-e', '0']]];
for (const bin of ['sipd', 'sipctl', 'siptest']) {
  cases.push([`${bin} --version`, [join('bin', `${bin}.js`), '--version']]);
  cases.push([`${bin} --help`, [join('bin', `${bin}.js`), '--help']]);
}
cases.push(['sipctl config --json', [join('bin', 'sipctl.js'), 'config', '--json']]);
// SIPp's own spelling: siptest's SIPp-style path, without oclif.
cases.push(['siptest -v', [join('bin', 'siptest.js'), '-v']]);

function once(argv: string[]): { wall: number; cpu: number } {
  const t0 = performance.now();
  const r = timeBin
    ? spawnSync(timeBin, ['-f', '%U %S', process.execPath, ...argv], { cwd: repoRoot, encoding: 'utf8' })
    : spawnSync(process.execPath, argv, { cwd: repoRoot, encoding: 'utf8' });
  const wall = performance.now() - t0;
  // siptest -v exits 99, as sipp -v does.
  if (r.status !== 0 && !(r.status === 99 && argv.includes('-v')))
    throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Wall time from spawning `siptest 127.0.0.1:PORT -sn uac -m 1` to its first INVITE arriving at a
 * UDP socket of this process (what a script's first call waits for).
 */
async function firstPacket(peer: Socket): Promise<number> {
  const port = peer.address().port;
  const t0 = performance.now();
  const args = [join('bin', 'siptest.js'), `127.0.0.1:${port}`, '-sn', 'uac', '-m', '1', '-i', '127.0.0.1'];
  const child = spawn(process.execPath, [...args, '-nostdin', '-timeout', '5'], { cwd: repoRoot, stdio: 'ignore' });
  const gone = new Promise((r) => child.once('close', r));
  const ms = await new Promise<number>((resolve) => peer.once('message', () => resolve(performance.now() - t0)));
  child.kill('SIGKILL');
  await gone;
  return ms;
}

const bench: Bench = async () => {
  const rounds = Number(process.env.SIPKIT_BENCH_ROUNDS ?? 11);
  const samples = cases.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let i = 0; i < rounds; i++) {
    cases.forEach(([, argv], k) => {
      const s = once(argv);
      samples[k].wall.push(s.wall);
      samples[k].cpu.push(s.cpu);
    });
  }
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const first: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(once(['-e', '0']).wall);
    first.push(await firstPacket(peer));
  }
  peer.close();
  const base = median(samples[0].wall);
  const baseCpu = median(samples[0].cpu);
  // Every command against `node -e 0` of the same rounds; CPU ratios drift less than wall ones.
  process.stdout.write(
    `medians of ${rounds} interleaved rounds (ms), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n${'command'.padEnd(24)}  wall    cpu  wall/node  cpu/node\n`,
  );
  cases.forEach(([name], k) => {
    const wall = median(samples[k].wall);
    const cpu = median(samples[k].cpu);
    const cpuRatio = Number.isNaN(cpu) ? '-' : `${(cpu / baseCpu).toFixed(1)}x`;
    process.stdout.write(
      `${name.padEnd(24)} ${wall.toFixed(0).padStart(5)}  ${cpu.toFixed(0).padStart(5)}  ${`${(wall / base).toFixed(1)}x`.padStart(9)}  ${cpuRatio.padStart(8)}\n`,
    );
  });
  const [f, b] = [median(first), median(bare)];
  process.stdout.write(
    `${'siptest first INVITE'.padEnd(24)} ${f.toFixed(0).padStart(5)}      -  ${(f / b).toFixed(1)}x` +
      ` (node -e 0 ${b.toFixed(0)} ms in the same rounds; load ${loadavg()[0]!.toFixed(1)})\n`,
  );
};

export default bench;
