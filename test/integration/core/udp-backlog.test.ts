/**
 * The UDP listener's backlog signal (UdpTransport.backlogMs, issue 14): while the socket has more
 * queued than one event-loop turn reads (libuv reads 32 datagrams a turn), it says for how long;
 * once a turn empties the socket it says 0 again, also when nothing more arrives. Real loopback
 * sockets: a burst sent while the loop is blocked queues in the kernel, as under overload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  nativeUdpReadsPerTurn,
  OVERFLOW_RECENT_MS,
  UDP_READS_PER_TURN,
  UdpTransport,
} from '../../../src/core/index.js';
import { NativeUdpSocket } from '../../../src/core/transport/native-udp.js';
import { noNativeUdp, UdpPeer, sleep, waitFor } from '../../helpers/net.js';

test('backlogMs: > 0 while a burst drains turn by turn, 0 once the socket is empty', async () => {
  const udp = await UdpTransport.listen(
    { protocol: 'UDP', host: '127.0.0.1', port: 0 },
    { recvBufferSize: 4 * 1024 * 1024, trackBacklog: true },
  );
  const peer = await UdpPeer.open();
  try {
    let got = 0;
    let worst = 0;
    udp.sink = {
      receive: () => {
        got++;
        worst = Math.max(worst, udp.backlogMs());
      },
      framingError: () => {},
    } as unknown as UdpTransport['sink'];
    assert.equal(udp.backlogMs(), 0, 'idle');
    const burst = UDP_READS_PER_TURN * 20;
    const datagram = Buffer.from('OPTIONS x'); // not a keep-alive: handed to the sink
    await Promise.all(Array.from({ length: burst }, () => peer.send(datagram, udp.localPort)));
    // Block the loop: everything sent is now queued in the kernel, read 32 per turn afterwards.
    const until = performance.now() + 30;
    while (performance.now() < until);
    await waitFor(() => got === burst, 5000, 'the whole burst');
    assert.ok(worst > 0, `a backlog was seen while draining ${burst} datagrams (worst ${worst} ms)`);
    await sleep(20);
    assert.equal(udp.backlogMs(), 0, 'the socket is empty again');
  } finally {
    await peer.close();
    await udp.close();
  }
});

/** A loopback listener that keeps its backlog signals (as sipd's overload control has it). */
function listenTracked(recvBufferSize: number): Promise<UdpTransport> {
  return UdpTransport.listen({ protocol: 'UDP', host: '127.0.0.1', port: 0 }, { recvBufferSize, trackBacklog: true });
}

/** Sends `n` datagrams and waits until the kernel has them (the loop is blocked by the caller next). */
async function burst(peer: UdpPeer, port: number, n: number, size = 200): Promise<void> {
  const datagram = Buffer.concat([Buffer.from('OPTIONS x'), Buffer.alloc(size, 0x78)]);
  await Promise.all(Array.from({ length: n }, () => peer.send(datagram, port)));
}

test(
  'overflowing(): true while the kernel drops datagrams for a full queue, false once it stops',
  { skip: noNativeUdp },
  async () => {
    // A small receive buffer (the kernel doubles it: 32 KiB, on loopback a few dozen datagrams).
    const udp = await listenTracked(16 * 1024);
    assert.equal(udp.batched, true, 'the listener runs on the addon');
    const peer = await UdpPeer.open();
    let got = 0;
    let overflowSeen = false;
    const watch = setInterval(() => {
      if (udp.overflowing()) overflowSeen = true;
    }, 1);
    try {
      udp.sink = { receive: () => got++, framingError: () => {} } as unknown as UdpTransport['sink'];
      assert.equal(udp.overflowing(), false, 'idle');
      await burst(peer, udp.localPort, 5);
      await waitFor(() => got === 5, 5000, 'a few datagrams');
      await sleep(20);
      assert.equal(overflowSeen, false, 'what the buffer holds: no overflow');

      // Far more than the buffer holds while the loop is blocked: the kernel drops the rest. A
      // datagram carries the count as of its own arrival, so a few more follow the burst, as
      // they do under overload, where datagrams keep coming.
      const sent = 2000;
      const sending = burst(peer, udp.localPort, sent);
      const until = performance.now() + 100;
      while (performance.now() < until);
      await sending;
      await sleep(20);
      await burst(peer, udp.localPort, 3);
      await waitFor(() => overflowSeen, 5000, 'the overflow seen');
      const seenAt = got;
      assert.ok(seenAt < 5 + sent, `the kernel dropped part of the burst (${seenAt - 5} read)`);
      await sleep(OVERFLOW_RECENT_MS + 30);
      assert.equal(udp.overflowing(), false, `no longer overflowing ${OVERFLOW_RECENT_MS} ms after the last drop`);
    } finally {
      clearInterval(watch);
      await peer.close();
      await udp.close();
    }
  },
);

test(
  'backlogMs: long while a burst drains slowly; nothing is dropped, so overflowing() stays false',
  { skip: noNativeUdp },
  async () => {
    const udp = await listenTracked(4 * 1024 * 1024);
    const peer = await UdpPeer.open();
    try {
      let got = 0;
      let worstBacklog = 0;
      let overflowSeen = false;
      const watch = setInterval(() => {
        if (udp.overflowing()) overflowSeen = true;
      }, 1);
      udp.sink = {
        receive: () => {
          got++;
          const now = performance.now();
          worstBacklog = Math.max(worstBacklog, udp.backlogMs(now));
          if (udp.overflowing(now)) overflowSeen = true;
          const until = now + 1; // 1 ms a datagram: 640 queued take ~640 ms to drain
          while (performance.now() < until);
        },
        framingError: () => {},
      } as unknown as UdpTransport['sink'];
      const n = 640;
      await burst(peer, udp.localPort, n);
      await waitFor(() => got === n, 10000, 'the whole burst');
      clearInterval(watch);
      assert.ok(worstBacklog > 250, `the socket stayed behind ${worstBacklog.toFixed(0)} ms (a full batch every read)`);
      assert.equal(overflowSeen, false, 'but nothing was dropped: no overflow');
      await sleep(20);
      assert.equal(udp.waitMs(), 0, 'the socket is empty: nothing waits');
    } finally {
      await peer.close();
      await udp.close();
    }
  },
);

test(
  'waitMs: how long the datagrams being read waited in the socket (kernel time stamps), 0 once it is empty',
  { skip: noNativeUdp },
  async () => {
    const udp = await listenTracked(4 * 1024 * 1024);
    const sender = NativeUdpSocket.bind({ host: '127.0.0.1', port: 0 });
    assert.ok(sender);
    try {
      const waits: number[] = [];
      let got = 0;
      // Sampled as each datagram is handled: what the last turn's end said (the batch before).
      udp.sink = {
        receive: () => {
          got++;
          waits.push(udp.waitMs());
        },
        framingError: () => {},
      } as unknown as UdpTransport['sink'];
      // More than one turn reads (the addon reads up to four batches a turn while they come back
      // full), sent synchronously (the addon's flushNow) and then left in the socket while the
      // loop is blocked for 150 ms: the batches read waited at least that long.
      const n = nativeUdpReadsPerTurn() + 64;
      const datagram = Buffer.concat([Buffer.from('OPTIONS x'), Buffer.alloc(200, 0x78)]);
      for (let i = 0; i < n; i++) sender.send(datagram, udp.localPort, '127.0.0.1');
      sender.flushNow();
      const until = performance.now() + 150;
      while (performance.now() < until);
      await waitFor(() => got === n, 5000, 'the whole burst');
      await sleep(20);
      const worst = Math.max(...waits);
      assert.ok(worst >= 140 && worst < 5000, `the oldest datagrams waited ${worst.toFixed(1)} ms`);
      assert.equal(udp.waitMs(), 0, 'read to the end: nothing waits');
    } finally {
      sender.close();
      await udp.close();
    }
  },
);
