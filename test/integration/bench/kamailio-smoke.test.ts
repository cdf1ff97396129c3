/**
 * Keeps the bench's Kamailio reference config honest: Kamailio started from
 * test/fixtures/bench/kamailio.cfg.tpl exactly as `npm run bench` starts it (2 UDP workers,
 * auth_db over a Kamailio-created SQLite file, run as production runs it: the TLSF allocator,
 * no memory debugging) must challenge and accept REGISTER with digest,
 * refuse a wrong password, proxy 5 record-routed calls from a sipp UAC to a registered sipp UAS,
 * answer 480/404/403 as the config says, and leave no process behind.
 *
 * Skipped with a message where kamailio or sipp is missing; under CI=true (where .ci/run
 * installs both) their absence is a failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KamailioServer, kamailioMissing, processArgs } from '../../bench/lib/kamailio.js';
import { Callee, callLoad, registerOnce, type LoadContext } from '../../bench/lib/loads.js';
import { groupAlive } from '../../bench/lib/procs.js';
import { sipRequest } from '../../bench/lib/sip-probe.js';
import { sippMissing } from '../../bench/lib/sipp.js';
import { isCi } from '../../helpers/mysql.js';
import { benchSubscribers, createKamailioDb, insertSubscribers, type Subscriber } from '../../bench/lib/subscribers.js';

const DOMAIN = 'smoke.sipkit.test';
const missing = kamailioMissing() ?? (await sippMissing());

if (missing) {
  test('bench Kamailio config: register with digest and 5 calls', (t) => {
    if (isCi()) throw new Error(`${missing}; CI=true requires this test to run`);
    t.skip(missing);
  });
} else {
  test('bench Kamailio config: register with digest and 5 calls', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sipkit-kam-smoke-'));
    let pgid = -1;
    try {
      await smoke(dir, (g) => (pgid = g));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(pgid > 0);
    assert.equal(groupAlive(pgid), false, 'Kamailio processes left behind');
  });
}

/** Everything the test does against one Kamailio in `dir`; `started` learns its process group. */
async function smoke(dir: string, started: (pgid: number) => void): Promise<void> {
  const subs = benchSubscribers(3);
  const [known, unregistered] = subs as [Subscriber, Subscriber, Subscriber];
  const callee: Subscriber = { user: 'callee', password: 'callee-secret' };
  const baseDb = join(dir, 'base.sqlite');
  createKamailioDb(baseDb);
  insertSubscribers(baseDb, DOMAIN, subs);

  const server = await new KamailioServer({ children: 2 }).start({
    dir,
    domain: DOMAIN,
    baseDb,
    loadSubscribers: subs,
    callee,
  });
  started(server.group.pgid);
  const ctx: LoadContext = { server, domain: DOMAIN, dir, infCsv: '', callee, stepSeconds: 1 };
  let uas: Callee | undefined;
  try {
    // main + 2 UDP receivers + timers: more than the 2 workers alone.
    assert.ok(server.processes() >= 4, `expected Kamailio's workers, got ${server.processes()} processes`);
    // The reference runs as production does (issue 14): TLSF for shared and private memory (the
    // main process's own command line, as the kernel has it), no memory debugging in its config.
    const argv = processArgs(server.group.pgid).join(' ');
    assert.match(argv, / -x tlsf -X tlsf -m \d+ -M \d+/, `kamailio command line: ${argv}`);
    const cfg = readFileSync(join(dir, 'kamailio.cfg'), 'utf8');
    assert.doesNotMatch(cfg.replace(/^\s*#.*$/gm, ''), /memdbg|memlog|log_prefix/);

    const wrong = await registerOnce(ctx, { user: known.user, password: 'not-the-password' }, '127.0.0.1:9');
    assert.equal(wrong.code, 1, 'a REGISTER with a wrong password must fail (sipp exit 1)');
    assert.equal(wrong.stats?.successful, 0);

    const ok = await registerOnce(ctx, known, '127.0.0.1:9');
    assert.equal(ok.code, 0, `REGISTER with digest failed: ${ok.stderr}\n${server.logTail()}`);
    assert.equal(ok.stats?.successful, 1);

    uas = await Callee.start(ctx); // registers the callee; throws if that fails
    const calls = await callLoad(ctx, 10, 5);
    assert.equal(calls.reason, undefined, `calls not clean: ${calls.reason}\n${server.logTail()}`);
    assert.equal(calls.successful, 5);
    assert.equal(calls.failed, 0);

    const invite = (user: string, domain = DOMAIN) =>
      sipRequest(server.port, {
        method: 'INVITE',
        requestUri: `sip:${user}@${domain}`,
        from: `sip:probe@${DOMAIN}`,
        to: `sip:${user}@${domain}`,
      });
    assert.equal(await invite(unregistered.user), 480, 'subscriber without binding');
    assert.equal(await invite('nobody'), 404, 'not a subscriber');
    assert.equal(await invite(known.user, 'elsewhere.example'), 403, 'no relaying to foreign domains');
  } finally {
    await uas?.stop();
    await server.stop();
  }
}
