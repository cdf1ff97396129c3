/**
 * SIPp features siptest does not implement are all reported at once, each named with its
 * file:line (or its option), by `siptest scenario validate` and by a run, which then sends nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixturesDir } from '../../helpers/fixtures.js';
import { sleep, UdpPeer } from '../../helpers/net.js';
import { siptest } from '../../helpers/procs.js';

const file = join(fixturesDir, 'scenarios', 'unsupported-features.xml');
const SCENARIO_FEATURES = [
  `${file}:13: [tdmmap]: TDM circuit maps (-tdmmap)`,
  `${file}:23: [authentication aka_OP=]: AKA authentication (RFC 3310)`,
];

test('scenario validate lists every unsupported feature of a file with its line (exit 1)', async () => {
  const r = await siptest(['scenario', 'validate', file], { timeoutMs: 60000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  for (const f of SCENARIO_FEATURES) assert.ok(r.stderr.includes(f), `${f}\n---\n${r.stderr}`);
});

test('a run refuses them all, options included, and sends nothing', async () => {
  const peer = await UdpPeer.open();
  try {
    const args = [`127.0.0.1:${peer.port}`, '-sf', file, '-m', '1', '-i', '127.0.0.1', '-nostdin'];
    const r = await siptest([...args, '-t', 's1'], { timeoutMs: 60000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /not supported by siptest \(nothing was sent\):\n/);
    const listed = r.stderr.split('\n').filter((l) => l.startsWith('  ') && !l.startsWith('  →'));
    assert.deepEqual(listed, [
      '  -t s1/sn: SCTP is not supported by siptest',
      ...SCENARIO_FEATURES.map((f) => `  ${f}`),
    ]);
    await sleep(300);
    assert.equal(peer.received.length, 0);
  } finally {
    await peer.close();
  }
});
