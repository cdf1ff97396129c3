/**
 * sipd's TCP limits under attack ([tcp] with short timeouts), each attack from 127.0.0.2/.3
 * while an honest client on 127.0.0.1 keeps being served (REGISTER with digest over TCP,
 * OPTIONS over UDP):
 * - 3,000 idle connections: beyond max_connections_per_ip they are closed at once, the rest
 *   after idle_timeout; a phone registered over TCP keeps its connection past it;
 * - 200 slowloris connections trickling header bytes: closed after message_timeout;
 * - garbage streams: one 400 when a request head can be read, then the connection is closed;
 * - the total cap: connections beyond max_connections are closed at once.
 * Each refusal and close is visible in the net.tcp_* statistics (sipctl stats).
 * Also: replies over the transport the request arrived on, whatever its Via says.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TcpPeer, UdpPeer, sleep, waitFor } from '../../helpers/net.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { TestUA } from '../../helpers/test-ua.js';

const IDLE_S = 3;
const MESSAGE_S = 2;

/** An OPTIONS to sipd itself from a stranger (answered 200 without a challenge). */
function options(port: number, via: string, callId: string): string {
  return (
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: ${via}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:probe@other.example>;tag=${callId}\r\nTo: <sip:127.0.0.1:${port}>\r\nCall-ID: ${callId}\r\n` +
    `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}

/** Open `n` connections from `from`, `batch` at a time; `then` runs on each as soon as it is up. */
async function flood(port: number, from: string, n: number, then?: (p: TcpPeer) => void): Promise<TcpPeer[]> {
  const out: TcpPeer[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, () =>
        TcpPeer.connect(port, '127.0.0.1', from).then((p) => {
          then?.(p);
          return p;
        }),
      ),
    );
    out.push(...batch);
  }
  return out;
}

describe('sipd TCP limits', () => {
  let h: SipdHarness;
  let udp: UdpPeer;
  let n = 0;
  const uas: TestUA[] = [];

  before(async () => {
    h = await SipdHarness.start({
      users: [
        ['alice', 'alice-pw'],
        ['bob', 'bob-pw'],
      ],
      config:
        `[tcp]\nmax_connections = 5000\nmax_connections_per_ip = 1000\n` +
        `idle_timeout = ${IDLE_S}\nmessage_timeout = ${MESSAGE_S}\n[timers]\ndrain_ms = 500\n`,
    });
    udp = await UdpPeer.open();
  });
  after(async () => {
    for (const ua of uas) await ua.close();
    await udp.close();
    await h.stop();
  });

  /** The honest client: a digest REGISTER over a new TCP connection, and OPTIONS over UDP. */
  /** Reports how long it took (a test diagnostic, no timing goal). */
  async function served(what: string, t?: { diagnostic(msg: string): void }): Promise<void> {
    const started = Date.now();
    const ua = await TestUA.create({ user: 'bob', password: 'bob-pw', domain: DOMAIN, proxy: h.proxy('TCP') });
    try {
      assert.equal((await ua.register({ expires: 60 })).status, 200, `${what}: REGISTER over TCP`);
    } finally {
      await ua.close();
    }
    const from = udp.received.length;
    const id = `served-${++n}`;
    await udp.send(options(h.udpPort, `SIP/2.0/UDP 127.0.0.1:${udp.port};branch=z9hG4bK${id};rport`, id), h.udpPort);
    await waitFor(() => udp.received.length > from, 5000, `${what}: OPTIONS over UDP answered`);
    assert.match(udp.texts()[from]!, /^SIP\/2\.0 200 /, `${what}: OPTIONS over UDP`);
    t?.diagnostic(`${what}: REGISTER over TCP + OPTIONS over UDP answered in ${Date.now() - started} ms`);
  }

  test('3,000 idle connections: the excess per address refused at once, the rest closed when idle; others served', async (t) => {
    const keys = ['net.tcp_refused_per_ip', 'net.tcp_closed_idle', 'net.tcp_closed_slow'];
    const before = await h.stats(...keys);
    const ping = (p: TcpPeer) => void p.write('\r\n\r\n'); // a keep-alive: no message pending, just idle
    const attackers = [
      ...(await flood(h.tcpPort, '127.0.0.2', 1500, ping)),
      ...(await flood(h.tcpPort, '127.0.0.3', 1500, ping)),
    ];
    try {
      const open = await h.stats('net.tcp_connections', 'net.tcp_refused_per_ip');
      assert.ok(open['net.tcp_connections']! <= 2000, `at most 1000 per address (${open['net.tcp_connections']})`);
      assert.ok(open['net.tcp_refused_per_ip']! > before['net.tcp_refused_per_ip']!, 'some refused at once');
      await served('during 3,000 idle connections', t);
      await waitFor(() => attackers.every((p) => p.closed), 30000, 'every idle connection to be closed');
      const now = await h.stats(...keys);
      const d = (k: string) => now[k]! - before[k]!;
      // Every attacker connection was either refused at once or closed by a timeout (as idle
      // when its keep-alive arrived in time, as slow when it did not); slots freed by idle
      // closes are taken by later ones, so the split between refused and closed varies.
      assert.equal(d('net.tcp_refused_per_ip') + d('net.tcp_closed_idle') + d('net.tcp_closed_slow'), 3000);
      assert.ok(d('net.tcp_closed_idle') >= 1000, `closed as idle: ${d('net.tcp_closed_idle')}`);
      await served('after the idle connections');
    } finally {
      for (const p of attackers) p.close();
    }
  });

  test('a phone registered over TCP keeps its connection past the idle timeout while registered', async () => {
    const alice = await TestUA.create({ user: 'alice', password: 'alice-pw', domain: DOMAIN, proxy: h.proxy('TCP') });
    uas.push(alice);
    const plain = await TcpPeer.connect(h.tcpPort);
    try {
      await plain.write(options(h.tcpPort, 'SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKplain', 'plain'));
      assert.equal((await alice.register({ expires: 600 })).status, 200);
      await waitFor(() => plain.closed, (IDLE_S + 5) * 1000, 'the unregistered connection to be closed');
      await sleep((IDLE_S + 1) * 1000); // past two idle timeouts for alice's connection
      assert.equal(alice.transport.connectionCount, 1, "alice's connection is still open");
      // sipd reaches alice over it: a call from bob (UDP) rings her.
      const bob = await TestUA.create({ user: 'bob', password: 'bob-pw', domain: DOMAIN, proxy: h.proxy() });
      uas.push(bob);
      const call = bob.call('alice', { auth: true });
      const res = await call.final;
      assert.equal(res.status, 200);
      await call.ack(res);
      assert.equal((await call.bye(res)).status, 200);
      assert.equal(alice.transport.connectionCount, 1, 'over the same connection');
    } finally {
      plain.close();
    }
  });

  test('200 slowloris connections trickling header bytes are closed after message_timeout; others served', async (t) => {
    const before = await h.stats('net.tcp_closed_slow');
    const text = options(h.tcpPort, 'SIP/2.0/TCP 127.0.0.2:5999;branch=z9hG4bKslow', 'slow');
    const attackers = [...(await flood(h.tcpPort, '127.0.0.2', 100)), ...(await flood(h.tcpPort, '127.0.0.3', 100))];
    let at = 0;
    const trickle = setInterval(() => {
      for (const p of attackers) if (!p.closed) p.socket.write(text[at % text.length]!);
      at++;
    }, 200);
    try {
      await served('during 200 slowloris connections', t);
      await waitFor(() => attackers.every((p) => p.closed), (MESSAGE_S + 15) * 1000, 'every slow connection closed');
      assert.ok(at < text.length, 'closed before the first header section was complete');
      const now = await h.stats('net.tcp_closed_slow');
      assert.equal(now['net.tcp_closed_slow']! - before['net.tcp_closed_slow']!, 200);
      assert.ok(
        attackers.every((p) => p.data === ''),
        'nothing was answered to them',
      );
    } finally {
      clearInterval(trickle);
      for (const p of attackers) p.close();
    }
    await served('after the slowloris connections');
  });

  test('garbage: one 400 when a request head can be read, then the connection is closed', async () => {
    const before = await h.stats('net.tcp_closed_bad');
    const good = options(h.tcpPort, 'SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKafter', 'after');
    const cases: Array<[string, string, boolean]> = [
      [
        'CSeq method mismatch',
        options(h.tcpPort, 'SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKg1', 'g1').replace('1 OPTIONS', '1 INVITE'),
        true,
      ],
      [
        'malformed Content-Length',
        options(h.tcpPort, 'SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKg2', 'g2').replace(
          'Content-Length: 0',
          'Content-Length: x',
        ),
        true,
      ],
      ['binary noise', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 random bytes\r\n\r\n', false],
    ];
    for (const [name, bad, answered] of cases) {
      const p = await TcpPeer.connect(h.tcpPort, '127.0.0.1', '127.0.0.2');
      try {
        await p.write(bad + good);
        await waitFor(() => p.closed, 10000, `${name}: the connection to be closed`);
        const got = p.data.match(/^SIP\/2\.0 \d+ /gm) ?? [];
        if (answered) assert.deepEqual(got, ['SIP/2.0 400 '], `${name}: one 400, got ${JSON.stringify(p.data)}`);
        else assert.deepEqual(got, [], `${name}: no answer`);
      } finally {
        p.close();
      }
    }
    const now = await h.stats('net.tcp_closed_bad');
    assert.equal(now['net.tcp_closed_bad']! - before['net.tcp_closed_bad']!, cases.length);
    await served('after garbage');
  });

  test('a UDP request whose Via says TCP (or TLS) is answered over UDP; no connection is attempted', async () => {
    const trap = createServer((s) => s.destroy());
    const peer = await UdpPeer.open();
    let offered = 0;
    trap.on('connection', () => offered++);
    await new Promise<void>((r) => trap.listen(peer.port, '127.0.0.1', () => r()));
    try {
      for (const proto of ['TCP', 'TLS']) {
        const id = `via-${proto}`;
        const from = peer.received.length;
        await peer.send(
          options(h.udpPort, `SIP/2.0/${proto} 127.0.0.1:${peer.port};branch=z9hG4bK${id}`, id),
          h.udpPort,
        );
        await waitFor(() => peer.received.length > from, 5000, `the answer to Via ${proto}`);
        assert.match(peer.texts()[from]!, /^SIP\/2\.0 200 /);
      }
      await sleep(300);
      assert.equal(offered, 0, 'sipd opened no TCP connection to the Via address');
    } finally {
      trap.close();
      await peer.close();
    }
  });

  test('a TCP request whose Via says UDP is answered on its connection; nothing arrives over UDP', async () => {
    const peer = await UdpPeer.open();
    const tcp = await TcpPeer.connect(h.tcpPort);
    try {
      await tcp.write(options(h.tcpPort, `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKviaudp;rport`, 'viaudp'));
      await waitFor(() => tcp.data.includes('\r\n\r\n'), 5000, 'the answer on the connection');
      assert.match(tcp.data, /^SIP\/2\.0 200 /);
      await sleep(300);
      assert.equal(peer.received.length, 0);
    } finally {
      tcp.close();
      await peer.close();
    }
  });
});

describe('sipd TCP total cap', () => {
  let h: SipdHarness;
  before(async () => {
    h = await SipdHarness.start({
      users: [['bob', 'bob-pw']],
      config: `[tcp]\nmax_connections = 20\nmax_connections_per_ip = 15\nidle_timeout = ${IDLE_S}\nmessage_timeout = ${MESSAGE_S}\n[timers]\ndrain_ms = 500\n`,
    });
  });
  after(() => h.stop());

  test('beyond max_connections inbound connections are closed at once; UDP is served meanwhile, TCP again after', async () => {
    const ping = (p: TcpPeer) => void p.write('\r\n\r\n');
    const a = await flood(h.tcpPort, '127.0.0.2', 15, ping);
    await waitFor(() => a.every((p) => p.data === '\r\n'), 5000, 'the first 15 to be served');
    const b = await flood(h.tcpPort, '127.0.0.3', 15, ping);
    const attackers = [...a, ...b];
    try {
      await waitFor(() => b.filter((p) => p.closed).length >= 10, 5000, 'ten beyond the cap to be closed');
      const stats = await h.stats('net.tcp_refused_max', 'net.tcp_refused_per_ip', 'net.tcp_connections');
      assert.equal(stats['net.tcp_refused_max'], 10);
      assert.equal(stats['net.tcp_refused_per_ip'], 0);
      assert.equal(stats['net.tcp_connections'], 20);
      // UDP is not under the TCP cap.
      const udpUa = await TestUA.create({ user: 'bob', password: 'bob-pw', domain: DOMAIN, proxy: h.proxy() });
      try {
        assert.equal((await udpUa.register({ expires: 60 })).status, 200);
      } finally {
        await udpUa.close();
      }
      // Once the idle attackers are gone, TCP serves again.
      await waitFor(() => attackers.every((p) => p.closed), (IDLE_S + 10) * 1000, 'the attackers to be closed');
      const tcpUa = await TestUA.create({ user: 'bob', password: 'bob-pw', domain: DOMAIN, proxy: h.proxy('TCP') });
      try {
        assert.equal((await tcpUa.register({ expires: 60 })).status, 200);
      } finally {
        await tcpUa.close();
      }
    } finally {
      for (const p of attackers) p.close();
    }
  });
});
