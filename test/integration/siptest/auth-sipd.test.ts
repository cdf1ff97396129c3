/**
 * siptest against sipd: a REGISTER with digest through siptest's -au/-ap ([authentication]),
 * the README quick-start scenario. The right password registers (exit 0, binding in sipd); a wrong
 * one is challenged again, the call fails and siptest exits 1.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixturesDir } from '../../helpers/fixtures.js';
import { freeUdpPort, siptest } from '../../helpers/procs.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';

const scenario = join(fixturesDir, 'scenarios', 'register.xml');
let sipd: SipdHarness;
before(async () => {
  sipd = await SipdHarness.start({ users: [['alice', 's3cret']] });
});
after(() => sipd.stop());

async function register(password: string) {
  const port = await freeUdpPort();
  return siptest(
    [
      `127.0.0.1:${sipd.udpPort}`,
      '-sf',
      scenario,
      '-s',
      'alice',
      '-key',
      'domain',
      DOMAIN,
      '-au',
      'alice',
      '-ap',
      password,
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '1',
      '-nostdin',
      '-recv_timeout',
      '5s',
      '--json',
    ],
    { cwd: sipd.dir, timeoutMs: 30000 },
  );
}

test('siptest -au/-ap registers with digest at sipd', async () => {
  const r = await register('s3cret');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const found = (await sipd.rpc('ul.lookup', { aor: `alice@${DOMAIN}` })) as {
    contacts: Array<{ user_agent: string }>;
  };
  assert.equal(found.contacts[0]!.user_agent, 'siptest');
});

test('a wrong password is challenged again and siptest exits 1', async () => {
  const r = await register('wrong');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const stats = (await sipd.rpc('stats.fetch', ['auth.failures'])) as Record<string, number>;
  assert.ok(stats['auth.failures']! >= 1);
});
