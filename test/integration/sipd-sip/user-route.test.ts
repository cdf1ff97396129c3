/**
 * sipd running a user route from a file (sipd.conf `route`, issue 11): a header the route adds
 * reaches the callee; a number prefix goes to a sipp UAS acting as a gateway, and to a second one
 * when the first answers 503 (the route's failure hook); a route that throws gets 500 and sipd
 * serves the next request; one that never answers gets 500 after route_timeout_ms; a reload while
 * a call rings leaves that call to the old route's hooks and gives new requests the new one; a
 * route with a syntax error fails check-config (exit 2, file:line) and a reload (exit 1), and the
 * route in force stays. Without sipp the gateway tests are skipped (a failure under CI=true).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { freeUdpBlock } from '../../bench/lib/ports.js';
import {
  commonArgs,
  runSipp,
  sippMissing,
  SIPP_PORT_BLOCK,
  startSipp,
  type RunningSipp,
} from '../../bench/lib/sipp.js';
import { fixturesDir } from '../../helpers/fixtures.js';
import { runBin } from '../../helpers/run-cli.js';
import { SipdHarness } from '../../helpers/sipd-harness.js';
import type { TestUA } from '../../helpers/test-ua.js';

const ROUTE_TIMEOUT_MS = 300;

/**
 * The route under test, version `v`: REGISTER to the registrar; "throw" throws; "slow" answers
 * nothing for longer than the time limit; 9NNN goes to the gateway; 8NNN to the 503 gateway
 * first, then (its own failure hook) to the good one; others to bob's contacts with X-Route: v<v>,
 * and when those fail the route's onFailure answers 480 "Failure of v<v>".
 */
function routeSource(v: number, gw: { ok: number; down: number }): string {
  return `export default {
  name: 'user-route-v${v}',
  async request(ctx) {
    ctx.looseRoute();
    if (ctx.inDialog) return ctx.relay();
    if (ctx.method === 'REGISTER') return ctx.registrar.save();
    const user = ctx.uri?.user ?? '';
    const gateway = (port) => ({ targets: [{ uri: 'sip:' + user.slice(1) + '@127.0.0.1:' + port }] });
    if (user === 'throw') throw new Error('route bug on purpose');
    if (user === 'slow') return new Promise((r) => setTimeout(r, ${ROUTE_TIMEOUT_MS * 5}));
    if (user.startsWith('9')) return ctx.relay(gateway(${gw.ok}));
    if (user.startsWith('8')) {
      ctx.onFailure((f) => (f.status >= 500 ? f.relay(gateway(${gw.ok})) : undefined));
      return ctx.relay(gateway(${gw.down}));
    }
    const contacts = ctx.location.lookup();
    if (contacts.length === 0) return ctx.reply(404, 'Not Found');
    ctx.setHeader('X-Route', 'v${v}');
    ctx.recordRoute();
    ctx.relay({ targets: contacts });
  },
  onFailure(f) {
    f.reply(480, 'Failure of v${v}');
  },
};
`;
}

describe('sipd runs a user route from a file', () => {
  let dir = '';
  let routeFile = '';
  let h: SipdHarness;
  let alice: TestUA;
  let bob: TestUA;
  let missing: string | null = null;
  let gwOk: RunningSipp | undefined;
  const gw = { ok: 0, down: 0 };

  before(async () => {
    missing = await sippMissing();
    if (missing && process.env.CI === 'true') throw new Error(`${missing} (required under CI=true)`);
    dir = mkdtempSync('/tmp/sipd-route-');
    gw.ok = await freeUdpBlock(SIPP_PORT_BLOCK);
    gw.down = await freeUdpBlock(SIPP_PORT_BLOCK);
    if (!missing) gwOk = startSipp(['-sn', 'uas', ...commonArgs({ base: gw.ok })], dir);
    routeFile = join(dir, 'route.mjs');
    writeFileSync(routeFile, routeSource(1, gw));
    h = await SipdHarness.start({
      users: [['bob', 'bob-pw']],
      config: `route = "${routeFile}"\nroute_timeout_ms = ${ROUTE_TIMEOUT_MS}\n[timers]\ndrain_ms = 500\n`,
    });
    alice = await h.ua('alice');
    bob = await h.ua('bob', 'bob-pw');
    assert.equal((await bob.register()).status, 200);
  });
  after(async () => {
    await gwOk?.stop();
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const skipWithoutSipp = (t: TestContext): boolean => {
    if (missing) t.skip(missing);
    return missing !== null;
  };

  /** The error lines sipd logged since the last call, which the harness would otherwise fail on. */
  const takeErrors = (): string => h.errors.splice(0).join('');

  test('a header the route sets on relay reaches the callee', async () => {
    bob.invitePolicy = { kind: 'answer' };
    const call = alice.call('bob');
    const res = await call.final;
    assert.equal(res.status, 200);
    const invite = bob.requests('INVITE').find((r) => r.callId() === call.callId)!;
    assert.equal(invite.get('x-route'), 'v1');
    assert.ok(invite.get('record-route'), 'the route record-routed');
    await call.ack(res);
    assert.equal((await call.bye(res)).status, 200);
  });

  test('a number prefix is routed to a sipp UAS acting as a gateway', async (t) => {
    if (skipWithoutSipp(t)) return;
    const call = alice.call('sip:95551234@sipkit.test');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.match(res.get('contact') ?? '', new RegExp(`:${gw.ok}\\b`), 'answered by the gateway');
    // The ACK only: sipp's UAS sends every response to the address its call came from (sipd),
    // so a BYE sent to it directly would never see its 200.
    await call.ack(res);
  });

  test('a 503 from the first gateway fails over to the second (the route’s onFailure)', async (t) => {
    if (skipWithoutSipp(t)) return;
    const down = runSipp({
      args: ['-sf', join(fixturesDir, 'sipd-sip', 'uas-503.xml'), ...commonArgs({ base: gw.down }), '-m', '1'],
      cwd: dir,
      killAfterMs: 15000,
    });
    await new Promise((r) => setTimeout(r, 300)); // sipp binds its port
    const call = alice.call('sip:85551234@sipkit.test');
    const res = await call.final;
    assert.equal(res.status, 200);
    assert.match(res.get('contact') ?? '', new RegExp(`:${gw.ok}\\b`), 'answered by the gateway');
    // The ACK only: sipp's UAS sends every response to the address its call came from (sipd),
    // so a BYE sent to it directly would never see its 200.
    await call.ack(res);
    const r = await down;
    assert.equal(r.code, 0, `the 503 gateway saw its INVITE and ACK: sipp exit ${r.code}: ${r.stderr}`);
  });

  test('a route that throws gets 500 (logged with the stack) and sipd serves the next request', async () => {
    const res = await alice.call('throw').final;
    assert.equal(res.status, 500);
    const logged = takeErrors();
    assert.match(logged, /route failed/);
    assert.match(logged, /route bug on purpose/);
    assert.match(logged, /route\.mjs/, 'the stack names the route file');
    bob.invitePolicy = { kind: 'reject', status: 486 };
    const next = await alice.call('bob').final;
    assert.equal(next.status, 480, 'the next request ran the route (its onFailure)');
  });

  test('a route that never answers gets 500 after route_timeout_ms', async () => {
    const t0 = Date.now();
    const res = await alice.call('slow').final;
    const ms = Date.now() - t0;
    assert.equal(res.status, 500);
    assert.ok(ms >= ROUTE_TIMEOUT_MS - 20 && ms < ROUTE_TIMEOUT_MS * 4, `answered after ${ms} ms`);
    assert.match(takeErrors(), new RegExp(`did not answer or relay INVITE within ${ROUTE_TIMEOUT_MS} ms`));
  });

  test('a reload while a call rings: that call ends by the old route, a new one uses the new route', async () => {
    bob.invitePolicy = { kind: 'ring' };
    const ringing = alice.call('bob');
    await ringing.ringing;
    writeFileSync(routeFile, routeSource(2, gw));
    const r = await h.rpc<{ reloaded: boolean; name: string }>('route.reload');
    assert.deepEqual([r.reloaded, r.name], [true, 'user-route-v2']);
    bob.answerPending(ringing.callId, 486);
    const old = await ringing.final;
    assert.deepEqual([old.status, old.reason], [480, 'Failure of v1']);

    bob.invitePolicy = { kind: 'reject', status: 486 };
    const fresh = alice.call('bob');
    const res = await fresh.final;
    assert.deepEqual([res.status, res.reason], [480, 'Failure of v2']);
    const invite = bob.requests('INVITE').find((q) => q.callId() === fresh.callId)!;
    assert.equal(invite.get('x-route'), 'v2');
  });

  test('a syntax error: check-config exits 2 with file:line, sipctl reload exits 1 and the old route stays', async () => {
    const bad = join(dir, 'bad-route.mjs');
    writeFileSync(bad, 'export default {\n  request(ctx) {\n    ctx.reply(200 +);\n  },\n};\n');
    const conf = join(dir, 'sipd.conf');
    writeFileSync(conf, `route = "bad-route.mjs"\nrun_dir = "${dir}/run"\ndata_dir = "${dir}/data"\n`);
    const check = await runBin('sipd', ['check-config', '--config', conf], { env: { HOME: dir } });
    assert.equal(check.status, 2, check.stderr);
    assert.match(check.stderr, new RegExp(`route: ${bad}:3:\\d+: SyntaxError`));

    writeFileSync(routeFile, 'export default {\n  request(ctx) {\n    ctx.reply(200 +);\n  },\n};\n');
    const ctl = await runBin('sipctl', ['reload', '--socket', h.server.mgmtSocket, '--json'], {
      env: { HOME: dir },
      timeoutMs: 30000,
    });
    assert.equal(ctl.status, 1, ctl.stderr + ctl.stdout);
    const env = JSON.parse(ctl.stdout) as { error: { message: string } };
    assert.match(env.error.message, new RegExp(`${routeFile}:3:\\d+: SyntaxError`));
    assert.match(takeErrors(), /route reload failed/);

    bob.invitePolicy = { kind: 'reject', status: 486 };
    const res = await alice.call('bob').final;
    assert.deepEqual([res.status, res.reason], [480, 'Failure of v2'], 'route v2 is still in force');
  });
});
