/**
 * Interop with the real sipp (Debian sip-tester): sipp registers with digest, with credentials
 * from the command line (-au/-ap, the bare [authentication] keyword) and per call from an
 * injection file ([authentication username=… password=…]); a sipp UAS registered as bob answers
 * calls that a sipp UAC places through sipd, authenticating to the proxy (407); every sipp exits 0.
 * Without sipp the tests are skipped with the reason (they fail under CI=true, where it is installed).
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
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

const SCEN = {
  registerAu: join(fixturesDir, 'sipd-sip', 'register-au.xml'),
  registerInf: join(fixturesDir, 'bench', 'register.xml'),
  uac: join(fixturesDir, 'sipd-sip', 'uac-auth-call.xml'),
  uas: join(fixturesDir, 'bench', 'uas-call.xml'),
};

interface UlContact {
  address: string;
}

describe('interop with sipp', () => {
  let missing: string | null = null;
  let h: SipdHarness | undefined;
  let dir = '';
  let uas: RunningSipp | undefined;

  before(async () => {
    missing = await sippMissing();
    if (missing && process.env.CI === 'true') throw new Error(`${missing} (required under CI=true)`);
    if (missing) return;
    dir = mkdtempSync('/tmp/sipd-sipp-');
    const users: Array<[string, string]> = [
      ['alice', 'alice-pw'],
      ['bob', 'bob-pw'],
      ['caller', 'caller-pw'],
    ];
    for (let i = 0; i < 20; i++) users.push([`load${i}`, `pw${i}`]);
    h = await SipdHarness.start({ users, config: '[timers]\ndrain_ms = 500\n' });
  });
  after(async () => {
    await uas?.stop();
    await h?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const skipIfMissing = (t: TestContext): boolean => {
    if (missing) t.skip(missing);
    return missing !== null;
  };

  async function sipp(args: string[], killAfterMs = 30000) {
    const base = await freeUdpBlock(SIPP_PORT_BLOCK);
    const r = await runSipp({
      args: [`127.0.0.1:${h!.udpPort}`, ...args, ...commonArgs({ base }), '-recv_timeout', '5000'],
      cwd: dir,
      killAfterMs,
    });
    return { ...r, base };
  }

  test('sipp registers with digest using -au/-ap and the [authentication] keyword', async (t) => {
    if (skipIfMissing(t)) return;
    const args = ['-sf', SCEN.registerAu, '-s', 'alice', '-au', 'alice', '-ap', 'alice-pw', '-key', 'domain', DOMAIN];
    args.push('-key', 'contact_addr', '192.0.2.99:5060', '-auth_uri', DOMAIN, '-m', '1', '-timeout', '15s');
    const r = await sipp(args);
    assert.equal(r.code, 0, `sipp exit ${r.code}: ${r.stderr}`);
    const look = await h!.rpc<{ contacts: UlContact[] }>('ul.lookup', [`alice@${DOMAIN}`]);
    assert.deepEqual(
      look.contacts.map((c) => c.address),
      ['sip:alice@192.0.2.99:5060'],
    );
    // A wrong password: sipp sees a second 401 instead of its 200 and fails (exit code not 0).
    const bad = await sipp([...args.slice(0, 6), 'nope', ...args.slice(7)]);
    assert.notEqual(bad.code, 0);
  });

  test('sipp registers 20 users from an injection file ([authentication username=… password=…])', async (t) => {
    if (skipIfMissing(t)) return;
    const csv = join(dir, 'users.csv');
    writeFileSync(csv, 'SEQUENTIAL\n' + Array.from({ length: 20 }, (_, i) => `load${i};pw${i};\n`).join(''));
    const args = ['-sf', SCEN.registerInf, '-inf', csv, '-key', 'domain', DOMAIN, '-auth_uri', DOMAIN];
    args.push('-key', 'contact_addr', '192.0.2.98:5060', '-m', '20', '-r', '20', '-timeout', '20s');
    const r = await sipp(args);
    assert.equal(r.code, 0, `sipp exit ${r.code}: ${r.stderr}`);
    const dump = await h!.rpc<{ aors: Array<{ aor: string }> }>('ul.dump', { brief: true });
    const load = dump.aors.filter((a) => a.aor.startsWith('load'));
    assert.equal(load.length, 20);
  });

  test('a sipp UAC calls a registered sipp UAS through sipd (407, Record-Route, ACK/BYE): exit 0', async (t) => {
    if (skipIfMissing(t)) return;
    const uasBase = await freeUdpBlock(SIPP_PORT_BLOCK);
    uas = startSipp(['-sf', SCEN.uas, '-s', 'bob', ...commonArgs({ base: uasBase })], dir);
    const reg = ['-sf', SCEN.registerAu, '-s', 'bob', '-au', 'bob', '-ap', 'bob-pw', '-key', 'domain', DOMAIN];
    reg.push('-key', 'contact_addr', `127.0.0.1:${uasBase}`, '-m', '1', '-timeout', '15s');
    const r1 = await sipp(reg);
    assert.equal(r1.code, 0, `register bob: sipp exit ${r1.code}: ${r1.stderr}`);
    const before = await h!.stats('core.rcv_requests_invite', 'auth.successes');
    const calls = 10;
    const uac = ['-sf', SCEN.uac, '-s', 'bob', '-key', 'domain', DOMAIN, '-key', 'caller', 'caller'];
    uac.push('-au', 'caller', '-ap', 'caller-pw', '-d', '100', '-m', String(calls), '-r', '10', '-timeout', '30s');
    const r2 = await sipp(uac, 40000);
    assert.equal(r2.code, 0, `uac: sipp exit ${r2.code}: ${r2.stderr}`);
    const now = await h!.stats('core.rcv_requests_invite', 'auth.successes');
    assert.equal(now['core.rcv_requests_invite']! - before['core.rcv_requests_invite']!, 2 * calls, '407 then INVITE');
    assert.equal(now['auth.successes']! - before['auth.successes']!, calls);
  });
});
