/**
 * Real dialogs through sipd's signed Record-Route with the real sipp on both ends: a sipp UAC
 * (authenticating with 407) calls a registered sipp UAS; the 2xx is ACKed along the route set,
 * a re-INVITE goes one way and the BYE too, once from the caller's side and once from the
 * callee's (whose in-dialog requests carry the caller's From tag as their To tag). Both sipps
 * must exit 0 (every call completed), and sipd refused nothing. Skipped without sipp (a failure
 * under CI=true).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { freeUdpBlock } from '../../bench/lib/ports.js';
import { commonArgs, runSipp, sippMissing, SIPP_PORT_BLOCK } from '../../bench/lib/sipp.js';
import { fixturesDir } from '../../helpers/fixtures.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

const scen = (name: string) => join(fixturesDir, 'sipd-sip', name);
const CALLS = 5;

describe('sipp dialogs through the signed Record-Route', () => {
  let missing: string | null = null;
  let h: SipdHarness | undefined;
  let dir = '';

  before(async () => {
    missing = await sippMissing();
    if (missing && process.env.CI === 'true') throw new Error(`${missing} (required under CI=true)`);
    if (missing) return;
    dir = mkdtempSync('/tmp/sipd-sipp-dlg-');
    h = await SipdHarness.start({
      users: [
        ['caller', 'caller-pw'],
        ['bob', 'bob-pw'],
        ['carol', 'carol-pw'],
      ],
      config: '[timers]\ndrain_ms = 500\n',
    });
  });
  after(async () => {
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const skipIfMissing = (t: TestContext): boolean => {
    if (missing) t.skip(missing);
    return missing !== null;
  };

  async function sipp(base: number, args: string[], remote = true) {
    const target = remote ? [`127.0.0.1:${h!.udpPort}`] : [];
    const r = await runSipp({
      args: [...target, ...args, ...commonArgs({ base }), '-recv_timeout', '8000'],
      cwd: dir,
      killAfterMs: 60000,
    });
    return r;
  }

  /** A sipp UAS for `callee`, registered through sipd, running `uasScenario` for CALLS calls; then the UAC. */
  async function dialogs(callee: string, uacScenario: string, uasScenario: string): Promise<void> {
    const uasBase = await freeUdpBlock(SIPP_PORT_BLOCK);
    const uas = sipp(uasBase, ['-sf', scen(uasScenario), '-s', callee, '-m', String(CALLS), '-timeout', '50s'], false);
    const regBase = await freeUdpBlock(SIPP_PORT_BLOCK);
    const reg = ['-sf', scen('register-au.xml'), '-s', callee, '-au', callee, '-ap', `${callee}-pw`];
    reg.push('-key', 'domain', DOMAIN, '-key', 'contact_addr', `127.0.0.1:${uasBase}`, '-m', '1', '-timeout', '15s');
    const r1 = await sipp(regBase, reg);
    assert.equal(r1.code, 0, `register ${callee}: sipp exit ${r1.code}: ${r1.stderr}`);
    const before = await h!.stats('security.relay_denied', 'core.rcv_requests_bye', 'core.fwd_requests');
    const uacBase = await freeUdpBlock(SIPP_PORT_BLOCK);
    const uac = ['-sf', scen(uacScenario), '-s', callee, '-key', 'domain', DOMAIN, '-key', 'caller', 'caller'];
    uac.push('-au', 'caller', '-ap', 'caller-pw', '-m', String(CALLS), '-r', '5', '-l', '2', '-timeout', '45s');
    const [u, s] = await Promise.all([sipp(uacBase, uac), uas]);
    assert.equal(u.code, 0, `uac: sipp exit ${u.code}: ${u.stderr}`);
    assert.equal(s.code, 0, `uas: sipp exit ${s.code}: ${s.stderr}`);
    const now = await h!.stats('security.relay_denied', 'core.rcv_requests_bye', 'core.fwd_requests');
    assert.equal(now['security.relay_denied']! - before['security.relay_denied']!, 0, 'nothing refused');
    assert.equal(now['core.rcv_requests_bye']! - before['core.rcv_requests_bye']!, CALLS, 'every BYE through sipd');
    // per call: INVITE, ACK, re-INVITE, its ACK, BYE
    assert.ok(now['core.fwd_requests']! - before['core.fwd_requests']! >= 5 * CALLS, 'in-dialog requests relayed');
  }

  test('caller re-INVITEs and hangs up: ACK for 2xx, re-INVITE, BYE along the signed route (sipp exit 0)', async (t) => {
    if (skipIfMissing(t)) return;
    await dialogs('bob', 'dialog-uac-caller-bye.xml', 'dialog-uas-caller-bye.xml');
  });

  test('callee re-INVITEs and hangs up: its requests (To tag = caller’s From tag) pass the signed route (sipp exit 0)', async (t) => {
    if (skipIfMissing(t)) return;
    await dialogs('carol', 'dialog-uac-callee-bye.xml', 'dialog-uas-callee-bye.xml');
  });
});
