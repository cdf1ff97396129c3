/**
 * REGISTER/s of sipd, one build against another in the same run (issue 9: group commit must keep
 * at least 90 % of the write-behind registrar's rate). The builds alternate A/B/A/B so that the
 * machine's drift (other work on the same cores) hits both alike; every round is printed with the
 * load average, then the median of each build, the spread of its rounds and the ratio.
 *
 * The load is the sipd-kamailio bench's: sipp REGISTER with digest (401, then the authenticated
 * REGISTER; one "call"), subscribers picked at random from 10,000, bindings written to SQLite,
 * test/fixtures/bench/sipd-bench.toml for both builds. The highest clean rate is searched by
 * stepping (lib/rate-finder.ts); then, less sensitive to the neighbours' load, the server's CPU
 * per 1,000 REGISTERs at a fixed rate (--fixed-rate, default 500/s for 5 s).
 *
 *   npm run bench -- register [--before=/work/main] [--rounds=3] [--step-seconds=3]
 *                    [--subscribers=10000] [--fixed-rate=500] [--cpu-only] [--verbose]
 *
 * --before: the root of another build (its bin/sipd.js runs as "before"; default: the
 * SIPKIT_BENCH_BEFORE environment variable). Without one, only this build is measured.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { registerStep, type LoadContext } from './lib/loads.js';
import { findMaxCleanRate, type SearchOptions } from './lib/rate-finder.js';
import { SipdServer } from './lib/sipd.js';
import { sippMissing } from './lib/sipp.js';
import { benchTmpDir, type Subscriber, subscriberFixture } from './lib/subscribers.js';

const DOMAIN = 'bench.sipkit.test';
const out = (s: string) => process.stdout.write(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figure {
  server: string;
  round: number;
  perS: number;
  cpuPct?: number;
  /** server CPU ms per 1,000 REGISTERs at the fixed rate; null when that step was not clean */
  cpuPerK: number | null;
  load: string;
}

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      before: { type: 'string' },
      rounds: { type: 'string' },
      'step-seconds': { type: 'string' },
      subscribers: { type: 'string' },
      'fixed-rate': { type: 'string' },
      'cpu-only': { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  });
  const num = (k: string, d: number, min: number) => {
    const v = values[k];
    if (v === undefined || v === true) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${k} must be a number >= ${min}`);
    return n;
  };
  const before = typeof values.before === 'string' ? values.before : process.env.SIPKIT_BENCH_BEFORE;
  return {
    before: before || undefined,
    rounds: num('rounds', 3, 1),
    stepSeconds: num('step-seconds', 3, 0.5),
    subscribers: num('subscribers', 10000, 10),
    fixedRate: num('fixed-rate', 500, 1),
    cpuOnly: values['cpu-only'] === true,
    verbose: values.verbose === true,
  };
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function searchOptions(hint: number | undefined): SearchOptions {
  const first = hint === undefined || hint <= 0;
  return {
    start: first ? 1000 : hint * 0.8,
    growth: first ? 2 : 1.3,
    min: 20,
    max: 40000,
    precision: 0.1,
    maxSteps: 10,
    budgetMs: first ? 45000 : 30000,
  };
}

async function round(
  server: SipdServer,
  n: number,
  dir: string,
  base: { db: string; csv: string; subs: Subscriber[]; callee: Subscriber },
  stepSeconds: number,
  fixedRate: number,
  hint: number | undefined,
  verbose: boolean,
  cpuOnly: boolean,
): Promise<Figure | null> {
  mkdirSync(dir, { recursive: true });
  const loadBefore = load();
  const running = await server
    .start({ dir, domain: DOMAIN, baseDb: base.db, callee: base.callee, loadSubscribers: base.subs })
    .catch((e: Error) => {
      out(`  ${server.name} round ${n}: failed to start: ${e.message}\n`);
      return null;
    });
  if (!running) return null;
  try {
    const ctx: LoadContext = {
      server: running,
      domain: DOMAIN,
      dir,
      infCsv: base.csv,
      callee: base.callee,
      stepSeconds,
    };
    out(`  ${server.name} round ${n} (load average ${loadBefore}):`);
    const r = cpuOnly
      ? { best: 0, bestStep: undefined, stoppedBy: 'skipped (--cpu-only)' }
      : await findMaxCleanRate(async (rate) => {
          const s = await registerStep(ctx, rate);
          const extra = verbose ? `[${s.successful}/${s.calls}, server ${s.serverCpuPct.toFixed(0)}%]` : '';
          out(` ${s.rate}${s.clean ? '✓' : `✗${verbose && s.reason ? `(${s.reason})` : ''}`}${extra}`);
          await sleep(s.clean ? 500 : 2000);
          return s;
        }, searchOptions(hint));
    const cpu = r.bestStep ? `, server CPU ${r.bestStep.serverCpuPct.toFixed(0)}% of a core` : '';
    out(`\n    → ${r.best.toLocaleString('en-US')} REGISTER/s${cpu}, stopped by ${r.stoppedBy}\n`);
    // --cpu-only: a first step at the fixed rate warms the server (JIT, a filled location table) as
    // the search does otherwise; only the second is measured.
    if (cpuOnly) await registerStep({ ...ctx, stepSeconds: 5 }, fixedRate);
    const fixed = await registerStep({ ...ctx, stepSeconds: 5 }, fixedRate);
    const cpuPerK = fixed.clean && fixed.successful > 0 ? (fixed.serverCpuMs / fixed.successful) * 1000 : null;
    out(
      `    at ${fixedRate}/s: ${fixed.clean ? 'clean' : `NOT clean (${fixed.reason})`}, ` +
        `${cpuPerK === null ? '—' : cpuPerK.toFixed(0)} ms server CPU per 1,000 REGISTERs\n`,
    );
    return {
      server: server.name,
      round: n,
      perS: r.best,
      cpuPct: r.bestStep?.serverCpuPct,
      cpuPerK,
      load: `${loadBefore} → ${load()}`,
    };
  } finally {
    await running.stop();
  }
}

export default async function registerBench(argv: string[]): Promise<void> {
  const o = options(argv);
  const noSipp = await sippMissing();
  if (noSipp) {
    out(`sipp not available: ${noSipp}. Nothing to measure.\n`);
    return;
  }
  const servers = [
    ...(o.before ? [new SipdServer({ name: 'before', bin: join(o.before, 'bin', 'sipd.js') })] : []),
    new SipdServer({ name: o.before ? 'after' : 'sipd' }),
  ];
  for (const s of servers) {
    const why = await s.unavailable();
    if (why) {
      out(`${s.name} not available: ${why}\n`);
      return;
    }
  }
  if (!o.before) out('No --before build given (or SIPKIT_BENCH_BEFORE): measuring this build only.\n');
  const run = benchTmpDir('sipkit-bench-reg-');
  const tmp = run.dir;
  try {
    const { subs, callee, db, csv } = subscriberFixture(tmp, DOMAIN, o.subscribers);
    out(
      `REGISTER with digest, ${subs.length.toLocaleString('en-US')} subscribers, SQLite; ` +
        `${servers.map((s) => s.name).join('/')} alternating, ${o.rounds} round(s); steps of ${o.stepSeconds} s.\n`,
    );
    const figures: Figure[] = [];
    const hints = new Map<string, number>();
    for (let n = 1; n <= o.rounds; n++) {
      for (const s of servers) {
        const f = await round(
          s,
          n,
          join(tmp, `${s.name}-${n}`),
          { db, csv, subs, callee },
          o.stepSeconds,
          o.fixedRate,
          hints.get(s.name),
          o.verbose,
          o.cpuOnly,
        );
        if (!f) continue;
        figures.push(f);
        if (f.perS > 0) hints.set(s.name, f.perS);
      }
    }
    out('\nREGISTER/s by round (load average at start → end):\n');
    for (const f of figures) {
      const cpu = f.cpuPerK === null ? '—' : f.cpuPerK.toFixed(0);
      out(
        `  ${f.server.padEnd(7)} round ${f.round}: ${String(f.perS).padStart(6)}/s, ${cpu} ms CPU/1,000   (${f.load})\n`,
      );
    }
    const med = new Map<string, number>();
    const cpuMed = new Map<string, number>();
    for (const s of servers) {
      const xs = figures.filter((f) => f.server === s.name && f.perS > 0).map((f) => f.perS);
      if (xs.length > 0) {
        const m = median(xs);
        med.set(s.name, m);
        const spread = ((Math.max(...xs) - Math.min(...xs)) / m) * 100;
        out(
          `  ${s.name.padEnd(7)} median ${m.toFixed(0)}/s, rounds ${xs.join(', ')} (spread ${spread.toFixed(0)}% of the median)\n`,
        );
      }
      const cpus = figures.filter((f) => f.server === s.name && f.cpuPerK !== null).map((f) => f.cpuPerK!);
      if (cpus.length > 0) {
        const c = median(cpus);
        cpuMed.set(s.name, c);
        const spread = ((Math.max(...cpus) - Math.min(...cpus)) / c) * 100;
        out(
          `  ${s.name.padEnd(7)} ${c.toFixed(0)} ms CPU per 1,000 REGISTERs (median), rounds ` +
            `${cpus.map((x) => x.toFixed(0)).join(', ')} (spread ${spread.toFixed(0)}%)\n`,
        );
      }
    }
    const b = med.get('before');
    const a = med.get('after');
    if (b && a) out(`  REGISTER/s after / before = ${((a / b) * 100).toFixed(0)}% (medians)\n`);
    const cb = cpuMed.get('before');
    const ca = cpuMed.get('after');
    if (cb && ca) out(`  CPU per REGISTER after / before = ${((ca / cb) * 100).toFixed(0)}% (medians)\n`);
  } finally {
    run.remove();
  }
}
