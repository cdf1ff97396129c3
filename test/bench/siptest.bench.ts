/**
 * siptest's throughput against SIPp's: the highest clean call rate of `siptest -sn uac` → `sipp
 * -sn uas` and of `sipp -sn uac` → `sipp -sn uas`, measured in the same run on 127.0.0.1 with
 * random high ports, alternating the two clients at each step of a rate ladder. A step is clean
 * when the client exits 0, every call succeeded and the achieved rate (the client's cumulative
 * "Call Rate" on its statistics screen) is at least 90% of the target (lib/siptest-step.ts).
 * Every client and the uas get 4 MiB socket buffers (-buff_size). Bounded: each step sends
 * rate × 2 s worth of calls, a step gets one retry, and a client leaves the ladder at its first
 * unclean step. `siptest -workers 2` climbs the same ladder; every step shows the uas's CPU (% of
 * one core), since on two cores the uas has one of them to itself: near 100 % it is the limit,
 * and a client's threads cannot go faster than it answers.
 *
 *   npm run bench -- siptest [--before=DIR] [--rounds=3] [--cpu-rate=1000] [--cpu-only]
 *
 * Then CPU per call at a rate both hold (--cpu-rate, 1000/s): sipp, siptest and siptest
 * `-workers 2`, each run twice per round with 2 s and 8 s worth of calls, the clients alternating
 * round by round. The difference of the two runs' CPU over the difference of their calls is the
 * cost of one more call; what is left of the short run is the fixed cost of a run (start-up,
 * compiling, the last screen). Every round, the medians, spreads and siptest/sipp ratios are printed.
 *
 * --before: the root of another build (default: SIPKIT_BENCH_BEFORE). Its bin/siptest.js and this
 * one's are then compared instead, in alternating rounds (lib/siptest-ab.ts).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sippPath, siptestBin } from '../helpers/procs.js';
import { beforeRoot, loadAverage, median, spreadPct } from './lib/ab.js';
import { siptestAb } from './lib/siptest-ab.js';
import { SIPP_BUFFER_BYTES } from './lib/sipp.js';
import { step, type Client } from './lib/siptest-step.js';

const SECONDS_PER_STEP = 2;
const LADDER = [
  1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000, 13000, 14000, 16000, 18000, 20000,
];
const BUDGET_MS = 260_000;

/** A client of the ladder: sipp, siptest, siptest -workers 2. */
interface LadderClient {
  label: string;
  client: Client;
  extra: string[];
  best: number;
  bestTarget: number;
  /** The uas's CPU (% of a core) at this client's best step. */
  uasCpuPct: number;
}

async function againstSipp(sipp: string): Promise<void> {
  process.stdout.write('Highest clean call rate, uac → sipp uas on 127.0.0.1 (UDP, one socket).\n');
  process.stdout.write('Figures are noisy: 2 cores shared with other work; compare the ratio.\n\n');
  process.stdout.write('target  client              achieved  ok  (successful/failed, exit, seconds, uas CPU)\n');
  // Every client gets the uas's 4 MiB buffers: at its default 64 KiB, sipp's own socket dropped
  // replies at 6,000 calls/s (11 datagrams, 5 failed calls) while siptest went on to 12,000: the
  // reference at its best, not at its default.
  const buffers = ['-buff_size', String(SIPP_BUFFER_BYTES)];
  const ladder = (label: string, client: Client, extra: string[] = []): LadderClient => ({
    label,
    client,
    extra: [...buffers, ...extra],
    best: 0,
    bestTarget: 0,
    uasCpuPct: NaN,
  });
  const clients = [
    ladder('sipp', { name: 'sipp', bin: sipp, node: false }),
    ladder('siptest', { name: 'siptest', bin: siptestBin, node: true }),
    ladder('siptest -workers 2', { name: 'siptest', bin: siptestBin, node: true }, ['-workers', '2']),
  ];
  const active = new Set(clients);
  const start = performance.now();
  for (const rate of LADDER) {
    for (const c of clients) {
      if (!active.has(c)) continue;
      if (performance.now() - start > BUDGET_MS) break;
      // One retry: on a shared machine a single stall can fail a step that is within reach.
      let s = await step(sipp, c.client, rate, SECONDS_PER_STEP, c.extra);
      if (!s.clean && performance.now() - start < BUDGET_MS)
        s = await step(sipp, c.client, rate, SECONDS_PER_STEP, c.extra);
      process.stdout.write(
        `${String(rate).padStart(6)}  ${c.label.padEnd(18)} ${s.achieved.toFixed(0).padStart(9)}  ${s.clean ? 'yes' : 'no '} ` +
          `(${s.successful}/${s.failed}, exit ${s.code}, ${s.seconds.toFixed(1)} s, uas ${s.uasCpuPct.toFixed(0)}%)` +
          `${s.clean ? '' : `: ${s.reason}`}\n`,
      );
      if (s.clean) {
        if (s.achieved > c.best) c.uasCpuPct = s.uasCpuPct;
        c.best = Math.max(c.best, s.achieved);
        c.bestTarget = rate;
      } else active.delete(c);
    }
    if (active.size === 0) break;
  }
  process.stdout.write('\n');
  for (const c of clients)
    process.stdout.write(
      `${c.label.padEnd(18)} uac → sipp uas: highest clean target ${c.bestTarget} calls/s (achieved ${c.best.toFixed(0)}; ` +
        `the uas at ${c.uasCpuPct.toFixed(0)}% of a core then)\n`,
    );
  const [sippC, one, two] = clients as [LadderClient, LadderClient, LadderClient];
  if (sippC.bestTarget && one.bestTarget) {
    process.stdout.write(`ratio siptest/sipp: ${(one.bestTarget / sippC.bestTarget).toFixed(2)}× (goal ≥ 1.0×)\n`);
  } else
    process.stdout.write('ratio siptest/sipp: inconclusive (a client had no clean step: the machine is too busy)\n');
  if (one.bestTarget && two.bestTarget) {
    // On two cores the uas has one of them: once it is near 100 % at one thread's best rate, the
    // uas, not the client, is the limit (issue 15: "where the UAS is not the bottleneck").
    process.stdout.write(
      `ratio siptest -workers 2 / siptest: ${(two.bestTarget / one.bestTarget).toFixed(2)}× (goal ≥ 1.5× where the ` +
        `uas is not the bottleneck; the uas ran at ${one.uasCpuPct.toFixed(0)}% of a core at siptest's best step)\n`,
    );
  }
}

/** The two call counts of a CPU-per-call measurement, as seconds of calls at the rate. */
const SHORT_S = 2;
const LONG_S = 8;

interface CpuRound {
  client: string;
  /** CPU µs of one more call */
  perCallUs: number;
  /** CPU ms of a run's fixed part (start-up, warm-up, final screen) */
  fixedMs: number;
}

/** One client's CPU per call in one round: a short and a long run at `rate`; null when one was not clean. */
async function cpuRound(sipp: string, client: Client, extra: string[], rate: number): Promise<CpuRound | null> {
  const short = await step(sipp, client, rate, SHORT_S, extra);
  const long = await step(sipp, client, rate, LONG_S, extra);
  const name = `${client.name}${extra.length ? ` ${extra.join(' ')}` : ''}`;
  const show = (s: typeof short) => (s.clean ? `${s.cpuMs} ms` : `not clean (${s.reason})`);
  process.stdout.write(
    `  ${name.padEnd(20)} ${short.successful} calls: ${show(short)}; ${long.successful} calls: ${show(long)}\n`,
  );
  if (!short.clean || !long.clean) return null;
  const perCallUs = ((long.cpuMs - short.cpuMs) / (long.successful - short.successful)) * 1000;
  return { client: name, perCallUs, fixedMs: short.cpuMs - (perCallUs * short.successful) / 1000 };
}

async function cpuPerCall(sipp: string, rate: number, rounds: number): Promise<void> {
  process.stdout.write(
    `\nCPU per call at ${rate} calls/s, uac → sipp uas (client CPU, user + system, threads included); ` +
      `${SHORT_S} s and ${LONG_S} s of calls per client and round, clients alternating.\n`,
  );
  const clients: Array<[Client, string[]]> = [
    [{ name: 'sipp', bin: sipp, node: false }, []],
    [{ name: 'siptest', bin: siptestBin, node: true }, []],
    [{ name: 'siptest', bin: siptestBin, node: true }, ['-workers', '2']],
  ];
  const all: CpuRound[] = [];
  for (let n = 1; n <= rounds; n++) {
    process.stdout.write(`round ${n} (load average ${loadAverage()})\n`);
    for (const [client, extra] of n % 2 ? clients : [...clients].reverse()) {
      const r = await cpuRound(sipp, client, extra, rate);
      if (r) all.push(r);
    }
  }
  process.stdout.write(`(load average ${loadAverage()})\n`);
  const med = new Map<string, number>();
  for (const name of ['sipp', 'siptest', 'siptest -workers 2']) {
    const mine = all.filter((r) => r.client === name);
    if (mine.length === 0) {
      process.stdout.write(`  ${name.padEnd(20)} no clean round\n`);
      continue;
    }
    const per = mine.map((r) => r.perCallUs);
    const fixed = mine.map((r) => r.fixedMs);
    med.set(name, median(per));
    process.stdout.write(
      `  ${name.padEnd(20)} per call: median ${median(per).toFixed(0)} µs (rounds ${per.map((x) => x.toFixed(0)).join(', ')}; ` +
        `spread ${spreadPct(per).toFixed(0)}%); fixed per run: median ${median(fixed).toFixed(0)} ms\n`,
    );
  }
  const sippUs = med.get('sipp');
  for (const name of ['siptest', 'siptest -workers 2'])
    if (sippUs && med.has(name))
      process.stdout.write(`  ${name}/sipp CPU per call: ${(med.get(name)! / sippUs).toFixed(2)}× (goal ≤ 1.0×)\n`);
}

export default async function siptestBench(argv: string[]): Promise<void> {
  const sipp = sippPath();
  if (!sipp) {
    if (process.env.CI === 'true') throw new Error('sipp is required for the siptest bench under CI=true');
    process.stdout.write('sipp is not installed (apt-get install sip-tester): siptest bench skipped\n');
    return;
  }
  const before = beforeRoot(argv, 'bin/siptest.js');
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: { rounds: { type: 'string' }, 'cpu-rate': { type: 'string' }, 'cpu-only': { type: 'boolean' } },
  });
  const rounds = Number(values.rounds ?? 3);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds must be an integer >= 1');
  const cpuRate = Number(values['cpu-rate'] ?? 1000);
  if (!(Number.isInteger(cpuRate) && cpuRate >= 10)) throw new Error('--cpu-rate must be an integer >= 10');
  if (!before) {
    if (values['cpu-only'] !== true) await againstSipp(sipp);
    return cpuPerCall(sipp, cpuRate, rounds);
  }
  await siptestAb(sipp, before, rounds);
}
