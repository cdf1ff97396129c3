/**
 * The UDP listener's backlog signal (UdpTransport.backlogMs, issue 14): while the socket has more
 * queued than one event-loop turn reads (libuv reads 32 datagrams a turn), it says for how long;
 * once a turn empties the socket it says 0 again, also when nothing more arrives. Real loopback
 * sockets: a burst sent while the loop is blocked queues in the kernel, as under overload.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UDP_READS_PER_TURN, UdpTransport } from '../../../src/core/index.js';
import { UdpPeer, sleep, waitFor } from '../../helpers/net.js';

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
