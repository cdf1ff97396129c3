/**
 * The loopback channel between workers (src/daemon/cluster/peer-channel.ts): a frame carries the
 * message and its original source; a frame without the cluster's token is dropped, so nobody on
 * the host injects a message "from" an address of his choosing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { nativeUdpReadsPerTurn } from '../../../../src/core/index.js';
import { PeerChannel, type PeerFrame } from '../../../../src/daemon/cluster/peer-channel.js';
import { noNativeUdp } from '../../../helpers/net.js';
import { waitUntil } from '../../../helpers/test-ua.js';

describe('cluster: peer channel', () => {
  test('a frame arrives with its kind, listener, source address and port, connection id and bytes', async () => {
    const token = randomBytes(16);
    const got: PeerFrame[] = [];
    const a = await PeerChannel.open(token, 1 << 20, () => {});
    const b = await PeerChannel.open(token, 1 << 20, (f) => got.push(f));
    try {
      a.setPorts([a.port, b.port]);
      assert.equal(a.reaches(1), true);
      const payload = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');
      assert.equal(
        a.send(1, { kind: 'deliver', listener: 2, address: '2001:db8::7', port: 5070, connectionId: 0, payload }),
        true,
      );
      const cid = 3 * 2 ** 40 + 64 * 1234 + 1;
      assert.equal(
        a.send(1, { kind: 'send', listener: 1, address: '192.0.2.9', port: 5061, connectionId: cid, payload }),
        true,
      );
      await waitUntil(() => got.length === 2, 2000, 'two frames');
      assert.deepEqual(
        got.map((f) => [f.kind, f.listener, f.address, f.port, f.connectionId, f.payload.toString()]),
        [
          ['deliver', 2, '2001:db8::7', 5070, 0, payload.toString()],
          ['send', 1, '192.0.2.9', 5061, cid, payload.toString()],
        ],
      );
    } finally {
      a.close();
      b.close();
    }
  });

  test('frames with another token, or none, are dropped and counted', async () => {
    const got: PeerFrame[] = [];
    const b = await PeerChannel.open(randomBytes(16), 1 << 20, (f) => got.push(f));
    const stranger = await PeerChannel.open(randomBytes(16), 1 << 20, () => {});
    const raw = createSocket('udp4');
    try {
      stranger.setPorts([0, b.port]);
      stranger.send(1, {
        kind: 'deliver',
        listener: 0,
        address: '10.0.0.1',
        port: 5060,
        connectionId: 0,
        payload: Buffer.from('x'),
      });
      raw.send(Buffer.alloc(64, 0), b.port, '127.0.0.1');
      await waitUntil(() => b.stats.dropped === 2, 2000, 'two dropped frames');
      assert.equal(got.length, 0);
    } finally {
      raw.close();
      b.close();
      stranger.close();
    }
  });

  test('a worker without a port yet, or a frame too large for a datagram, is not sent to', async () => {
    const a = await PeerChannel.open(randomBytes(16), 1 << 20, () => {});
    try {
      a.setPorts([a.port, 0]);
      const f = { kind: 'deliver' as const, listener: 0, address: '10.0.0.1', port: 5060, connectionId: 0 };
      assert.equal(a.reaches(1), false);
      assert.equal(a.send(1, { ...f, payload: Buffer.from('x') }), false);
      assert.equal(a.send(0, { ...f, payload: Buffer.alloc(65500) }), false);
      assert.equal(a.stats.dropped, 2);
    } finally {
      a.close();
    }
  });

  test(
    'the queue is watched: frames that waited while the worker was busy show in waitMs(), 0 once drained',
    { skip: noNativeUdp },
    async () => {
      const token = randomBytes(16);
      let got = 0;
      let worstWait = 0;
      let worstBacklog = 0;
      const a = await PeerChannel.open(token, 1 << 20, () => {});
      const b = await PeerChannel.open(token, 4 << 20, () => {
        got++;
        worstWait = Math.max(worstWait, b.queue.waitMs());
        worstBacklog = Math.max(worstBacklog, b.queue.backlogMs());
      });
      try {
        a.setPorts([a.port, b.port]);
        assert.equal(b.queue.waitMs(), 0, 'idle');
        // Several full batches of hand-overs (the addon sends each full batch at once), then
        // this process stays busy for 300 ms, as a worker past its share of the load: the
        // frames wait in the channel's socket, not in any listener.
        const n = 2 * nativeUdpReadsPerTurn() + 10;
        const payload = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');
        for (let i = 0; i < n; i++)
          a.send(1, { kind: 'deliver', listener: 0, address: '192.0.2.1', port: 5060, connectionId: 0, payload });
        const until = performance.now() + 300;
        while (performance.now() < until);
        await waitUntil(() => got === n, 5000, `all ${n} frames`);
        assert.ok(worstWait >= 250, `the frames read waited ${worstWait.toFixed(0)} ms (kernel time stamps)`);
        assert.ok(worstBacklog > 0, 'the channel stayed behind while it drained');
        a.send(1, { kind: 'deliver', listener: 0, address: '192.0.2.1', port: 5060, connectionId: 0, payload });
        await waitUntil(() => got === n + 1, 5000, 'one more frame');
        await new Promise((r) => setImmediate(r));
        assert.equal(b.queue.waitMs(), 0, 'drained: nothing waits');
        assert.equal(b.queue.overflowing(), false, 'nothing was dropped');
      } finally {
        a.close();
        b.close();
      }
    },
  );
});
