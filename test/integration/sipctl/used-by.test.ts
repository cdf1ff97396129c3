/**
 * The "used-by" flow of issue 5, end to end with the built bins and a real phone (sipp with
 * -au/-ap): sipctl start, add two subscribers and an alias, both phones register with digest
 * auth, `sipctl ul show` lists them, `sipctl rm` one subscriber (its contact disappears from
 * sipd, the other stays), sipctl stop. sipp is required in CI; elsewhere its absence skips.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mgmtCall } from '../../../src/mgmt/client.js';
import { processState } from '../../../src/shared/pid-file.js';
import { commonArgs } from '../../bench/lib/sipp.js';
import { freeUdpBlock } from '../../bench/lib/ports.js';
import { fixturesDir } from '../../helpers/fixtures.js';
import { isCi } from '../../helpers/mysql.js';
import { hostPort, SipctlBox } from '../../helpers/sipctl.js';

const hasSipp = () => spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;

/** One REGISTER call of `user` with digest credentials; resolves sipp's exit code. */
async function register(user: string, password: string, target: string, dir: string): Promise<number | null> {
  const base = await freeUdpBlock(8);
  const args = [
    target,
    '-sf',
    join(fixturesDir, 'sipctl', 'register.xml'),
    '-s',
    user,
    '-au',
    user,
    '-ap',
    password,
    '-key',
    'domain',
    'example.com',
    '-auth_uri',
    'example.com',
    ...commonArgs({ base }),
    '-m',
    '1',
    '-recv_timeout',
    '5000',
    '-timeout',
    '15s',
  ];
  return new Promise((resolve) => {
    const p = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => p.kill('SIGKILL'), 25_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-ub-');
after(async () => {
  await box.stop().catch(() => undefined);
  box.cleanup();
});

interface UlShow {
  aors: Array<{ aor: string; contacts: Array<{ address: string; user_agent: string; transport: string }> }>;
}

test(
  'used-by: start, add two subscribers and an alias, phones register, ul show, rm one, stop',
  { timeout: 180_000 },
  async (t) => {
    if (!hasSipp()) {
      if (isCi()) assert.fail('sipp is required in CI');
      t.skip('sipp (sip-tester) is not installed: apt-get install sip-tester');
      return;
    }
    const started = await box.start(['--domain', 'example.com']);
    const udp = hostPort(started.listen[0]);

    await box.ok(['add', 'alice', '--password-stdin'], { input: 'alice-secret\n' });
    await box.ok(['add', 'bob@example.com', '--password-stdin'], { input: 'bob-secret\n' });
    await box.ok(['alias', 'add', '2000', 'bob']);

    // A wrong password is refused by sipd (the subscriber's HA1 is checked), the right ones register.
    assert.notEqual(await register('alice', 'wrong', `${udp.host}:${udp.port}`, box.dir), 0);
    assert.equal(await register('alice', 'alice-secret', `${udp.host}:${udp.port}`, box.dir), 0, 'alice registers');
    assert.equal(await register('bob', 'bob-secret', `${udp.host}:${udp.port}`, box.dir), 0, 'bob registers');

    const shown = await box.json<UlShow>(['ul', 'show']);
    assert.deepEqual(
      shown.aors.map((a) => a.aor),
      ['alice@example.com', 'bob@example.com'],
    );
    for (const a of shown.aors) {
      assert.equal(a.contacts.length, 1);
      assert.match(a.contacts[0].address, new RegExp(`^sip:${a.aor.split('@')[0]}@127\\.0\\.0\\.1:\\d+$`));
      assert.equal(a.contacts[0].user_agent, 'sipp-phone');
      assert.equal(a.contacts[0].transport, 'udp');
    }
    const table = await box.ok(['ul', 'show']);
    assert.match(
      table.stdout,
      /^alice@example\.com\s+sip:alice@127\.0\.0\.1:\d+\s+\d+ s\s+1\.00\s+\S+\s+udp\s+sipp-phone$/m,
    );
    assert.equal((await box.ok(['online'])).stdout, 'alice@example.com\nbob@example.com\n');

    const rm = await box.json<{ removed: { liveContacts: number; aliases: number } }>(['rm', 'bob', '--yes']);
    assert.equal(rm.removed.liveContacts, 1);
    assert.equal(rm.removed.aliases, 1);
    const after = await mgmtCall<UlShow>(box.socket, 'ul.dump');
    assert.deepEqual(
      after.aors.map((a) => a.aor),
      ['alice@example.com'],
      "bob's contact is gone from sipd, alice's stays",
    );
    // bob cannot register any more.
    assert.notEqual(await register('bob', 'bob-secret', `${udp.host}:${udp.port}`, box.dir), 0);

    const stop = await box.json<{ wasRunning: boolean; pid: number }>(['stop'], { timeoutMs: 60_000 });
    assert.deepEqual([stop.wasRunning, stop.pid], [true, started.pid]);
    assert.notEqual(processState(started.pid), 'alive');
  },
);
