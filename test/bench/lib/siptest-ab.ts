/**
 * The siptest bench's A/B mode: another build's bin/siptest.js ("before") against this one's
 * ("after"), both as uac against a fresh sipp uas per step, in alternating rounds (the order
 * swapping from round to round). Per round and build:
 *
 *  - the highest clean call rate, searched by stepping (rate-finder.ts; 2 s of calls a step, an
 *    unclean step tried twice, 10% precision, starting near the build's previous best);
 *  - the client's CPU ms per 1,000 calls at a fixed rate (FIXED_RATE for FIXED_SECONDS; its whole
 *    run, start-up included, which is the same for both) — less sensitive to the neighbours' load
 *    than the highest rate, which a busy core caps.
 */
import { join } from 'node:path';
import { siptestBin } from '../../helpers/procs.js';
import { abSummary, loadAverage } from './ab.js';
import { findMaxCleanRate, type SearchOptions } from './rate-finder.js';
import { step, type Client, type Step } from './siptest-step.js';

const STEP_SECONDS = 2;
const FIXED_RATE = 1000;
const FIXED_SECONDS = 4;
const out = (s: string) => process.stdout.write(s);

interface Figure {
  build: 'before' | 'after';
  round: number;
  perS: number;
  cpuPerK: number;
  load: string;
}

function searchOptions(hint: number | undefined): SearchOptions {
  const first = hint === undefined || hint <= 0;
  return {
    start: first ? 2000 : hint * 0.85,
    growth: first ? 1.6 : 1.2,
    min: 100,
    max: 30000,
    precision: 0.1,
    maxSteps: 7,
    budgetMs: 35000,
  };
}

async function measureRound(sipp: string, client: Client, n: number, hint: number | undefined): Promise<Figure> {
  const loadBefore = loadAverage();
  out(`  ${client.name.padEnd(6)} round ${n} (load ${loadBefore}):`);
  const r = await findMaxCleanRate(async (rate) => {
    // One retry, as on the ladder: a single stall of a shared core must not cap the search.
    let s = await step(sipp, client, rate, STEP_SECONDS);
    if (!s.clean) {
      out(` ${s.rate}✗(${s.reason}), again:`);
      s = await step(sipp, client, rate, STEP_SECONDS);
    }
    out(` ${s.rate}${s.clean ? '✓' : `✗(${s.reason})`}`);
    return s;
  }, searchOptions(hint));
  const fixed: Step = await step(sipp, client, FIXED_RATE, FIXED_SECONDS);
  const cpuPerK = fixed.clean ? (fixed.cpuMs / fixed.successful) * 1000 : NaN;
  out(
    `\n    → ${r.best} calls/s (stopped by ${r.stoppedBy}); at ${FIXED_RATE}/s: ` +
      `${fixed.clean ? `${cpuPerK.toFixed(0)} ms CPU per 1,000 calls` : `not clean (${fixed.reason})`}\n`,
  );
  return {
    build: client.name as Figure['build'],
    round: n,
    perS: r.best,
    cpuPerK,
    load: `${loadBefore} → ${loadAverage()}`,
  };
}

export async function siptestAb(sipp: string, beforeDir: string, rounds: number): Promise<void> {
  const clients: Client[] = [
    { name: 'before', bin: join(beforeDir, 'bin', 'siptest.js'), node: true },
    { name: 'after', bin: siptestBin, node: true },
  ];
  out(`siptest -sn uac → sipp -sn uas (UDP, 127.0.0.1); before = ${beforeDir}, after = this build; `);
  out(`${rounds} alternating rounds.\n`);
  const figures: Figure[] = [];
  const hints = new Map<string, number>();
  for (let n = 1; n <= rounds; n++) {
    const order = n % 2 === 1 ? clients : [...clients].reverse();
    for (const c of order) {
      const f = await measureRound(sipp, c, n, hints.get(c.name));
      if (f.perS > 0) hints.set(c.name, f.perS);
      figures.push(f);
    }
  }
  out('\nBy round (load average at start → end):\n');
  for (const f of figures) {
    out(
      `  ${f.build.padEnd(6)} round ${f.round}: ${f.perS} calls/s, ${f.cpuPerK.toFixed(0)} ms CPU/1,000 (${f.load})\n`,
    );
  }
  const series = (pick: (f: Figure) => number) => ({
    before: figures.filter((f) => f.build === 'before').map(pick),
    after: figures.filter((f) => f.build === 'after').map(pick),
  });
  out(abSummary({ label: 'highest clean call rate, calls/s', ...series((f) => f.perS), better: 'high' }).join('\n'));
  out('\n');
  const cpuLabel = `client CPU ms per 1,000 calls at ${FIXED_RATE}/s`;
  out(abSummary({ label: cpuLabel, ...series((f) => f.cpuPerK), better: 'low' }).join('\n') + '\n');
}
