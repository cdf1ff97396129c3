/**
 * The batched UDP socket (core native-udp.ts over native/udp_batch.c: recvmmsg/sendmmsg) on real
 * loopback sockets: what a peer sees on the wire (every datagram, in order, from the right
 * address), what the receiver sees (payload and source), errors per destination, close, and the
 * fallback to node:dgram when the addon is absent or switched off.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fstatSync, openSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  NativeUdpSocket,
  bindUdpFd,
  nativeUdpBatch,
  nativeUdpReadsPerTurn,
} from '../../../src/core/transport/native-udp.js';
import { UdpTransport } from '../../../src/core/index.js';
import { noNativeUdp as skip, UdpPeer, sleep, waitFor } from '../../helpers/net.js';

function numbered(i: number, pad = 0): Buffer {
  return Buffer.concat([Buffer.from(String(i).padStart(8, '0')), Buffer.alloc(pad, 0x78)]);
}

function bind(host = '127.0.0.1', opts: { recvBufferSize?: number; sendBufferSize?: number } = {}): NativeUdpSocket {
  const s = NativeUdpSocket.bind({ host, port: 0, ...opts });
  assert.ok(s, 'the addon binds');
  return s;
}

test(
  'receive: a burst queued while the loop is blocked arrives whole, in order, with its source',
  { skip },
  async () => {
    const rx = bind('127.0.0.1', { recvBufferSize: 4 << 20 });
    const peer = await UdpPeer.open();
    const got: Array<{ n: number; address: string; port: number; family: string; size: number }> = [];
    rx.on('message', (msg, r) => got.push({ n: Number(msg.toString('latin1')), ...r }));
    try {
      const burst = nativeUdpBatch() * 10 + 7; // ten full batches and a partial one
      await Promise.all(Array.from({ length: burst }, (_, i) => peer.send(numbered(i), rx.address().port)));
      await waitFor(() => got.length === burst, 5000, 'the whole burst');
      assert.deepEqual(
        got.map((g) => g.n),
        Array.from({ length: burst }, (_, i) => i),
      );
      assert.deepEqual(got[0], { n: 0, address: '127.0.0.1', port: peer.port, family: 'IPv4', size: 8 });
    } finally {
      rx.close();
      await peer.close();
    }
  },
);

test(
  'receive: a turn of the event loop reads several full batches while the socket has more, up to nativeUdpReadsPerTurn()',
  { skip },
  async () => {
    const rx = bind('127.0.0.1', { recvBufferSize: 4 << 20 });
    const tx = bind('127.0.0.1');
    let got = 0;
    rx.on('message', () => got++);
    try {
      const perTurn = nativeUdpReadsPerTurn();
      assert.ok(perTurn >= 2 * nativeUdpBatch(), `several batches a turn (${perTurn})`);
      // More than a turn reads, queued while the loop is blocked.
      const burst = perTurn + nativeUdpBatch();
      for (let i = 0; i < burst; i++) tx.send(numbered(i), rx.address().port, '127.0.0.1');
      tx.flushNow();
      // What has been read at each check phase (the end of a turn) until the whole burst is in.
      const atTurnEnd: number[] = [];
      const record = () => {
        atTurnEnd.push(got);
        if (got < burst) setImmediate(record);
      };
      setImmediate(record);
      const until = performance.now() + 30;
      while (performance.now() < until);
      await waitFor(() => got === burst, 5000, 'the whole burst');
      const reads = atTurnEnd.filter((n, i) => n > (atTurnEnd[i - 1] ?? 0));
      assert.deepEqual(reads, [perTurn, burst], 'one turn read up to its cap, the next the rest');
    } finally {
      rx.close();
      tx.close();
    }
  },
);

test("drops: the kernel's count of datagrams dropped for a full receive buffer (SO_RXQ_OVFL)", { skip }, async () => {
  const rx = bind('127.0.0.1', { recvBufferSize: 16 * 1024 });
  rx.watchQueue();
  const peer = await UdpPeer.open();
  let got = 0;
  rx.on('message', () => got++);
  try {
    await peer.send(numbered(0), rx.address().port);
    await waitFor(() => got === 1, 5000, 'a first datagram');
    assert.equal(rx.drops, 0, 'nothing dropped yet');
    // Sent while this loop is blocked: a 32 KiB buffer keeps a few dozen, the kernel drops the rest.
    const sent = 1000;
    const sending = Promise.all(Array.from({ length: sent }, (_, i) => peer.send(numbered(i, 200), rx.address().port)));
    const until = performance.now() + 100;
    while (performance.now() < until);
    await sending;
    await waitFor(() => got > 1, 5000, 'what the buffer kept');
    await sleep(50);
    const kept = got - 1;
    assert.ok(kept > 0 && kept < sent, `kept ${kept} of ${sent}`);
    assert.equal(rx.drops, 0, 'what was kept had arrived before the drops: it carries no count');
    // A datagram carries the count as of its own arrival: the next one tells.
    await peer.send(numbered(1), rx.address().port);
    await waitFor(() => got === kept + 2, 5000, 'the datagram after the burst');
    assert.equal(rx.drops, sent - kept, 'every datagram of the burst was either read or counted as dropped');
  } finally {
    rx.close();
    await peer.close();
  }
});

test('send: a burst larger than a batch and than SO_SNDBUF arrives complete and in order', { skip }, async () => {
  const tx = bind('127.0.0.1', { sendBufferSize: 16 << 10 });
  const rx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
  rx.setRecvBufferSize(4 << 20);
  const got: number[] = [];
  const from = new Set<string>();
  rx.on('message', (m, r) => {
    got.push(Number(m.subarray(0, 8).toString('latin1')));
    from.add(`${r.address}:${r.port}`);
  });
  try {
    const burst = 2000; // 2 MB of 1 KB datagrams: 30 batches, 128 times the send buffer
    for (let i = 0; i < burst; i++) tx.send(numbered(i, 1000), rx.address().port, '127.0.0.1');
    await waitFor(() => got.length === burst, 5000, `all ${burst} datagrams (got ${got.length})`);
    assert.deepEqual(
      got,
      Array.from({ length: burst }, (_, i) => i),
    );
    assert.deepEqual([...from], [`127.0.0.1:${tx.address().port}`]);
  } finally {
    tx.close();
    rx.close();
  }
});

test('IPv6: both ways over ::1, and an IPv4 peer on a dual-stack socket', { skip }, async () => {
  const a = bind('::1');
  const b = bind('::1');
  const dual = bind('::');
  const v4 = await UdpPeer.open('127.0.0.1');
  const seen: string[] = [];
  b.on('message', (m, r) => seen.push(`b ${m.toString()} ${r.address} ${r.family} ${r.port === a.address().port}`));
  a.on('message', (m, r) => seen.push(`a ${m.toString()} ${r.address} ${r.port === b.address().port}`));
  dual.on('message', (m, r) => {
    seen.push(`dual ${m.toString()} ${r.address}`);
    dual.send(Buffer.from('pong'), r.port, r.address); // answer an IPv4-mapped source
  });
  try {
    assert.deepEqual(a.address().family, 'IPv6');
    a.send(Buffer.from('ping'), b.address().port, '::1');
    b.send(Buffer.from('back'), a.address().port, '[::1]');
    await v4.send('hello', dual.address().port, '127.0.0.1');
    await waitFor(() => seen.length === 3 && v4.received.length === 1, 3000, 'three datagrams and a reply');
    assert.deepEqual(seen.sort(), ['a back ::1 true', 'b ping ::1 IPv6 true', 'dual hello ::ffff:127.0.0.1']);
    assert.equal(v4.texts()[0], 'pong');
  } finally {
    a.close();
    b.close();
    dual.close();
    await v4.close();
  }
});

test(
  'a failed destination is reported to its own callback; the others of the batch still leave',
  { skip },
  async () => {
    const tx = bind();
    const peer = await UdpPeer.open();
    const results: string[] = [];
    try {
      tx.send(Buffer.from('one'), peer.port, '127.0.0.1', (e) => results.push(`one ${e?.message}`));
      // No SO_BROADCAST: the kernel refuses this one (EACCES), as it would for dgram.
      tx.send(Buffer.from('bcast'), peer.port, '255.255.255.255', (e) =>
        results.push(`bcast ${(e as NodeJS.ErrnoException).code}`),
      );
      tx.send(Buffer.from('two'), peer.port, '127.0.0.1');
      await waitFor(() => peer.received.length === 2 && results.length === 1, 3000, 'two datagrams and one error');
      assert.deepEqual(peer.texts(), ['one', 'two']);
      assert.deepEqual(results, ['bcast EACCES']);
      // Without a callback a failure is an 'error' event, as in dgram.
      const errors: string[] = [];
      tx.on('error', (e) => errors.push((e as NodeJS.ErrnoException).code!));
      tx.send(Buffer.from('x'), peer.port, '255.255.255.255');
      await waitFor(() => errors.length === 1, 3000, 'the error event');
      assert.deepEqual(errors, ['EACCES']);
    } finally {
      tx.close();
      await peer.close();
    }
  },
);

test('close: the queued sends leave first, nothing is delivered afterwards, later sends fail', { skip }, async () => {
  const tx = bind();
  const peer = await UdpPeer.open();
  let after = 0;
  const port = tx.address().port;
  tx.on('message', () => after++);
  try {
    for (let i = 0; i < 100; i++) tx.send(numbered(i), peer.port, '127.0.0.1'); // still queued (flushed next turn)
    tx.close();
    await waitFor(() => peer.received.length === 100, 3000, 'the 100 queued datagrams');
    assert.deepEqual(
      peer.texts().map(Number),
      Array.from({ length: 100 }, (_, i) => i),
    );
    await peer.send('late', port);
    await sleep(50);
    assert.equal(after, 0, 'no message callback after close');
    assert.throws(() => tx.send(Buffer.from('x'), peer.port, '127.0.0.1'), { code: 'ERR_SOCKET_DGRAM_NOT_RUNNING' });
  } finally {
    await peer.close();
  }
});

test('bind errors carry the errno code (EADDRINUSE), as dgram reports them', { skip }, () => {
  const a = bind();
  try {
    assert.throws(() => NativeUdpSocket.bind({ host: '127.0.0.1', port: a.address().port }), { code: 'EADDRINUSE' });
  } finally {
    a.close();
  }
});

test(
  'an inherited socket (ListenSpec.fd) is served through the addon; an fd that is no UDP socket is refused',
  { skip },
  async () => {
    const fd = bindUdpFd({ host: '127.0.0.1', port: 0 })!;
    const udp = await UdpTransport.listen({ protocol: 'UDP', host: '127.0.0.1', port: 0, fd });
    const peer = await UdpPeer.open();
    try {
      assert.equal(udp.batched, true);
      assert.notEqual(udp.localPort, 0);
      const got = new Promise<string>(
        (r) => (udp.sink = { receive: (m) => (r(m.toString()), true), framingError() {} }),
      );
      await peer.send(Buffer.from('OPTIONS'), udp.localPort);
      assert.equal(await got, 'OPTIONS');
    } finally {
      await udp.close();
      await peer.close();
    }
    // A file: refused with the reason, never read as a datagram socket.
    const file = openSync(fileURLToPath(import.meta.url), 'r');
    await assert.rejects(UdpTransport.listen({ protocol: 'UDP', host: '127.0.0.1', port: 5060, fd: file }), /ENOTSOCK/);
    assert.throws(() => fstatSync(file), { code: 'EBADF' }, 'the refused fd is closed (the transport owned it)');
  },
);

test('the core UDP transport takes the addon by default when it is built', { skip }, async () => {
  const udp = await UdpTransport.listen({ protocol: 'UDP', host: '127.0.0.1', port: 0 });
  try {
    assert.equal(udp.batched, true);
  } finally {
    await udp.close();
  }
});

/** Run a UdpTransport round trip in a child process with `env`; it prints `batched` and the reply. */
function childRoundTrip(env: Record<string, string>): string {
  const udpJs = fileURLToPath(new URL('../../../src/core/index.js', import.meta.url));
  const script = `
    import { createSocket } from 'node:dgram';
    const { UdpTransport } = await import(${JSON.stringify(udpJs)});
    const udp = await UdpTransport.listen({ protocol: 'UDP', host: '127.0.0.1', port: 0 });
    udp.sink = { receive: (m, s) => udp.send(Buffer.from('echo ' + m), s.remoteAddress, s.remotePort), framingError() {} };
    const peer = createSocket('udp4');
    peer.on('message', async (m) => { console.log(udp.batched, m.toString()); peer.close(); await udp.close(); });
    peer.bind(0, '127.0.0.1', () => peer.send('OPTIONS', udp.localPort, '127.0.0.1'));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('fallback: without the addon (missing file) or with SIPKIT_NATIVE_UDP=0, UDP runs on dgram', () => {
  assert.equal(
    childRoundTrip({ SIPKIT_NATIVE_UDP: '1', SIPKIT_NATIVE_UDP_PATH: '/nonexistent/udp_batch.node' }),
    'false echo OPTIONS',
  );
  assert.equal(childRoundTrip({ SIPKIT_NATIVE_UDP: '0' }), 'false echo OPTIONS');
});

test('the same round trip goes through the addon when it is there', { skip }, () => {
  assert.equal(childRoundTrip({ SIPKIT_NATIVE_UDP: '1', SIPKIT_NATIVE_UDP_PATH: '' }), 'true echo OPTIONS');
});

test('process.exit() right after a send: the datagram still leaves (dgram sends at once too)', { skip }, async () => {
  const peer = await UdpPeer.open();
  try {
    const mod = fileURLToPath(new URL('../../../src/core/transport/native-udp.js', import.meta.url));
    const script = `
      const { NativeUdpSocket } = await import(${JSON.stringify(mod)});
      const s = NativeUdpSocket.bind({ host: '127.0.0.1', port: 0 });
      s.send(Buffer.from('last words'), ${peer.port}, '127.0.0.1');
      process.exit(0);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr);
    await waitFor(() => peer.received.length === 1, 3000, 'the datagram sent before exit');
    assert.deepEqual(peer.texts(), ['last words']);
  } finally {
    await peer.close();
  }
});

test('close frees the port at once: a restart binds it again from the close callback', { skip }, async () => {
  const a = bind();
  const port = a.address().port;
  await new Promise<void>((r) => a.close(r));
  const again = NativeUdpSocket.bind({ host: '127.0.0.1', port });
  assert.equal(again?.address().port, port);
  again!.close();
});
