/**
 * Socket binding as SIPp 3.6.1 does it (open_connections, SIPpSocket::connect), checked against
 * the real sipp on loopback: a TCP client's connection leaves from -i's address, and from -p's
 * port with -t t1 (an ephemeral port with -t tn); a UAS given -i listens on that address only.
 * A relay between client and a sipp UAS records where each connection comes from; sipp runs the
 * same command line through it as the reference.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { boundAddresses, waitBound } from '../../helpers/proc-net.js';
import { freeUdpPort, requireSipp, runProc, siptest, type ProcResult } from '../../helpers/procs.js';
import { tcpRelay } from '../../helpers/tcp-relay.js';

const { sipp, skip } = requireSipp();
const dir = mkdtempSync(join(tmpdir(), 'siptest-binding-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CALLS = 3;
// 127.0.0.2 is on the loopback interface (127.0.0.0/8) of every Linux host.
const OTHER = '127.0.0.2';

/** Run `tool` as a TCP uac through a relay to a sipp uas; the relay's record of its connections. */
async function uacThroughRelay(tool: 'sipp' | 'siptest', mode: 't1' | 'tn', localPort: number) {
  const sp = await freeUdpPort();
  const server = runProc(sipp!, ['-sn', 'uas', '-t', 't1', '-i', '127.0.0.1', '-p', String(sp), '-m', String(CALLS)], {
    cwd: dir,
    timeoutMs: 40000,
  });
  await waitBound('tcp', sp);
  const relay = await tcpRelay({ host: '127.0.0.1', port: sp });
  const args = [`127.0.0.1:${relay.port}`, '-sn', 'uac', '-t', mode, '-i', OTHER, '-p', String(localPort)];
  args.push('-m', String(CALLS), '-r', '10', '-max_socket', '100', '-nostdin');
  const client =
    tool === 'sipp'
      ? await runProc(sipp!, args, { cwd: dir, timeoutMs: 40000 })
      : await siptest(args, { cwd: dir, timeoutMs: 40000 });
  await relay.close();
  await server;
  return { client, peers: relay.peers };
}

/** sipp's statistics screen row "Successful call | periodic | cumulative". */
function successful(r: ProcResult): number {
  const line = r.stdout.split('\n').find((l) => l.trimStart().startsWith('Successful call'));
  return Number(line?.split('|')[2]?.trim() ?? NaN);
}

test('-t t1 -i -p: the connection comes from -i:-p, as sipp 3.6.1 makes it', { skip }, async () => {
  for (const tool of ['sipp', 'siptest'] as const) {
    const p = await freeUdpPort();
    const { client, peers } = await uacThroughRelay(tool, 't1', p);
    assert.deepEqual(peers, [{ address: OTHER, port: p }], `${tool}: ${client.stderr}`);
    assert.equal(successful(client), CALLS, `${tool}: ${client.stdout.slice(-1500)}${client.stderr}`);
  }
});

test(
  '-t tn -i -p: each connection comes from -i with an ephemeral port, as sipp 3.6.1 makes it',
  { skip },
  async () => {
    for (const tool of ['sipp', 'siptest'] as const) {
      const p = await freeUdpPort();
      const { client, peers } = await uacThroughRelay(tool, 'tn', p);
      assert.ok(peers.length >= CALLS, `${tool}: ${peers.length} connections`);
      for (const peer of peers) {
        assert.equal(peer.address, OTHER, tool);
        assert.notEqual(peer.port, p, tool);
      }
      assert.equal(successful(client), CALLS, `${tool}: ${client.stdout.slice(-1500)}${client.stderr}`);
    }
  },
);

for (const transport of ['u1', 't1'] as const) {
  test(
    `uas -t ${transport} -i ${OTHER}: listens on that address only, and sipp's calls get through`,
    { skip },
    async () => {
      const proto = transport === 'u1' ? 'udp' : 'tcp';
      const [sp, cp] = [await freeUdpPort(), await freeUdpPort()];
      const ours = siptest(
        ['-sn', 'uas', '-t', transport, '-i', OTHER, '-p', String(sp), '-m', String(CALLS), '-nostdin'],
        {
          cwd: dir,
          timeoutMs: 40000,
        },
      );
      assert.deepEqual(await waitBound(proto, sp), [OTHER]);
      const theirs = await runProc(
        sipp!,
        [`${OTHER}:${sp}`, '-sn', 'uac', '-t', transport, '-i', '127.0.0.1', '-p', String(cp)].concat([
          '-m',
          String(CALLS),
          '-r',
          '10',
          '-nostdin',
        ]),
        { cwd: dir, timeoutMs: 40000 },
      );
      const o = await ours;
      assert.equal(successful(theirs), CALLS, theirs.stdout.slice(-1500) + theirs.stderr);
      assert.equal(o.code, 0, o.stderr);
      assert.deepEqual(boundAddresses(proto, sp), []);
    },
  );
}
