/**
 * Media relay with 100rel (RFC 3262), PRACK and UPDATE (RFC 3311) on the wire, with the real sipp
 * on both ends and a real rtpengine (mode = "always"): the reliable 183's SDP answer reaches the
 * caller pointing at rtpengine, the UPDATE's offer in the early dialog and its 200's answer too,
 * and the re-INVITE's offer and answer. The scenarios check every SDP with ereg check_it (a
 * mismatch fails the call, and sipp exits non-zero); here both sipps must exit 0, rtpengine must
 * have counted each offer and answer, and the BYE must leave no session. Skipped without sipp or
 * rtpengine (a failure under CI=true).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { freeUdpBlock } from '../../bench/lib/ports.js';
import { commonArgs, runSipp, sippMissing, SIPP_PORT_BLOCK } from '../../bench/lib/sipp.js';
import { fixturesDir } from '../../helpers/fixtures.js';
import { Rtpengine, rtpengineMissing } from '../../helpers/rtpengine.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

const scen = (name: string) => join(fixturesDir, 'sipd-sip', name);
const CALLS = 2;

describe('sipp with 100rel, PRACK and UPDATE through sipd and rtpengine', () => {
  let missing: string | null = null;
  let h: SipdHarness | undefined;
  let rtp: Rtpengine | undefined;
  let dir = '';

  before(async () => {
    missing = (await sippMissing()) ?? rtpengineMissing() ?? null;
    if (missing && process.env.CI === 'true') throw new Error(`${missing} (required under CI=true)`);
    if (missing) return;
    dir = mkdtempSync('/tmp/sipd-sipp-rtp-');
    rtp = await Rtpengine.start();
    h = await SipdHarness.start({
      users: [
        ['caller', 'caller-pw'],
        ['bob', 'bob-pw'],
      ],
      config: `[timers]\ndrain_ms = 500\n[rtpengine]\nsockets = ["${rtp.socket}"]\nmode = "always"\n`,
    });
  });
  after(async () => {
    await h?.stop();
    await rtp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const skipIfMissing = (t: TestContext): boolean => {
    if (missing) t.skip(missing);
    return missing !== null;
  };

  function sipp(base: number, args: string[], remote = true) {
    const target = remote ? [`127.0.0.1:${h!.udpPort}`] : [];
    return runSipp({
      args: [...target, ...args, ...commonArgs({ base }), '-recv_timeout', '8000', '-trace_err'],
      cwd: dir,
      killAfterMs: 60000,
    });
  }

  /** What sipp logged of failed calls (its -trace_err files), for the assertion message. */
  const errors = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith('_errors.log'))
      .map((f) => readFileSync(join(dir, f), 'utf8').slice(-1500))
      .join('\n');

  /**
   * bob's UAS (`uasScenario`) registered through sipd, then CALLS calls from the caller's
   * `uacScenario`; both sipps must exit 0. Resolves with sipd's rtpengine statistics after, and
   * the change of one since before the calls.
   */
  async function callsThrough(uasScenario: string, uacScenario: string) {
    const uasBase = await freeUdpBlock(SIPP_PORT_BLOCK);
    const uas = sipp(uasBase, ['-sf', scen(uasScenario), '-s', 'bob', '-m', String(CALLS), '-timeout', '50s'], false);
    const reg = ['-sf', scen('register-au.xml'), '-s', 'bob', '-au', 'bob', '-ap', 'bob-pw'];
    reg.push('-key', 'domain', DOMAIN, '-key', 'contact_addr', `127.0.0.1:${uasBase}`, '-m', '1', '-timeout', '15s');
    const r1 = await sipp(await freeUdpBlock(SIPP_PORT_BLOCK), reg);
    assert.equal(r1.code, 0, `register bob: sipp exit ${r1.code}: ${r1.stderr}`);
    const before = await h!.stats('rtpengine:');
    const uac = ['-sf', scen(uacScenario), '-s', 'bob', '-key', 'domain', DOMAIN, '-key', 'caller', 'caller'];
    uac.push('-au', 'caller', '-ap', 'caller-pw', '-m', String(CALLS), '-r', '2', '-l', '1', '-timeout', '45s');
    const [u, s] = await Promise.all([sipp(await freeUdpBlock(SIPP_PORT_BLOCK), uac), uas]);
    assert.equal(u.code, 0, `uac: sipp exit ${u.code}: ${errors()} ${u.stderr}`);
    assert.equal(s.code, 0, `uas: sipp exit ${s.code}: ${errors()} ${s.stderr}`);
    const now = await h!.stats('rtpengine:');
    return { now, d: (k: string) => now[`rtpengine.${k}`]! - before[`rtpengine.${k}`]! };
  }

  test('the reliable 183, the early UPDATE and the re-INVITE: every SDP the far end gets points at rtpengine (sipp exit 0)', async (t) => {
    if (skipIfMissing(t)) return;
    const { now, d } = await callsThrough('rtp-100rel-uas.xml', 'rtp-100rel-uac.xml');
    assert.equal(d('offers'), 3 * CALLS, 'per call: the INVITE, the UPDATE and the re-INVITE');
    // per call: the 183, the UPDATE's 200, the re-INVITE's 200 (the INVITE's 200 has no SDP)
    // (a retransmitted reliable 183 is answered again, as Kamailio's rtpengine_manage does)
    assert.ok(d('answers') >= 3 * CALLS, `answers: ${d('answers')}`);
    assert.equal(d('errors'), 0);
    assert.equal(now['rtpengine.sessions'], 0);
    assert.deepEqual(await rtp!.calls(), [], 'no session left after the BYEs');
  });

  test("late offer with 100rel: the callee's offer in the reliable 183 and the caller's answer in the PRACK go through rtpengine (sipp exit 0)", async (t) => {
    if (skipIfMissing(t)) return;
    const { now, d } = await callsThrough('rtp-late-100rel-uas.xml', 'rtp-late-100rel-uac.xml');
    // per call: the 183's offer and the PRACK's answer; a retransmitted 183, and the 200 repeating
    // its SDP, get the 183's rewritten SDP without asking rtpengine again
    assert.ok(d('offers') >= CALLS, `offers: ${d('offers')}`);
    assert.equal(d('answers'), CALLS, 'the PRACKs');
    assert.equal(d('errors'), 0);
    assert.equal(now['rtpengine.sessions'], 0);
    assert.deepEqual(await rtp!.calls(), [], 'no session left after the BYEs');
  });
});
