/**
 * sipd against Kamailio under the same sipp loads, in one run, alternating the servers
 * (A/B/A/B: Kamailio, sipd, Kamailio, sipd, ...; each session starts its server afresh) so
 * that the machine's drift hits both alike, and reporting every round, each server's median and
 * spread, and sipd / Kamailio of the medians (issue 14: never the best round):
 *
 *  - REGISTER with digest per second: highest clean rate (401 + authenticated REGISTER per call,
 *    10,000 subscribers picked at random from the sipp injection CSV, bindings in memory);
 *  - INVITE call setups per second through the stateful proxy with Record-Route (INVITE, 100,
 *    180, 200, ACK and BYE via the route set, pause, 200), to a sipp UAS registered as the callee;
 *  - server CPU (its whole process group, from /proc) per 1,000 calls at a fixed call rate that
 *    both hold: by default (--fixed-rate=auto) half the lower of the servers' median call rates,
 *    measured after the searches in a CPU phase of its own, A/B/A/B again;
 *  - INVITE→200 latency p50/p99 (sipp -trace_rtt) at half of each server's own highest clean
 *    call rate of that round;
 *  - the server's memory (lib/memory.ts: resident, shared pages counted once): idle after start,
 *    peak under load, and 10 s after the load stopped.
 *
 * Kamailio runs as production runs it (lib/kamailio.ts): the TLSF allocator (-x tlsf -X tlsf),
 * -m 512 -M 16, no memory debugging, 2 UDP children, test/fixtures/bench/kamailio.cfg.tpl (the
 * features of sipd's default route: digest auth from the DB, usrloc in memory, Record-Route,
 * stateful relay, the sanity checks sipd makes too); sipd runs with
 * test/fixtures/bench/sipd-bench.toml (one process unless --workers). Steps last 10 s by default, long
 * enough to see a stall. Every sipp gets 4 MiB socket buffers (lib/sipp.ts: with sipp's default
 * the client's own buffer overflowed while two busy server processes held both cores, and the
 * step failed for it); a step that is not clean says how many datagrams the kernel dropped at the
 * server's socket and at the client's. Without sipd's commands (`sipd run`, `sipctl add`) the
 * sipd half is skipped with the reason, and Kamailio still runs.
 *
 *   npm run bench -- sipd-kamailio [--rounds=3] [--step-seconds=10] [--fixed-rate=auto|N]
 *                    [--fixed-seconds=10] [--subscribers=10000] [--servers=kamailio,sipd]
 *                    [--before=DIR] [--cpu-only] [--warmup-seconds=0] [--quick] [--workers=N]
 *                    [--verbose] [--keep]
 *
 * --quick: a smoke run for CI (1 round, 2 s steps, short searches, 1,000 subscribers): checks
 * that everything runs and prints, measures nothing worth quoting.
 * --cpu-only: only the CPU per 1,000 calls at the fixed rate (no highest-rate searches, no
 * latency), for tighter A/B figures in the same time (more rounds, longer --fixed-seconds).
 * --warmup-seconds=N: before each CPU step, N seconds of the same call load on the same server,
 * not measured: a fresh node process spends its first seconds compiling (JIT) and growing its
 * heap, which Kamailio does not; with a warm-up the step shows the steady state a long-running
 * server has (and the warm-up's lingering transactions are still there, as in production). Also
 * before each search, N seconds of its load at a rate every server holds (WARMUP_RATES), not
 * measured either: a cold sipd with two workers dropped datagrams at 2,000-3,000 REGISTERs/s for
 * its first second or two, which it takes clean warm, and a search that began on a cold server
 * (every round after the first starts at 0.8x the last result) measured the compiler.
 * Every server gets the same warm-ups.
 * --before: the root of another build (default: SIPKIT_BENCH_BEFORE); its bin/sipd.js runs as the
 * server "before" beside this build's "sipd" (the default servers become kamailio,before,sipd),
 * and the report ends with sipd / before: every round, medians, spreads (lib/ab.ts).
 * --workers=N: this build's sipd runs with `workers = N` ("before" keeps its default): with
 * --before=<this checkout> --servers=before,sipd it measures 1 worker against N, A/B. The server
 * "sipd-steered" (only when named in --servers) is this build with the same workers, each
 * reading a socket of its own that the kernel steers by Call-ID (worker_steering = "call-id"):
 * --servers=sipd-steered,sipd --workers=2 measures it against the default shared socket.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { beforeRoot, loadAverage } from './lib/ab.js';
import { KamailioServer, kamailioMemoryArgs } from './lib/kamailio.js';
import { Callee, callStep, registerStep, type LoadContext, type StepResult } from './lib/loads.js';
import { MemorySampler } from './lib/memory.js';
import { findMaxCleanRate, niceRate, type SearchOptions, type SearchResult } from './lib/rate-finder.js';
import { abReport, medianOf, resultTable, type SessionFigures } from './lib/report.js';
import type { BenchServer, RunningServer } from './lib/server.js';
import { SipdServer } from './lib/sipd.js';
import { sippMissing } from './lib/sipp.js';
import { benchTmpDir, type Subscriber, subscriberFixture } from './lib/subscribers.js';

const DOMAIN = 'bench.sipkit.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const out = (s: string) => process.stdout.write(s);

interface Options {
  rounds: number;
  stepSeconds: number;
  /** calls/s of the CPU step; undefined: "auto", half the lowest median call rate of the servers */
  fixedRate: number | undefined;
  fixedSeconds: number;
  subscribers: number;
  servers: string[];
  before: string | undefined;
  verbose: boolean;
  keep: boolean;
  /** unmeasured seconds of the fixed-rate load before each CPU step (0: none) */
  warmupSeconds: number;
  /** only the CPU per 1,000 calls at the fixed rate (no highest-rate searches) */
  cpuOnly: boolean;
  /** sipd's `workers` for this build ("sipd"); "before" runs its own default */
  workers: number;
  /** CI smoke: everything runs, briefly */
  quick: boolean;
  /** seconds between the end of the load and the "after" memory sample */
  afterSeconds: number;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      rounds: { type: 'string' },
      'step-seconds': { type: 'string' },
      'fixed-rate': { type: 'string' },
      'fixed-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      subscribers: { type: 'string' },
      servers: { type: 'string' },
      verbose: { type: 'boolean' },
      keep: { type: 'boolean' },
      'cpu-only': { type: 'boolean' },
      workers: { type: 'string' },
      quick: { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  const num = (k: string, d: number, min: number) => {
    const v = values[k];
    if (v === undefined || v === true) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${k} must be a number >= ${min}`);
    return n;
  };
  const before = beforeRoot(argv, 'bin/sipd.js');
  return {
    rounds: num('rounds', quick ? 1 : 3, 1),
    stepSeconds: num('step-seconds', quick ? 2 : 10, 0.5),
    // auto (the default) needs the searches; --cpu-only and --quick take a number (default 500, 100).
    fixedRate:
      values['fixed-rate'] === 'auto' || (values['fixed-rate'] === undefined && !quick && !values['cpu-only'])
        ? undefined
        : num('fixed-rate', quick ? 100 : 500, 1),
    fixedSeconds: num('fixed-seconds', quick ? 2 : 10, 1),
    warmupSeconds: num('warmup-seconds', 0, 0),
    subscribers: num('subscribers', quick ? 1000 : 10000, 10),
    servers: String(values.servers ?? (before ? 'kamailio,before,sipd' : 'kamailio,sipd'))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    before,
    verbose: values.verbose === true,
    keep: values.keep === true,
    cpuOnly: values['cpu-only'] === true,
    workers: num('workers', 1, 1),
    quick,
    afterSeconds: quick ? 2 : 10,
  };
}

/** "server 61%, sipp 80%, uas 70%": CPU of each process over a step, in % of one core. */
function cpuShares(s: StepResult): string {
  const uas = s.uasCpuPct === undefined ? '' : `, uas ${s.uasCpuPct.toFixed(0)}%`;
  return `server ${s.serverCpuPct.toFixed(0)}%, sipp ${s.sippCpuPct.toFixed(0)}%${uas}`;
}

function stepMark(s: StepResult, verbose: boolean): string {
  const mark = s.clean ? '✓' : `✗${s.reason ? `(${s.reason})` : ''}`;
  const extra = verbose ? ` [${s.successful}/${s.calls}, ${s.wallS.toFixed(1)} s, ${cpuShares(s)}]` : '';
  return ` ${s.rate}${mark}${extra}`;
}

async function search(
  label: string,
  probe: (rate: number) => Promise<StepResult>,
  o: SearchOptions,
  verbose: boolean,
): Promise<SearchResult<StepResult>> {
  out(`    ${label}:`);
  const r = await findMaxCleanRate(async (rate) => {
    const s = await probe(rate);
    out(stepMark(s, verbose));
    return s;
  }, o);
  const cpu = r.bestStep ? ` (CPU, % of a core: ${cpuShares(r.bestStep)})` : '';
  out(
    `\n      → ${r.best > 0 ? `${r.best.toLocaleString('en-US')}/s` : 'no clean rate'}${cpu}, stopped by ${r.stoppedBy}\n`,
  );
  return r;
}

interface Hints {
  register?: number;
  calls?: number;
}

/**
 * The search: doubling from a first guess in a server's first round, then from 0.8× its last
 * result; bisecting to 10 %. The budget is counted in steps (a step plus its settling pause), so
 * that longer steps do not cut the search short.
 */
function searchOptions(kind: 'register' | 'calls', hint: number | undefined, o: Options): SearchOptions {
  const first = hint === undefined || hint <= 0;
  const start = first ? (kind === 'register' ? 1000 : 500) : hint * 0.8;
  const steps = o.quick ? 3 : first ? 8 : 6;
  return {
    start,
    growth: first ? 2 : 1.3,
    min: 20,
    max: 40000,
    precision: 0.1,
    maxSteps: steps,
    budgetMs: steps * (o.stepSeconds + 1.5) * 1000,
  };
}

async function session(
  server: BenchServer,
  round: number,
  dir: string,
  baseDb: string,
  infCsv: string,
  subs: Subscriber[],
  callee: Subscriber,
  opts: Options,
  hints: Hints,
): Promise<SessionFigures | null> {
  out(`\n  ${server.name} round ${round} (load average ${loadAverage()})\n`);
  mkdirSync(dir, { recursive: true });
  let running: RunningServer;
  try {
    running = await server.start({ dir, domain: DOMAIN, baseDb, callee, loadSubscribers: subs });
  } catch (e) {
    out(`    ${server.name} failed to start: ${(e as Error).message}\n`);
    return null;
  }
  out(`    up on udp:127.0.0.1:${running.port} (${running.processes()} processes)\n`);
  const ctx: LoadContext = { server: running, domain: DOMAIN, dir, infCsv, callee, stepSeconds: opts.stepSeconds };
  const memory = new MemorySampler(running.group.pgid);
  let callee_: Callee | undefined;
  try {
    callee_ = await Callee.start(ctx);
    await sleep(1000);
    const memIdleMb = memory.sample();
    memory.start();
    const f = await measure(ctx, callee_, server.name, round, opts, hints);
    memory.stop();
    out(`    memory: idle ${memIdleMb.toFixed(0)} MB, peak ${memory.peakMb.toFixed(0)} MB, `);
    await sleep(opts.afterSeconds * 1000);
    const memAfterMb = memory.sample();
    out(`${opts.afterSeconds} s after the load ${memAfterMb.toFixed(0)} MB\n`);
    const figures = { ...f, memIdleMb, memPeakMb: memory.peakMb, memAfterMb };
    out(`    ${roundLine(figures)} (load average ${loadAverage()})\n`);
    return figures;
  } catch (e) {
    out(`\n    ${server.name} round ${round} aborted: ${(e as Error).message}\n`);
    return null;
  } finally {
    memory.stop();
    await callee_?.stop();
    await running.stop();
  }
}

/** The loads of one session: the two searches, the fixed rate, the latency at half the maximum. */
async function measure(
  ctx: LoadContext,
  uas: Callee,
  name: string,
  round: number,
  opts: Options,
  hints: Hints,
): Promise<SessionFigures> {
  const settle = async (s: StepResult, restartUas: boolean) => {
    if (!s.clean && restartUas) await uas.restart();
    await sleep(s.clean ? 500 : 2000);
  };
  const skipped = { best: 0, bestStep: undefined };
  if (!opts.cpuOnly) await warmUp(ctx, 'register', opts);
  const reg = opts.cpuOnly
    ? skipped
    : await search(
        'REGISTER/s',
        async (rate) => {
          const s = await registerStep(ctx, rate);
          await settle(s, false);
          return s;
        },
        searchOptions('register', hints.register, opts),
        opts.verbose,
      );
  // The REGISTER load may have overrun the server; the callee's binding must be there.
  await uas.register();
  if (!opts.cpuOnly) await warmUp(ctx, 'calls', opts);
  const calls = opts.cpuOnly
    ? skipped
    : await search(
        'calls/s',
        async (rate) => {
          const s = await callStep(ctx, rate);
          await settle(s, true);
          return s;
        },
        searchOptions('calls', hints.calls, opts),
        opts.verbose,
      );
  const cpu = opts.fixedRate === undefined ? undefined : await cpuStep(ctx, opts.fixedRate, opts);
  if (cpu) await settle(cpu.step, true);
  let p50Ms: number | null = null;
  let p99Ms: number | null = null;
  if (calls.best > 0) {
    const half = niceRate(calls.best / 2);
    out(`    INVITE→200 at ${half} calls/s (half of ${calls.best}) for ${opts.stepSeconds} s:`);
    const lat = await callStep(ctx, half, opts.stepSeconds, true);
    const l = lat.latency;
    if (l) ({ p50Ms, p99Ms } = l);
    out(
      ` ${lat.clean ? 'clean' : `NOT clean (${lat.reason})`}, ` +
        (l ? `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms (${l.samples} calls)\n` : 'no response times\n'),
    );
  }
  hints.register = reg.best || hints.register;
  hints.calls = calls.best || hints.calls;
  return {
    server: name,
    round,
    registerPerS: reg.best,
    registerCpuPct: reg.bestStep?.serverCpuPct,
    callsPerS: calls.best,
    callsCpuPct: calls.bestStep?.serverCpuPct,
    cpuMsPer1000Calls: cpu?.step.clean ? cpu.perK : null,
    sysMsPer1000Calls: cpu?.step.clean ? cpu.sysPerK : null,
    fixedRateClean: cpu?.step.clean ?? false,
    p50Ms,
    p99Ms,
  };
}

/** Rates of the warm-up before each search: well within every server's reach, cold or warm. */
const WARMUP_RATES = { register: 1000, calls: 300 };

/** --warmup-seconds of one search's load before the search, not measured (see the header). */
async function warmUp(ctx: LoadContext, kind: 'register' | 'calls', opts: Options): Promise<void> {
  if (opts.warmupSeconds <= 0) return;
  const rate = WARMUP_RATES[kind];
  out(`    warm-up, ${kind === 'register' ? 'REGISTER' : 'calls'} at ${rate}/s for ${opts.warmupSeconds} s:`);
  const w =
    kind === 'register'
      ? await registerStep({ ...ctx, stepSeconds: opts.warmupSeconds }, rate)
      : await callStep(ctx, rate, opts.warmupSeconds);
  out(` ${w.clean ? 'clean' : `NOT clean (${w.reason})`} (not measured)\n`);
  await sleep(1000);
}

/**
 * Server CPU per 1,000 calls at `rate` (null when no call succeeded), printed as it goes; after
 * the --warmup-seconds load when there is one.
 */
async function cpuStep(ctx: LoadContext, rate: number, opts: Options) {
  const seconds = opts.fixedSeconds;
  if (opts.warmupSeconds > 0) {
    out(`    warm-up at ${rate} calls/s for ${opts.warmupSeconds} s:`);
    const w = await callStep(ctx, rate, opts.warmupSeconds);
    out(` ${w.clean ? 'clean' : `NOT clean (${w.reason})`}, ${w.successful} calls (not measured)\n`);
    await sleep(1000);
  }
  out(`    CPU at ${rate} calls/s for ${seconds} s:`);
  const step = await callStep(ctx, rate, seconds);
  const perK = step.successful > 0 ? (step.serverCpuMs / step.successful) * 1000 : null;
  const sysPerK = step.successful > 0 ? (step.serverSysMs / step.successful) * 1000 : null;
  out(
    ` ${step.clean ? 'clean' : `NOT clean (${step.reason})`}, ${step.serverCpuMs.toFixed(0)} ms CPU ` +
      `(${step.serverSysMs.toFixed(0)} ms of it system) for ${step.successful} calls → ` +
      `${perK === null ? '—' : perK.toFixed(1)} ms per 1,000 calls (load average ${loadAverage()})\n`,
  );
  return { step, perK, sysPerK };
}

/**
 * The CPU phase of --fixed-rate=auto, after the searches: every server again, A/B/A/B, each
 * started afresh for one step at the rate every server held (half the lowest median).
 */
async function cpuPhase(
  servers: BenchServer[],
  figures: SessionFigures[],
  rate: number,
  start: (server: BenchServer, dir: string) => Promise<RunningServer>,
  callee: Subscriber,
  tmp: string,
  opts: Options,
): Promise<void> {
  for (let round = 1; round <= opts.rounds; round++) {
    for (const server of servers) {
      const f = figures.find((x) => x.server === server.name && x.round === round);
      if (!f) continue;
      out(`\n  ${server.name} round ${round}, CPU (load average ${loadAverage()})\n`);
      const dir = join(tmp, `${server.name}-${round}-cpu`);
      mkdirSync(dir, { recursive: true });
      let running: RunningServer | undefined;
      let uas: Callee | undefined;
      try {
        running = await start(server, dir);
        const ctx: LoadContext = {
          server: running,
          domain: DOMAIN,
          dir,
          infCsv: '',
          callee,
          stepSeconds: opts.stepSeconds,
        };
        uas = await Callee.start(ctx);
        const cpu = await cpuStep(ctx, rate, opts);
        f.cpuMsPer1000Calls = cpu.step.clean ? cpu.perK : null;
        f.sysMsPer1000Calls = cpu.step.clean ? cpu.sysPerK : null;
        f.fixedRateClean = cpu.step.clean;
      } catch (e) {
        out(`    ${server.name} CPU round ${round} aborted: ${(e as Error).message}\n`);
      } finally {
        await uas?.stop();
        await running?.stop();
      }
    }
  }
}

/** One line with a round's figures, for the log of the run. */
function roundLine(f: SessionFigures): string {
  const n = (v: number | null | undefined, d = 0) => (v === null || v === undefined ? '—' : v.toFixed(d));
  return (
    `${f.server} round ${f.round}: REGISTER ${f.registerPerS}/s, calls ${f.callsPerS}/s, ` +
    `CPU ${n(f.cpuMsPer1000Calls, 1)} ms/1,000 calls, p50/p99 ${n(f.p50Ms)}/${n(f.p99Ms)} ms, ` +
    `memory ${n(f.memIdleMb)}/${n(f.memPeakMb)}/${n(f.memAfterMb)} MB`
  );
}

export default async function sipdVsKamailio(argv: string[]): Promise<void> {
  const opts = options(argv);
  const noSipp = await sippMissing();
  if (noSipp) {
    out(`sipp not available: ${noSipp}. Nothing to measure.\n`);
    return;
  }
  const candidates: BenchServer[] = [
    new KamailioServer({ children: 2 }),
    ...(opts.before ? [new SipdServer({ name: 'before', bin: join(opts.before, 'bin', 'sipd.js') })] : []),
    // This build with the kernel's Call-ID steering instead of one UDP socket the workers share.
    new SipdServer({ name: 'sipd-steered', workers: opts.workers, topLevel: 'worker_steering = "call-id"' }),
    new SipdServer({ workers: opts.workers }),
  ].filter((s) => opts.servers.includes(s.name));
  const servers: BenchServer[] = [];
  for (const s of candidates) {
    const why = await s.unavailable();
    if (why) out(`${s.name} not available: ${why}. Skipping the ${s.name} half.\n`);
    else servers.push(s);
  }
  if (servers.length === 0) {
    out('No server to measure.\n');
    return;
  }

  const run = benchTmpDir('sipkit-bench-', opts.keep);
  const tmp = run.dir;
  try {
    const { subs, callee, db: baseDb, csv: infCsv } = subscriberFixture(tmp, DOMAIN, opts.subscribers);
    out(
      `Servers: ${servers.map((s) => s.name).join(', ')}; ${opts.rounds} round(s) each, alternating; ` +
        `${subs.length.toLocaleString('en-US')} subscribers; steps of ${opts.stepSeconds} s; ` +
        `clean = exit 0, no failed call, retransmissions ≤ 0.5%, not behind schedule.\n` +
        `kamailio: children=2, ${kamailioMemoryArgs().join(' ')} (TLSF allocator, no memory debugging); ` +
        `sipd: ${opts.workers === 1 ? 'one process' : `workers = ${opts.workers}`}.\n` +
        `Shared machine (${cpus().length} cores, load average ${loadAverage()}): figures drift between runs; ` +
        `compare within one run (the ratios of medians, read against the spreads).\n`,
    );

    const figures: SessionFigures[] = [];
    const hints = new Map<string, Hints>(servers.map((s) => [s.name, {}]));
    for (let round = 1; round <= opts.rounds; round++) {
      for (const s of servers) {
        const dir = join(tmp, `${s.name}-${round}`);
        const f = await session(s, round, dir, baseDb, infCsv, subs, callee, opts, hints.get(s.name)!);
        if (f) figures.push(f);
      }
    }

    let fixedRate = opts.fixedRate;
    if (fixedRate === undefined) {
      const medians = servers.map(
        (s) => medianOf(figures.filter((f) => f.server === s.name).map((f) => f.callsPerS || null)).median,
      );
      const lowest = Math.min(...medians.map((m) => m ?? 0));
      if (lowest > 0) {
        fixedRate = niceRate(lowest / 2);
        out(`\nCPU per 1,000 calls at ${fixedRate} calls/s (half the lowest median call rate), A/B/A/B:\n`);
        const start = (server: BenchServer, dir: string) =>
          server.start({ dir, domain: DOMAIN, baseDb, callee, loadSubscribers: subs });
        await cpuPhase(servers, figures, fixedRate, start, callee, tmp, opts);
      } else out('\nno CPU figures: some server had no clean call rate\n');
    }
    out(
      `\nsipd vs Kamailio (${opts.rounds} alternating rounds; medians and spreads; CPU at ${fixedRate ?? '—'} ` +
        `calls/s; load average ${loadAverage()}):\n`,
    );
    out(
      resultTable(
        figures,
        servers.map((s) => s.name),
        opts.rounds,
        process.stdout.isTTY === true,
      ) + '\n',
    );
    if (opts.before) out(abReport(figures, 'before', 'sipd').join('\n') + '\n');
    if (servers.some((s) => s.name === 'sipd-steered'))
      out(abReport(figures, 'sipd', 'sipd-steered').join('\n') + '\n');
    for (const s of servers) {
      if (s instanceof SipdServer) for (const n of s.notes) out(`note (sipd): ${n}\n`);
    }
    const unclean = figures.filter((f) => !f.fixedRateClean);
    for (const f of unclean) {
      out(
        `note: ${f.server} round ${f.round} was not clean at ${fixedRate ?? '—'} calls/s; its CPU figure is left out\n`,
      );
    }
  } finally {
    run.remove();
    if (opts.keep) out(`kept ${tmp}\n`);
  }
}
