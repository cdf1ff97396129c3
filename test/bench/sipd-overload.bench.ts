/**
 * Graceful overload (issue 14): sipd offered calls at 0.5×, 1× and 1.5× its highest clean call
 * rate must keep completing calls near that rate: answer what it cannot take with 503 and
 * Retry-After, absorb retransmissions, and never spiral down to a fraction of its maximum.
 *
 * The load is the sipd-kamailio bench's call (INVITE, 100, 180, 200, ACK, pause, BYE, 200 through
 * the record-routing stateful proxy to a registered sipp UAS), for --seconds (20) per level. Per
 * level and server it prints: calls offered and completed, completed calls per second of wall
 * time, failed calls (a 503 fails a sipp call too), sipp's retransmissions, the server's CPU, the
 * UDP receive-buffer drops of the whole machine over the step (/proc/net/snmp RcvbufErrors; other
 * work on the machine may add some), and sipd's own overload statistics when it has them
 * (`sipctl stats`: core.overload_rejected, the 503s; core.loop_stalls, event-loop stalls longer
 * than limits.overload_backlog_ms; core.loop_lag_ms, the worst loop delay of the last second;
 * tm.current, the transactions alive at the end of the step).
 *
 *   npm run bench -- sipd-overload [--max=CALLS_PER_S] [--levels=0.5,1,1.5] [--seconds=20]
 *                    [--rounds=1] [--before=DIR] [--probe] [--backlog-ms=N] [--load=register] [--verbose]
 *
 * --load=register: the sipd-kamailio bench's digest REGISTER (REGISTER, 401, REGISTER with
 * credentials, 200; one sipp "call") from 10,000 subscribers instead of calls: the load that
 * spiralled in issue 14. *
 * --max: the 1× rate; without it, the highest clean call rate of the first server (10 s steps).
 * --before: the root of another build; its sipd runs as "before", alternating with this build's
 * (A/B per round), both at the same offered rates.
 * --backlog-ms: this build's limits.overload_backlog_ms (0: overload control off).
 * --probe: preload lib/loop-probe.ts into every sipd (any build) and show, per level, the event
 * loop's worst delay and p99 over one second, and the garbage collections (total, longest pause)
 * and the largest heap it logged during the step.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { beforeRoot, loadAverage } from './lib/ab.js';
import { Callee, callStep, registerStep, type LoadContext, type StepResult } from './lib/loads.js';
import { runCommand } from './lib/procs.js';
import { findMaxCleanRate, niceRate } from './lib/rate-finder.js';
import type { RunningServer } from './lib/server.js';
import { SIPCTL_BIN, SipdServer } from './lib/sipd.js';
import { sippMissing } from './lib/sipp.js';
import {
  benchSubscribers,
  createKamailioDb,
  insertSubscribers,
  writeInfCsv,
  type Subscriber,
} from './lib/subscribers.js';

const DOMAIN = 'bench.sipkit.test';
const out = (s: string) => process.stdout.write(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** sipd statistics shown per level, when the build has them (deltas over the step). */
const SIPD_STATS = ['core.overload_rejected', 'core.loop_stalls', 'core.loop_lag_ms', 'tm.current'];

interface Options {
  max: number | undefined;
  levels: number[];
  seconds: number;
  rounds: number;
  before: string | undefined;
  probe: boolean;
  /** limits.overload_backlog_ms for this build's sipd (default: its built-in default) */
  backlogMs: number | undefined;
  /** calls (INVITE through the proxy) or register (REGISTER with digest, the registrar's load) */
  load: 'calls' | 'register';
  verbose: boolean;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      max: { type: 'string' },
      levels: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      probe: { type: 'boolean' },
      'backlog-ms': { type: 'string' },
      load: { type: 'string' },
      verbose: { type: 'boolean' },
    },
  });
  const num = (v: unknown, d: number) => {
    if (v === undefined || v === true) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`bad number ${String(v)}`);
    return n;
  };
  return {
    max: values.max === undefined ? undefined : num(values.max, 0),
    levels: String(values.levels ?? '0.5,1,1.5')
      .split(',')
      .map((x) => num(x, 1)),
    seconds: num(values.seconds, 20),
    rounds: num(values.rounds, 1),
    before: beforeRoot(argv, 'bin/sipd.js'),
    probe: values.probe === true,
    backlogMs: values['backlog-ms'] === undefined ? undefined : Number(values['backlog-ms']),
    load: values.load === 'register' ? 'register' : 'calls',
    verbose: values.verbose === true,
  };
}

/** UDP datagrams the kernel dropped for a full receive buffer, machine-wide, so far. */
export function udpRcvbufErrors(snmp = readFileSync('/proc/net/snmp', 'latin1')): number {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp:'));
  const head = lines[0]?.split(/\s+/) ?? [];
  const vals = lines[1]?.split(/\s+/) ?? [];
  const i = head.indexOf('RcvbufErrors');
  return i < 0 ? 0 : Number(vals[i] ?? 0);
}

/** sipd's statistics (all of them), through sipctl and the management socket; {} when unavailable. */
async function sipdStats(runDir: string): Promise<Record<string, number>> {
  const r = await runCommand(process.execPath, [SIPCTL_BIN, 'stats', '--json', '--run-dir', runDir], {
    timeoutMs: 15000,
  });
  try {
    // sipctl's --json envelope: {status, result: {stats}}
    const j = JSON.parse(r.stdout) as { result?: { stats?: Record<string, number> } };
    return j.result?.stats ?? {};
  } catch {
    return {};
  }
}

/** What lib/loop-probe.ts logged over a step: the worst second's figures. */
export interface ProbeSummary {
  lagMaxMs: number;
  lagP99Ms: number;
  gcMs: number;
  gcLongestMs: number;
  gcMajor: number;
  heapMb: number;
}

export function summarizeProbe(text: string): ProbeSummary | null {
  const re =
    /loop-probe t=\d+ lag p50 [\d.]+ p99 ([\d.]+) max ([\d.]+) ms; gc \d+ \((\d+) major\) ([\d.]+) ms, longest ([\d.]+) ms; heap (\d+) MB/g;
  let found = false;
  const s: ProbeSummary = { lagMaxMs: 0, lagP99Ms: 0, gcMs: 0, gcLongestMs: 0, gcMajor: 0, heapMb: 0 };
  for (const m of text.matchAll(re)) {
    found = true;
    s.lagP99Ms = Math.max(s.lagP99Ms, Number(m[1]));
    s.lagMaxMs = Math.max(s.lagMaxMs, Number(m[2]));
    s.gcMajor += Number(m[3]);
    s.gcMs += Number(m[4]);
    s.gcLongestMs = Math.max(s.gcLongestMs, Number(m[5]));
    s.heapMb = Math.max(s.heapMb, Number(m[6]));
  }
  return found ? s : null;
}

function logFrom(file: string, offset: number): string {
  try {
    return readFileSync(file, 'latin1').slice(offset);
  } catch {
    return '';
  }
}

const sizeOf = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

interface LevelFigure {
  server: string;
  round: number;
  level: number;
  rate: number;
  step: StepResult;
  completedPerS: number;
  rcvbufErrors: number;
  stats: Record<string, number>;
  probe: ProbeSummary | null;
}

/** One step of the chosen load at `rate` per second for `seconds`. */
function loadStep(load: Options['load'], ctx: LoadContext, rate: number, seconds: number): Promise<StepResult> {
  return load === 'register' ? registerStep({ ...ctx, stepSeconds: seconds }, rate) : callStep(ctx, rate, seconds);
}

async function level(
  load: Options['load'],
  ctx: LoadContext,
  runDir: string,
  name: string,
  round: number,
  lvl: number,
  rate: number,
  seconds: number,
): Promise<LevelFigure> {
  const s0 = await sipdStats(runDir);
  const log = join(ctx.dir, 'sipd.log');
  const log0 = sizeOf(log);
  const drops0 = udpRcvbufErrors();
  const step = await loadStep(load, ctx, rate, seconds);
  const rcvbufErrors = udpRcvbufErrors() - drops0;
  const probe = summarizeProbe(logFrom(log, log0));
  const s1 = await sipdStats(runDir);
  const stats: Record<string, number> = {};
  for (const k of SIPD_STATS) {
    // Gauges (loop_lag_ms: the worst delay of the last second; tm.current: live transactions at
    // the end of the step) as they are; counters as deltas over the step.
    if (k in s1) stats[k] = k.endsWith('_ms') || k === 'tm.current' ? s1[k]! : s1[k]! - (s0[k] ?? 0);
  }
  const completedPerS = step.successful / step.wallS;
  return { server: name, round, level: lvl, rate, step, completedPerS, rcvbufErrors, stats, probe };
}

function levelLine(f: LevelFigure): string {
  const s = f.step;
  const extra = Object.entries(f.stats)
    .map(([k, v]) => `${k.replace(/^core\./, '')} ${v}`)
    .join(', ');
  const p = f.probe;
  const probe = p
    ? `; loop lag max ${p.lagMaxMs.toFixed(0)} ms (worst p99 ${p.lagP99Ms.toFixed(0)}), GC ${p.gcMs.toFixed(0)} ms ` +
      `(${p.gcMajor} major, longest ${p.gcLongestMs.toFixed(0)} ms), heap ≤ ${p.heapMb} MB`
    : '';
  return (
    `${f.level}× = ${f.rate}/s: ${s.successful}/${s.calls} completed in ${s.wallS.toFixed(1)} s → ` +
    `${f.completedPerS.toFixed(0)} calls/s (${((f.completedPerS / f.rate) * 100).toFixed(0)}% of offered), ` +
    `${s.failed} failed, ${s.retransmissions} retransmissions, server CPU ${s.serverCpuPct.toFixed(0)}%, ` +
    `UDP rcvbuf drops ${f.rcvbufErrors}${extra ? `, ${extra}` : ''}${probe}`
  );
}

export default async function sipdOverload(argv: string[]): Promise<void> {
  const opts = options(argv);
  if (opts.probe) {
    const probe = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'lib', 'loop-probe.js')).href;
    const flags = process.env.SIPKIT_BENCH_SIPD_NODE_FLAGS ?? '';
    process.env.SIPKIT_BENCH_SIPD_NODE_FLAGS = `${flags} --import ${probe}`.trim();
  }
  const noSipp = await sippMissing();
  if (noSipp) {
    out(`sipp not available: ${noSipp}. Nothing to measure.\n`);
    return;
  }
  const servers = [
    ...(opts.before ? [new SipdServer({ name: 'before', bin: join(opts.before, 'bin', 'sipd.js') })] : []),
    new SipdServer(opts.backlogMs === undefined ? {} : { config: `[limits]\noverload_backlog_ms = ${opts.backlogMs}` }),
  ];
  for (const s of servers) {
    const why = await s.unavailable();
    if (why) {
      out(`${s.name} not available: ${why}\n`);
      return;
    }
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sipkit-overload-'));
  // REGISTER load: many AoRs, as the sipd-kamailio bench's (each call registers one of them).
  const subs = benchSubscribers(opts.load === 'register' ? 10000 : 100);
  const callee: Subscriber = { user: 'callee', password: 'callee-secret' };
  const baseDb = join(tmp, 'subscribers.sqlite');
  createKamailioDb(baseDb);
  insertSubscribers(baseDb, DOMAIN, subs);
  const infCsv = join(tmp, 'subscribers.csv');
  writeInfCsv(infCsv, subs);
  let max = opts.max;
  const figures: LevelFigure[] = [];
  out(
    `Servers: ${servers.map((s) => s.name).join(', ')}; levels ${opts.levels.join(', ')}× of the max; ` +
      `${opts.seconds} s per level; ${opts.rounds} round(s) (load average ${loadAverage()})\n`,
  );
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const server of servers) {
        const dir = join(tmp, `${server.name}-${round}`);
        mkdirSync(dir, { recursive: true });
        out(`\n  ${server.name} round ${round} (load average ${loadAverage()})\n`);
        const running: RunningServer = await server.start({
          dir,
          domain: DOMAIN,
          baseDb,
          callee,
          loadSubscribers: subs,
        });
        const ctx: LoadContext = { server: running, domain: DOMAIN, dir, infCsv, callee, stepSeconds: 10 };
        const uas = await Callee.start(ctx);
        try {
          if (max === undefined) {
            out('    highest clean call rate (10 s steps):');
            const r = await findMaxCleanRate(
              async (rate) => {
                const s = await loadStep(opts.load, ctx, rate, 10);
                out(` ${rate}${s.clean ? '✓' : '✗'}`);
                if (!s.clean) await uas.restart();
                await sleep(s.clean ? 500 : 3000);
                return s;
              },
              { start: 500, growth: 2, min: 50, max: 20000, precision: 0.1, maxSteps: 8 },
            );
            max = r.best || 100;
            out(` → ${max}/s: the 1× rate for every server\n`);
          }
          for (const lvl of opts.levels) {
            const rate = niceRate(max * lvl);
            const f = await level(opts.load, ctx, join(dir, 'sipd-run'), server.name, round, lvl, rate, opts.seconds);
            figures.push(f);
            out(`    ${levelLine(f)} (load average ${loadAverage()})\n`);
            // A fresh UAS and a pause: the next level starts from a quiet server.
            await uas.restart();
            await sleep(5000);
          }
        } finally {
          await uas.stop();
          await running.stop();
        }
      }
    }
    out(`\nCompleted calls/s per level (max = ${max}/s; load average ${loadAverage()}):\n`);
    for (const lvl of opts.levels) {
      const row = servers.map((s) => {
        const mine = figures.filter((f) => f.server === s.name && f.level === lvl);
        const rates = mine.map((f) => f.completedPerS.toFixed(0)).join(', ');
        const failed = mine.map((f) => f.step.failed).join(', ');
        return `${s.name} ${rates} calls/s (failed ${failed})`;
      });
      out(`  ${lvl}×: ${row.join('; ')}\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
