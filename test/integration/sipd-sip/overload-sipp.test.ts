/**
 * Graceful overload (1.5x max: no spiral), issue 14, with sipp's digest REGISTER load (REGISTER,
 * 401, REGISTER with credentials, 200) against sipd with its default overload settings.
 *
 * sipd's capacity is bounded on purpose so that the test means the same on a busy 2-core host: a
 * route that spends ROUTE_MS of wall-clock time on every request before the registrar (so sipd
 * handles at most 1000 / (2 * ROUTE_MS) registrations/s, whatever else the host runs). The test
 * first measures the clean rate at a fifth of that bound, then offers OVERLOAD_X times the bound
 * and expects what RFC 3261 asks of an overloaded server:
 * - what it cannot take gets 503 (with Retry-After, §21.5.4: overload.test.ts checks the header);
 * - goodput stays at least the clean rate measured in the same test, and most of sipd's work ends
 *   in a registration (before issue 14 the kernel queued seconds of requests, each was
 *   retransmitted before sipd read it, and ~70 % of what the route did was for registrations that
 *   then timed out: 225 of 1,800 registered, 18/s);
 * - a retransmission of an authenticated REGISTER is answered from its transaction (§17.2.2),
 *   never handled again: the route sees each such request (Call-ID, CSeq) once. The challenge to
 *   a REGISTER without credentials is stateless (§8.2.7: a retransmission is answered afresh, so a
 *   flood of them leaves no state): those may reach the route again, and are counted apart.
 * Without sipp the test is skipped (a failure under CI=true).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freeUdpBlock } from '../../bench/lib/ports.js';
import { commonArgs, runSipp, sippMissing, SIPP_PORT_BLOCK, type SippRunResult } from '../../bench/lib/sipp.js';
import { benchSubscribers, writeInfCsv } from '../../bench/lib/subscribers.js';
import { fixturesDir } from '../../helpers/fixtures.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

/** Wall-clock ms the route spends on each request: sipd's bound is 1000 / (2 * ROUTE_MS) registrations/s. */
const ROUTE_MS = 5;
const BOUND = 1000 / (2 * ROUTE_MS);
/** The offered load in multiples of the bound (issue 14 asks 1.5x of the max; more makes the test sharper). */
const OVERLOAD_X = 3;
const SUBSCRIBERS = benchSubscribers(500, 'ov');

interface RouteTally {
  runs: number;
  /** requests with credentials the route saw more than once (Call-ID and CSeq) */
  again: number;
  /** unauthenticated requests seen again (their 401 is stateless) */
  againChallenged: number;
  seen: Set<string>;
}
const tally = (): RouteTally => (globalThis as unknown as { __overloadTally: RouteTally }).__overloadTally;

/** The bounded route: ROUTE_MS busy per request (wall clock, the way a slow database would hold sipd), then the registrar. */
const ROUTE = `
const t = (globalThis.__overloadTally = { runs: 0, again: 0, againChallenged: 0, seen: new Set() });
export default {
  name: 'bounded',
  request(ctx) {
    const key = ctx.msg.callId + ' ' + ctx.msg.cseq.seq;
    t.runs++;
    if (t.seen.has(key)) ctx.msg.has('authorization') ? t.again++ : t.againChallenged++;
    t.seen.add(key);
    const until = performance.now() + ${ROUTE_MS};
    while (performance.now() < until);
    if (ctx.method === 'REGISTER') return ctx.registrar.save();
    return ctx.reply(404, 'Not Found');
  },
};
`;

let dir = '';
let h: SipdHarness | undefined;
let missing: string | null = null;
let csv = '';

before(async () => {
  missing = await sippMissing();
  if (missing && process.env.CI === 'true') throw new Error(`${missing} (required under CI=true)`);
  if (missing) return;
  dir = mkdtempSync('/tmp/sipd-overload-');
  const route = join(dir, 'bounded.mjs');
  writeFileSync(route, ROUTE);
  csv = join(dir, 'subscribers.csv');
  writeInfCsv(csv, SUBSCRIBERS);
  h = await SipdHarness.start({
    users: SUBSCRIBERS.map((s) => [s.user, s.password]),
    // Only the route is ours: the overload settings are sipd's defaults.
    config: `route = "${route}"\n[timers]\ndrain_ms = 200\n`,
  });
});
after(async () => {
  await h?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let run = 0;
/** sipp's digest REGISTER scenario at `rate`/s for `seconds`; calls fail after 5 s without an answer. */
async function registerLoad(rate: number, seconds: number): Promise<SippRunResult & { calls: number }> {
  const base = await freeUdpBlock(SIPP_PORT_BLOCK);
  const calls = Math.round(rate * seconds);
  const stf = join(dir, `stat-${++run}.csv`);
  const args = [`127.0.0.1:${h!.udpPort}`, '-sf', join(fixturesDir, 'bench', 'register.xml'), '-inf', csv];
  args.push('-key', 'domain', DOMAIN, '-auth_uri', DOMAIN, '-key', 'contact_addr', `127.0.0.1:${base}`);
  args.push(...commonArgs({ base }), '-nd', '-r', String(rate), '-m', String(calls), '-l', String(calls));
  args.push('-recv_timeout', '5000', '-trace_stat', '-stf', stf, '-fd', '1', '-timeout', `${seconds + 30}s`);
  const r = await runSipp({ args, statFile: stf, cwd: dir, killAfterMs: (seconds + 40) * 1000 });
  assert.ok(r.stats, `sipp wrote no statistics (exit ${r.code}): ${r.stderr}`);
  return { ...r, calls };
}

test('graceful overload (1.5x max: no spiral): goodput holds, the excess gets 503, retransmissions are absorbed', async (t) => {
  if (missing) return t.skip(missing);
  const cleanSeconds = 4;
  const clean = await registerLoad(Math.round(BOUND / 5), cleanSeconds);
  // Registrations per second of offered load (sipp's tail, waiting out unanswered calls, is not the server's time).
  const cleanRate = clean.stats!.successful / cleanSeconds;
  t.diagnostic(`clean step: ${JSON.stringify(clean.stats)}`);
  // A busy host may stall this process for a moment even at a fifth of the bound: nearly clean.
  assert.ok(
    clean.stats!.successful >= 0.8 * clean.calls,
    `the clean step registers nearly all: ${JSON.stringify(clean.stats)}`,
  );

  const runs0 = tally().runs;
  const seconds = 6;
  const over = await registerLoad(BOUND * OVERLOAD_X, seconds);
  const s = over.stats!;
  const goodput = s.successful / seconds;
  const runs = tally().runs - runs0;
  // The share of sipd's work that ended in a registration: each one is two requests through the
  // route. A spiral spends the work on requests whose registration never completes.
  const useful = (2 * s.successful) / runs;
  const shed = (await h!.stats('core.overload_rejected'))['core.overload_rejected'] ?? 0;
  const what =
    `clean ${cleanRate.toFixed(0)}/s; offered ${BOUND * OVERLOAD_X}/s: ${s.successful}/${over.calls} registered ` +
    `(${goodput.toFixed(0)}/s), ${s.failed} failed, ${s.retransmissions} retransmissions, ${shed} refused with ` +
    `503, the route ran ${runs} times (${(useful * 100).toFixed(0)} % useful; ${tally().againChallenged} ` +
    `retransmitted REGISTERs without credentials challenged again)`;
  t.diagnostic(what);
  assert.ok(shed > 0, `the excess is refused with 503: ${what}`);
  assert.ok(goodput >= cleanRate, `goodput under overload at least the clean rate: ${what}`);
  assert.ok(useful >= 0.6, `most of sipd's work ends in a registration: ${what}`);
  assert.equal(
    tally().again,
    0,
    'no authenticated request reached the route twice (retransmissions answered from the transaction)',
  );
});
