/**
 * Start-up time of the bins against a bare `node -e 0` measured in the same rounds (issue 16: each
 * common command within 2x): `--version` and `--help` of the three bins, the common sipctl
 * commands against a running sipd on loopback (subscribers, aliases, ACL, contacts, domains, AVPs,
 * ps, stats, config, db show/smatch, tls, rpc/fifo), sipd status/stop, `siptest -v`, and the time
 * until siptest's first INVITE reaches a UDP socket. Runs are interleaved (every command once per
 * round; pairs such as add/rm leave the database as they found it) so load changes on this shared
 * machine hit all of them alike. CPU time (user+sys, via /usr/bin/time when present) is reported
 * next to wall time because it drifts far less; the ratio's spread over the rounds is printed too.
 *   npm run bench -- cli-startup        (SIPKIT_BENCH_ROUNDS=N to change the 11 rounds)
 * Scripts call sipctl with stdout in a pipe, as here: that is the lite run (src/cli/lite/run.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { SipctlBox } from '../helpers/sipctl.js';
import type { Bench } from './run.js';

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

interface Case {
  name: string;
  argv: string[];
  /** Exit status every round must give (siptest -v exits 99, as sipp -v does). */
  status?: number;
  input?: string;
}

const bin = (b: string, ...args: string[]) => [join('bin', `${b}.js`), ...args];
const ctl = (name: string, args: string, status = 0): Case => ({
  name: `sipctl ${name}`,
  argv: bin('sipctl', ...args.split(' ')),
  status,
});

/** The cases, in round order; `box` is the sandbox of the running sipd. */
function casesFor(box: SipctlBox): Case[] {
  const runDir = `--run-dir ${box.runDir}`;
  return [
    { name: 'node -e 0', argv: ['-e', '0'] },
    ...['sipd', 'sipctl', 'siptest'].flatMap((b) => [
      { name: `${b} --version`, argv: bin(b, '--version') },
      { name: `${b} --help`, argv: bin(b, '--help') },
    ]),
    ctl('add', 'add bob@example.com secret --no-reload'),
    ctl('passwd', 'passwd bob@example.com secret2 --no-reload'),
    ctl('show', 'show bob@example.com'),
    ctl('show --json', 'show bob@example.com --json'),
    ctl('rm', 'rm bob@example.com --yes --no-reload'),
    ctl('alias add', 'alias add bobby@example.com alice@example.com --no-reload'),
    ctl('alias show', 'alias show bobby@example.com'),
    ctl('alias list', 'alias list'),
    ctl('alias rm', 'alias rm bobby@example.com --no-reload'),
    ctl('acl show', 'acl show alice@example.com'),
    ctl('ul show', 'ul show'),
    ctl('domain add', 'domain add example.org --no-reload'),
    ctl('domain show', 'domain show'),
    ctl('domain rm', 'domain rm example.org --no-reload'),
    ctl('avp add', 'avp add alice@example.com callfwd 0 sip:x@example.com --no-reload'),
    ctl('avp list', 'avp list alice@example.com'),
    ctl('avp rm', 'avp rm alice@example.com callfwd --yes --no-reload'),
    ctl('ps', 'ps'),
    ctl('stats', 'stats'),
    ctl('config --json', 'config --json'),
    ctl('db show', 'db show subscriber'),
    ctl('db smatch', 'db smatch subscriber username alice'),
    ctl('tls', 'tls'),
    ctl('rpc', 'rpc core.version'),
    ctl('fifo', 'fifo core.uptime'),
    { name: 'sipd status', argv: bin('sipd', 'status', ...runDir.split(' ')) },
    // A run directory with no daemon: stop says so and exits 0 (nothing to stop).
    { name: 'sipd stop (stopped)', argv: bin('sipd', 'stop', '--run-dir', join(box.dir, 'idle')) },
    // SIPp's own spelling: siptest's SIPp-style path, without oclif.
    { name: 'siptest -v', argv: bin('siptest', '-v'), status: 99 },
  ];
}

function once(c: Case, env: NodeJS.ProcessEnv): { wall: number; cpu: number } {
  const t0 = performance.now();
  const opts = { cwd: repoRoot, encoding: 'utf8' as const, env, input: c.input ?? '' };
  const r = timeBin
    ? spawnSync(timeBin, ['-f', '%U %S', process.execPath, ...c.argv], opts)
    : spawnSync(process.execPath, c.argv, opts);
  const wall = performance.now() - t0;
  if (r.status !== (c.status ?? 0)) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
  const m = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

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

/** A sandboxed sipd on loopback with a domain and a subscriber, as the commands expect. */
async function sandbox(): Promise<SipctlBox> {
  const box = new SipctlBox({}, 'cli-bench-');
  await box.start();
  await box.ok(['domain', 'add', 'example.com']);
  await box.ok(['add', 'alice@example.com', 'secret']);
  return box;
}

/** The per-round ratios of a command to node -e 0, as "min-max" (e.g. "1.5-1.9"). */
const spread = (xs: number[], base: number[]) => {
  const r = xs.map((x, i) => x / base[i]!).filter((x) => Number.isFinite(x));
  return r.length ? `${Math.min(...r).toFixed(1)}-${Math.max(...r).toFixed(1)}` : '-';
};

/**
 * NODE_EXTRA_CA_CERTS makes every node process read and parse that bundle at start-up (tens of ms
 * of CPU), `node -e 0` included: the ratios are then lower than on a machine without it. Said in
 * the output so that figures from the two kinds of environment are not compared as equals.
 */
const caNote = () =>
  process.env.NODE_EXTRA_CA_CERTS
    ? `NODE_EXTRA_CA_CERTS is set: every node start here, node -e 0 included, loads ${process.env.NODE_EXTRA_CA_CERTS}\n`
    : 'NODE_EXTRA_CA_CERTS is not set\n';

const bench: Bench = async () => {
  const rounds = Number(process.env.SIPKIT_BENCH_ROUNDS ?? 11);
  const box = await sandbox();
  try {
    const cases = casesFor(box);
    // This process's environment (as the other benches and the lead's runs) with the sandbox's
    // directories and no user settings on top.
    const env = { ...process.env, ...box.fullEnv() };
    const samples = cases.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
    const loadBefore = load();
    for (let i = 0; i < rounds; i++) {
      cases.forEach((c, k) => {
        const s = once(c, env);
        samples[k]!.wall.push(s.wall);
        samples[k]!.cpu.push(s.cpu);
      });
    }
    const base = samples[0]!;
    // Every command against `node -e 0` of the same rounds; CPU ratios drift less than wall ones.
    process.stdout.write(
      `medians of ${rounds} interleaved rounds (ms); ratio = median of the command / median of node -e 0,\n` +
        `spread = per-round ratio min-max; load average ${loadBefore} before, ${load()} after\n` +
        caNote() +
        `${'command'.padEnd(24)}  wall    cpu  wall/node  cpu/node  wall spread  cpu spread\n`,
    );
    cases.forEach((c, k) => {
      const s = samples[k]!;
      const [wall, cpu] = [median(s.wall), median(s.cpu)];
      const cpuRatio = Number.isNaN(cpu) ? '-' : `${(cpu / median(base.cpu)).toFixed(1)}x`;
      process.stdout.write(
        `${c.name.padEnd(24)} ${wall.toFixed(0).padStart(5)}  ${cpu.toFixed(0).padStart(5)}  ` +
          `${`${(wall / median(base.wall)).toFixed(1)}x`.padStart(9)}  ${cpuRatio.padStart(8)}  ` +
          `${spread(s.wall, base.wall).padStart(11)}  ${spread(s.cpu, base.cpu).padStart(10)}\n`,
      );
    });
  } finally {
    await box.stop();
    box.cleanup();
  }
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const first: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(once({ name: 'node -e 0', argv: ['-e', '0'] }, process.env).wall);
    first.push(await firstPacket(peer));
  }
  peer.close();
  const [f, b] = [median(first), median(bare)];
  process.stdout.write(
    `${'siptest first INVITE'.padEnd(24)} ${f.toFixed(0).padStart(5)}      -  ${(f / b).toFixed(1)}x` +
      ` (node -e 0 ${b.toFixed(0)} ms in the same rounds; load ${loadavg()[0]!.toFixed(1)})\n`,
  );
};

export default bench;
