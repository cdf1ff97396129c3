/**
 * siptest's throughput against SIPp's: the highest clean call rate of `siptest -sn uac` → `sipp
 * -sn uas` and of `sipp -sn uac` → `sipp -sn uas`, measured in the same run on 127.0.0.1 with
 * random high ports, alternating the two clients at each step of a rate ladder. A step is clean
 * when the client exits 0, every call succeeded and the achieved rate (the client's cumulative
 * "Call Rate" on its statistics screen) is at least 90% of the target (lib/siptest-step.ts).
 * Bounded: each step sends rate × 2 s worth of calls, a step gets one retry, and a client leaves
 * the ladder at its first unclean step.
 *
 *   npm run bench -- siptest [--before=DIR] [--rounds=3]
 *
 * --before: the root of another build (default: SIPKIT_BENCH_BEFORE). Its bin/siptest.js and this
 * one's are then compared instead, in alternating rounds (lib/siptest-ab.ts).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sippPath, siptestBin } from '../helpers/procs.js';
import { beforeRoot } from './lib/ab.js';
import { siptestAb } from './lib/siptest-ab.js';
import { step, type Client } from './lib/siptest-step.js';

const SECONDS_PER_STEP = 2;
const LADDER = [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000];
const BUDGET_MS = 170_000;

async function againstSipp(sipp: string): Promise<void> {
  process.stdout.write('Highest clean call rate, uac → sipp uas on 127.0.0.1 (UDP, one socket).\n');
  process.stdout.write('Figures are noisy: 2 cores shared with other work; compare the ratio.\n\n');
  process.stdout.write('target  client   achieved  ok  (successful/failed, exit, seconds)\n');
  const clients: Client[] = [
    { name: 'sipp', bin: sipp, node: false },
    { name: 'siptest', bin: siptestBin, node: true },
  ];
  const best: Record<string, number> = { sipp: 0, siptest: 0 };
  const bestTarget: Record<string, number> = { sipp: 0, siptest: 0 };
  const active = new Set(clients);
  const start = performance.now();
  for (const rate of LADDER) {
    for (const client of clients) {
      if (!active.has(client)) continue;
      if (performance.now() - start > BUDGET_MS) break;
      // One retry: on a shared machine a single stall can fail a step that is within reach.
      let s = await step(sipp, client, rate, SECONDS_PER_STEP);
      if (!s.clean && performance.now() - start < BUDGET_MS) s = await step(sipp, client, rate, SECONDS_PER_STEP);
      process.stdout.write(
        `${String(rate).padStart(6)}  ${client.name.padEnd(7)} ${s.achieved.toFixed(0).padStart(9)}  ${s.clean ? 'yes' : 'no '} (${s.successful}/${s.failed}, exit ${s.code}, ${s.seconds.toFixed(1)} s)\n`,
      );
      if (s.clean) {
        best[client.name] = Math.max(best[client.name]!, s.achieved);
        bestTarget[client.name] = rate;
      } else active.delete(client);
    }
    if (active.size === 0) break;
  }
  process.stdout.write(
    `\nsipp    uac → sipp uas: highest clean target ${bestTarget.sipp} calls/s (achieved ${best.sipp!.toFixed(0)})\n`,
  );
  process.stdout.write(
    `siptest uac → sipp uas: highest clean target ${bestTarget.siptest} calls/s (achieved ${best.siptest!.toFixed(0)})\n`,
  );
  if (bestTarget.sipp && bestTarget.siptest) {
    const ratio = bestTarget.siptest / bestTarget.sipp;
    process.stdout.write(`ratio siptest/sipp: ${ratio.toFixed(2)}× (target ≥ 0.70×)\n`);
  } else
    process.stdout.write('ratio siptest/sipp: inconclusive (a client had no clean step: the machine is too busy)\n');
}

export default async function siptestBench(argv: string[]): Promise<void> {
  const sipp = sippPath();
  if (!sipp) {
    if (process.env.CI === 'true') throw new Error('sipp is required for the siptest bench under CI=true');
    process.stdout.write('sipp is not installed (apt-get install sip-tester): siptest bench skipped\n');
    return;
  }
  const before = beforeRoot(argv, 'bin/siptest.js');
  if (!before) return againstSipp(sipp);
  const { values } = parseArgs({ args: argv, strict: false, options: { rounds: { type: 'string' } } });
  const rounds = Number(values.rounds ?? 3);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds must be an integer >= 1');
  await siptestAb(sipp, before, rounds);
}
