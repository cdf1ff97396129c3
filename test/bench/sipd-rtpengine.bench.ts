/**
 * What media relay costs sipd, and Kamailio beside it: calls/s with [rtpengine] mode = "always"
 * (an ng offer on each INVITE, an answer on its 200, a delete on the BYE; sipd holds each message
 * until rtpengine answers) against mode = "off" (the same config otherwise); Kamailio runs the
 * bench's kamailio.cfg.tpl with and without -A WITH_RTPENGINE (its rtpengine module's
 * rtpengine_manage() on INVITE, replies with SDP, BYE, CANCEL; rtpengine_delete() on failure),
 * as production runs it: -x tlsf, children = 2. Under the bench's sipp call load
 * (uac-call.xml and uas-call.xml carry SDP; sipp sends no RTP: this is the control traffic's
 * cost). One real rtpengine serves every round, started as the integration tests start it (user
 * space, test/helpers/rtpengine.ts) with 4,000 media ports. The modes alternate round by round
 * (sipd off, sipd always, kamailio off, kamailio always; then the reverse order, ...), each round
 * with a fresh server; every round, the medians and their spreads are printed, and the load
 * average around each round.
 *
 *   npm run bench -- sipd-rtpengine [--rounds=2] [--step-seconds=2] [--fixed-rate=100]
 *                    [--fixed-seconds=3] [--servers=sipd,kamailio] [--verbose]
 *
 * Kamailio's rtpengine module (rtpengine.so) ships in Debian's `kamailio` package itself (5.6);
 * without Kamailio (or its modules) only sipd is measured, and the reason is printed.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rtpengine, rtpengineMissing } from '../helpers/rtpengine.js';
import { loadAverage, median, spreadPct } from './lib/ab.js';
import { Callee, callStep, type LoadContext, type StepResult } from './lib/loads.js';
import { KamailioServer, kamailioMissing } from './lib/kamailio.js';
import { pidCpuMs } from './lib/procs.js';
import { findMaxCleanRate } from './lib/rate-finder.js';
import { SipdServer } from './lib/sipd.js';
import { sippMissing } from './lib/sipp.js';
import { benchSubscribers, createKamailioDb, insertSubscribers, writeInfCsv } from './lib/subscribers.js';

const DOMAIN = 'bench.sipkit.test';
const MODES = ['off', 'always'] as const;
type Mode = (typeof MODES)[number];
const SERVERS = ['sipd', 'kamailio'] as const;
type ServerName = (typeof SERVERS)[number];
const out = (s: string) => process.stdout.write(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Options {
  rounds: number;
  stepSeconds: number;
  fixedRate: number;
  fixedSeconds: number;
  servers: ServerName[];
  verbose: boolean;
}

interface Round {
  server: ServerName;
  mode: Mode;
  callsPerS: number;
  /** sipd and rtpengine CPU per 1,000 calls at the fixed rate (null: that step was not clean) */
  sipdMsPerK: number | null;
  rtpengineMsPerK: number | null;
  /** calls rtpengine still had after the round (should be 0: every BYE deleted its session) */
  leftover: number;
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
      servers: { type: 'string' },
      verbose: { type: 'boolean' },
    },
  });
  const num = (k: string, d: number, min: number) => {
    const v = values[k];
    const n = v === undefined || v === true ? d : Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${k} must be a number >= ${min}`);
    return n;
  };
  return {
    rounds: num('rounds', 2, 1),
    stepSeconds: num('step-seconds', 2, 0.5),
    fixedRate: num('fixed-rate', 100, 1),
    fixedSeconds: num('fixed-seconds', 3, 1),
    servers: String(values.servers ?? 'sipd,kamailio')
      .split(',')
      .map((x) => {
        const name = x.trim() as ServerName;
        if (!SERVERS.includes(name)) throw new Error(`--servers: unknown server ${x} (sipd, kamailio)`);
        return name;
      }),
    verbose: values.verbose === true,
  };
}

/** The server of a round: sipd with [rtpengine] mode, or Kamailio with or without its rtpengine module. */
function serverFor(server: ServerName, mode: Mode, rtp: Rtpengine) {
  if (server === 'sipd')
    return new SipdServer({
      name: `sipd-${mode}`,
      config: `[rtpengine]\nsockets = ["${rtp.socket}"]\nmode = "${mode}"`,
    });
  const media = mode === 'always' ? ['-A', 'WITH_RTPENGINE', '-A', `RTPENGINE_SOCK="${rtp.socket}"`] : [];
  return new KamailioServer({ name: `kamailio-${mode}`, children: 2, allocator: 'tlsf', extraArgs: media });
}

async function round(
  server: ServerName,
  mode: Mode,
  n: number,
  rtp: Rtpengine,
  base: Omit<LoadContext, 'server' | 'dir'>,
  tmp: string,
  o: Options,
  hint: number,
): Promise<Round | null> {
  out(`\n  ${server} media relay ${mode} round ${n} (load average ${loadAverage()})\n`);
  const dir = join(tmp, `${server}-${mode}-${n}`);
  mkdirSync(dir, { recursive: true });
  const running = await serverFor(server, mode, rtp).start({
    dir,
    domain: DOMAIN,
    baseDb: join(tmp, 'subscribers.sqlite'),
    callee: base.callee,
    loadSubscribers: [],
  });
  const ctx: LoadContext = { ...base, server: running, dir };
  let callee: Callee | undefined;
  try {
    callee = await Callee.start(ctx);
    const uas = callee;
    out('    calls/s:');
    const r = await findMaxCleanRate(
      async (rate) => {
        const s = await callStep(ctx, rate);
        out(` ${rate}${s.clean ? '✓' : `✗${o.verbose && s.reason ? `(${s.reason})` : ''}`}`);
        if (!s.clean) await uas.restart();
        await sleep(s.clean ? 300 : 1500);
        return s;
      },
      { start: hint, growth: hint > 100 ? 1.3 : 2, min: 10, max: 20000, precision: 0.15, maxSteps: 8, budgetMs: 20000 },
    );
    out(`\n      → ${r.best}/s, stopped by ${r.stoppedBy}\n`);
    const rtp0 = pidCpuMs(rtp.pid);
    const fixed: StepResult = await callStep(ctx, o.fixedRate, o.fixedSeconds);
    const rtpMs = pidCpuMs(rtp.pid) - rtp0;
    const perK = (ms: number) => (fixed.clean && fixed.successful > 0 ? (ms / fixed.successful) * 1000 : null);
    await sleep(500);
    const leftover = (await rtp.calls()).length;
    out(
      `    at ${o.fixedRate} calls/s for ${o.fixedSeconds} s: ${fixed.clean ? 'clean' : `NOT clean (${fixed.reason})`}, ` +
        `CPU per 1,000 calls: ${server} ${fmt(perK(fixed.serverCpuMs), 0)} ms, rtpengine ${fmt(perK(rtpMs), 0)} ms; ` +
        `sessions left in rtpengine: ${leftover}\n`,
    );
    return {
      server,
      mode,
      callsPerS: r.best,
      sipdMsPerK: perK(fixed.serverCpuMs),
      rtpengineMsPerK: perK(rtpMs),
      leftover,
    };
  } catch (e) {
    out(`\n    round aborted: ${(e as Error).message}\n`);
    return null;
  } finally {
    await callee?.stop();
    await running.stop();
    out(`    (load average ${loadAverage()})\n`);
  }
}

function fmt(x: number | null, digits: number): string {
  return x === null ? '—' : x.toFixed(digits);
}

function summary(rounds: Round[], servers: readonly ServerName[]): string[] {
  const lines: string[] = [];
  const series = (server: ServerName, mode: Mode, pick: (r: Round) => number | null) =>
    rounds
      .filter((r) => r.server === server && r.mode === mode)
      .map(pick)
      .filter((x): x is number => x !== null && x > 0);
  for (const [label, pick] of [
    ['calls/s (highest clean rate)', (r: Round) => r.callsPerS],
    ['server CPU ms per 1,000 calls', (r: Round) => r.sipdMsPerK],
    ['rtpengine CPU ms per 1,000 calls', (r: Round) => r.rtpengineMsPerK],
  ] as const) {
    lines.push(`${label}:`);
    for (const server of servers) {
      const med: Partial<Record<Mode, number>> = {};
      for (const mode of MODES) {
        const xs = series(server, mode, pick);
        const name = `${server} ${mode}`.padEnd(16);
        if (xs.length === 0) {
          lines.push(`  ${name} no figure`);
          continue;
        }
        med[mode] = median(xs);
        lines.push(
          `  ${name} median ${med[mode]!.toFixed(0)}, rounds ${xs.map((x) => x.toFixed(0)).join(', ')} (spread ${spreadPct(xs).toFixed(1)}%)`,
        );
      }
      if (med.off && med.always)
        lines.push(`  ${server}: always / off = ${(med.always / med.off).toFixed(3)} (medians)`);
    }
  }
  return lines;
}

export default async function sipdRtpengine(argv: string[]): Promise<void> {
  const o = options(argv);
  const missing = (await sippMissing()) ?? rtpengineMissing() ?? (await new SipdServer().unavailable());
  if (missing) {
    out(`Not measured: ${missing}.\n`);
    return;
  }
  const noKamailio = o.servers.includes('kamailio') ? kamailioMissing() : null;
  if (noKamailio) {
    out(`Kamailio not measured: ${noKamailio}.\n`);
    o.servers = o.servers.filter((x) => x !== 'kamailio');
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sipkit-bench-rtp-'));
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true });
  process.once('exit', removeTmp);
  const rtp = await Rtpengine.start({ ports: 4000 });
  try {
    const callee = { user: 'callee', password: 'callee-secret' };
    const subs = benchSubscribers(10);
    createKamailioDb(join(tmp, 'subscribers.sqlite'));
    insertSubscribers(join(tmp, 'subscribers.sqlite'), DOMAIN, subs);
    const infCsv = join(tmp, 'subscribers.csv');
    writeInfCsv(infCsv, subs);
    out(
      `${o.servers.join(' and ')} calls/s with media relay (every call, rtpengine ${rtp.socket}, user space) vs without; ` +
        `${o.rounds} round(s) each, alternating; steps of ${o.stepSeconds} s. Shared machine: compare within one run.\n`,
    );
    const rounds: Round[] = [];
    const hints = new Map<string, number>();
    const setups = o.servers.flatMap((server) => MODES.map((mode) => ({ server, mode })));
    for (let n = 1; n <= o.rounds; n++) {
      for (const { server, mode } of n % 2 === 1 ? setups : [...setups].reverse()) {
        const key = `${server}/${mode}`;
        const r = await round(
          server,
          mode,
          n,
          rtp,
          { domain: DOMAIN, infCsv, callee, stepSeconds: o.stepSeconds },
          tmp,
          o,
          hints.get(key) ?? 200,
        );
        if (!r) continue;
        rounds.push(r);
        if (r.callsPerS > 0) hints.set(key, Math.round(r.callsPerS * 0.8));
      }
    }
    out(`\nMedia relay on vs off (${o.rounds} alternating rounds; load average now ${loadAverage()}):\n`);
    out(summary(rounds, o.servers).join('\n') + '\n');
    const left = rounds.filter((r) => r.leftover > 0);
    for (const r of left) out(`note: ${r.leftover} session(s) left in rtpengine after a ${r.server} ${r.mode} round\n`);
  } finally {
    await rtp.stop();
    process.removeListener('exit', removeTmp);
    removeTmp();
  }
}
