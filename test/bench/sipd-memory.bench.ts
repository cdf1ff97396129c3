/**
 * Memory of sipd against Kamailio in the same run (issue 14: "RSS returns to within 1.5× of its
 * idle value after load stops; 100,000 registered contacts cost less than 300 MB").
 *
 * Each server runs these phases in one process, its memory read from /proc (lib/memory.ts: RSS
 * for sipd; Kamailio's workers with their shared memory counted once):
 *
 *   idle       started, SUBSCRIBERS provisioned (sipd keeps them in memory, Kamailio's auth_db
 *              asks the database), 3 s quiet
 *   calls      sipp calls through the proxy (Record-Route) at --call-rate for --call-seconds;
 *              memory at the peak and 10 s / 30 s / 60 s after the load stopped, against idle
 *   contacts   every subscriber REGISTERs once (digest, as in production: 401, then the
 *              authenticated REGISTER; SEQUENTIAL -inf file, one Contact per AoR) at --reg-rate,
 *              with an Expires long enough to outlive the run of the load; memory right after and
 *              35 s later (sipd's REGISTER transactions linger Timer J = 32 s on UDP)
 *   expired    the bindings expire on their own; memory 5 s and 35 s after the last one did
 *
 * sipd also answers `core.memory` (V8 heap used/total, external, array buffers), printed beside its
 * RSS so that what stays can be told apart (live objects, or pages V8 keeps after a GC).
 *
 *   npm run bench -- sipd-memory [--contacts=100000] [--reg-rate=2000] [--call-rate=300]
 *        [--call-seconds=15] [--rounds=1] [--before=DIR] [--no-kamailio] [--no-calls]
 *
 * --before: another build's root (its bin/sipd.js runs as "before", alternating with this one).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mgmtCall } from '../../src/mgmt/client.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { beforeRoot, loadAverage, median, spreadPct } from './lib/ab.js';
import { KamailioServer } from './lib/kamailio.js';
import { Callee, callStep, type LoadContext } from './lib/loads.js';
import { groupMemoryMb } from './lib/memory.js';
import { freeUdpBlock } from './lib/ports.js';
import { runCommand } from './lib/procs.js';
import type { BenchServer, RunningServer } from './lib/server.js';
import { SipdServer } from './lib/sipd.js';
import { commonArgs, runSipp, SIPP_PORT_BLOCK, sippMissing } from './lib/sipp.js';
import { benchTmpDir, type Subscriber, subscriberFixture } from './lib/subscribers.js';

const DOMAIN = 'bench.sipkit.test';
const SCENARIO = join(fixturesDir, 'bench', 'register-expires.xml');
/** sipd's UDP REGISTER transactions stay this long after their 200 (Timer J, RFC 3261 §17.2.2) + 3 s. */
const TRANSACTIONS_GONE_MS = 35_000;
/**
 * Overload control off: this bench measures what every contact costs, so every REGISTER is to be
 * stored; on a busy host sipd would otherwise refuse part of the load with 503 (issue 14), and the
 * builds would hold different numbers of contacts.
 */
const ALL_STORED = '[limits]\noverload_backlog_ms = 0';
const out = (s: string) => process.stdout.write(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      contacts: { type: 'string' },
      'reg-rate': { type: 'string' },
      'call-rate': { type: 'string' },
      'call-seconds': { type: 'string' },
      rounds: { type: 'string' },
      'no-kamailio': { type: 'boolean' },
      'no-calls': { type: 'boolean' },
    },
  });
  const num = (k: string, d: number, min: number) => {
    const v = values[k];
    if (v === undefined || v === true) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${k} must be a number >= ${min}`);
    return n;
  };
  return {
    contacts: num('contacts', 100_000, 10),
    regRate: num('reg-rate', 2000, 10),
    callRate: num('call-rate', 300, 1),
    callSeconds: num('call-seconds', 15, 1),
    rounds: num('rounds', 1, 1),
    kamailio: values['no-kamailio'] !== true,
    calls: values['no-calls'] !== true,
    before: beforeRoot(argv, join('bin', 'sipd.js')),
  };
}

type Options = ReturnType<typeof options>;

/** One memory reading: the group's memory, and sipd's V8 figures when it answers core.memory. */
interface Reading {
  mb: number;
  heapUsedMb?: number;
  heapTotalMb?: number;
  externalMb?: number;
  contacts?: number;
}

interface Row {
  server: string;
  round: number;
  load: string;
  at: Record<string, Reading>;
  notes: string[];
}

const MB = 1024 * 1024;

/** sipd's management socket in the bench's run dir (lib/sipd.ts: DIR/sipd-run). */
const sipdSocket = (dir: string) => join(dir, 'sipd-run', 'sipd.sock');

async function sipdFigures(dir: string): Promise<Partial<Reading>> {
  const r: Partial<Reading> = {};
  try {
    // One row per process (a multi-worker sipd: the primary, then each worker): summed.
    const rows = await mgmtCall<Array<{ heap_used: number; heap_total: number; external: number }>>(
      sipdSocket(dir),
      'core.memory',
      undefined,
      { timeoutMs: 5000 },
    );
    const sum = (k: 'heap_used' | 'heap_total' | 'external') => rows.reduce((n, x) => n + x[k], 0) / MB;
    r.heapUsedMb = sum('heap_used');
    r.heapTotalMb = sum('heap_total');
    r.externalMb = sum('external');
  } catch {
    // an older build without core.memory: RSS only
  }
  try {
    const s = await mgmtCall<Record<string, number>>(sipdSocket(dir), 'stats.fetch', ['usrloc.registered_contacts']);
    r.contacts = s['usrloc.registered_contacts'];
  } catch {
    // no figure
  }
  return r;
}

/** Kamailio's registered contacts (kamcmd over the bench's ctl socket), if it answers. */
async function kamailioContacts(dir: string): Promise<number | undefined> {
  const r = await runCommand('kamcmd', ['-s', `unix:${join(dir, 'kamailio_ctl')}`, 'stats.get_statistics', 'usrloc:'], {
    timeoutMs: 5000,
  }).catch(() => null);
  // The usrloc group; Kamailio 5.x has "usrloc:location_contacts = N" (the `location` table) in it.
  const m = r ? /location_contacts\s*=\s*(\d+)/.exec(r.stdout) : null;
  return m ? Number(m[1]) : undefined;
}

async function reading(server: RunningServer, dir: string, isSipd: boolean): Promise<Reading> {
  const mb = groupMemoryMb(server.group.pgid);
  if (isSipd) return { mb, ...(await sipdFigures(dir)) };
  return { mb, contacts: await kamailioContacts(dir) };
}

/** Every subscriber REGISTERs once, binding for `expiresS`; returns the successful count and wall ms. */
async function registerAll(ctx: LoadContext, csv: string, o: Options, expiresS: number) {
  const ports = { base: await freeUdpBlock(SIPP_PORT_BLOCK) };
  const statFile = join(ctx.dir, 'register-all.csv');
  const args = [`127.0.0.1:${ctx.server.port}`, '-sf', SCENARIO, '-inf', csv, '-key', 'domain', ctx.domain];
  args.push('-auth_uri', ctx.domain, '-key', 'contact_addr', `127.0.0.1:${ports.base}`);
  args.push('-key', 'expires', String(expiresS), ...commonArgs(ports));
  args.push('-r', String(o.regRate), '-rp', '1000', '-m', String(o.contacts), '-l', String(Math.max(200, o.regRate)));
  args.push('-recv_timeout', '5000', '-trace_stat', '-stf', statFile, '-fd', '1');
  const budgetS = Math.ceil((o.contacts / o.regRate) * 3 + 30);
  args.push('-timeout', `${budgetS}s`);
  const r = await runSipp({ args, statFile, cwd: ctx.dir, killAfterMs: (budgetS + 15) * 1000 });
  return { successful: r.stats?.successful ?? 0, failed: r.stats?.failed ?? 0, wallMs: r.wallMs };
}

async function measure(
  bench: BenchServer,
  round: number,
  dir: string,
  base: { db: string; csv: string; subs: Subscriber[]; callee: Subscriber },
  o: Options,
): Promise<Row | null> {
  mkdirSync(dir, { recursive: true });
  const isSipd = bench instanceof SipdServer;
  const load0 = loadAverage();
  const server = await bench
    .start({ dir, domain: DOMAIN, baseDb: base.db, callee: base.callee, loadSubscribers: base.subs })
    .catch((e: Error) => {
      out(`  ${bench.name} round ${round}: failed to start: ${e.message}\n`);
      return null;
    });
  if (!server) return null;
  const row: Row = { server: bench.name, round, load: '', at: {}, notes: [] };
  const take = async (label: string) => {
    const r = await reading(server, dir, isSipd);
    row.at[label] = r;
    out(` ${label} ${r.mb.toFixed(0)}`);
    return r;
  };
  try {
    out(`  ${bench.name} round ${round} (load average ${load0}), MB:`);
    await sleep(3000);
    await take('idle');
    const ctx: LoadContext = { server, domain: DOMAIN, dir, infCsv: base.csv, callee: base.callee, stepSeconds: 1 };
    if (o.calls) {
      const callee = await Callee.start(ctx);
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, groupMemoryMb(server.group.pgid))), 500);
      const step = await callStep(ctx, o.callRate, o.callSeconds);
      clearInterval(sampler);
      await callee.stop();
      row.at['calls peak'] = { mb: peak };
      out(` calls-peak ${peak.toFixed(0)}`);
      if (!step.clean) row.notes.push(`call load at ${o.callRate}/s not clean: ${step.reason}`);
      const ended = Date.now();
      for (const s of [10, 30, 60]) {
        await sleep(Math.max(0, ended + s * 1000 - Date.now()));
        await take(`calls +${s}s`);
      }
    }
    await take('before contacts');
    // Long enough that every binding still lives when the "+35 s" reading is taken.
    const expiresS = Math.max(60, Math.ceil((o.contacts / o.regRate) * 1.5 + TRANSACTIONS_GONE_MS / 1000 + 15));
    const started = Date.now();
    const reg = await registerAll(ctx, base.csv, o, expiresS);
    if (reg.successful < o.contacts) row.notes.push(`${reg.successful}/${o.contacts} REGISTERs succeeded`);
    const regS = reg.wallMs / 1000;
    row.notes.push(`${reg.successful} REGISTERs in ${regS.toFixed(1)} s (${(reg.successful / regS).toFixed(0)}/s)`);
    await take('contacts');
    await sleep(TRANSACTIONS_GONE_MS);
    await take('contacts +35s');
    // The last binding expires expiresS after the last REGISTER; the sweeps run every second.
    const lastExpiry = started + reg.wallMs + expiresS * 1000;
    await sleep(Math.max(0, lastExpiry + 5000 - Date.now()));
    await take('expired +5s');
    await sleep(30_000);
    await take('expired +35s');
    row.load = `${load0} → ${loadAverage()}`;
    out('\n');
    return row;
  } finally {
    await server.stop();
  }
}

const fmt = (n: number | undefined, d = 0) => (n === undefined ? '—' : n.toFixed(d));

function printRow(r: Row, contacts: number): void {
  const idle = r.at.idle?.mb ?? NaN;
  out(`\n  ${r.server} round ${r.round} (load average ${r.load}):\n`);
  out(
    `    ${'phase'.padEnd(16)} ${'MB'.padStart(6)} ${'×idle'.padStart(6)} ${'heapUsed'.padStart(9)} ${'heapTotal'.padStart(9)} ${'external'.padStart(9)} ${'contacts'.padStart(9)}\n`,
  );
  for (const [label, v] of Object.entries(r.at)) {
    out(
      `    ${label.padEnd(16)} ${fmt(v.mb).padStart(6)} ${(v.mb / idle).toFixed(2).padStart(6)} ` +
        `${fmt(v.heapUsedMb).padStart(9)} ${fmt(v.heapTotalMb).padStart(9)} ${fmt(v.externalMb).padStart(9)} ` +
        `${fmt(v.contacts).padStart(9)}\n`,
    );
  }
  const before = r.at['before contacts']?.mb;
  const after = r.at['contacts +35s']?.mb;
  if (before !== undefined && after !== undefined)
    out(
      `    per contact: ${(((after - before) * MB) / contacts).toFixed(0)} bytes (contacts +35s − before contacts)\n`,
    );
  for (const n of r.notes) out(`    note: ${n}\n`);
}

function summary(rows: Row[], servers: string[]): void {
  out('\nMedians over rounds (MB; spread = (max − min) / median):\n');
  const labels = [...new Set(rows.flatMap((r) => Object.keys(r.at)))];
  out(`  ${'phase'.padEnd(16)}${servers.map((s) => s.padStart(18)).join('')}\n`);
  for (const label of labels) {
    const cells = servers.map((s) => {
      const xs = rows.filter((r) => r.server === s && r.at[label]).map((r) => r.at[label]!.mb);
      if (xs.length === 0) return '—'.padStart(18);
      const cell = xs.length > 1 ? `${median(xs).toFixed(0)} ±${spreadPct(xs).toFixed(0)}%` : median(xs).toFixed(0);
      return cell.padStart(18);
    });
    out(`  ${label.padEnd(16)}${cells.join('')}\n`);
  }
}

export default async function sipdMemoryBench(argv: string[]): Promise<void> {
  const o = options(argv);
  const noSipp = await sippMissing();
  if (noSipp) {
    out(`sipp not available: ${noSipp}. Nothing to measure.\n`);
    return;
  }
  const servers: BenchServer[] = [
    ...(o.before
      ? [new SipdServer({ name: 'before', bin: join(o.before, 'bin', 'sipd.js'), config: ALL_STORED })]
      : []),
    new SipdServer({ name: o.before ? 'after' : 'sipd', config: ALL_STORED }),
  ];
  if (o.kamailio) servers.push(new KamailioServer());
  const usable: BenchServer[] = [];
  for (const s of servers) {
    const why = await s.unavailable();
    if (why) out(`${s.name} not available: ${why}\n`);
    else usable.push(s);
  }
  if (!usable.some((s) => s instanceof SipdServer)) return;
  const run = benchTmpDir('sipkit-bench-mem-');
  const tmp = run.dir;
  try {
    const { subs, callee, db, csv } = subscriberFixture(tmp, DOMAIN, o.contacts, 'SEQUENTIAL');
    out(
      `${o.contacts.toLocaleString('en-US')} subscribers, each REGISTERs once with digest at ${o.regRate}/s; ` +
        (o.calls ? `calls at ${o.callRate}/s for ${o.callSeconds} s; ` : '') +
        `${usable.map((s) => s.name).join('/')}, ${o.rounds} round(s). Memory in MB (1 MB = 2^20 bytes).\n`,
    );
    const rows: Row[] = [];
    for (let n = 1; n <= o.rounds; n++) {
      for (const s of usable) {
        const r = await measure(s, n, join(tmp, `${s.name}-${n}`), { db, csv, subs, callee }, o);
        if (r) rows.push(r);
      }
    }
    for (const r of rows) printRow(r, o.contacts);
    summary(
      rows,
      usable.map((s) => s.name),
    );
  } finally {
    run.remove();
  }
}
