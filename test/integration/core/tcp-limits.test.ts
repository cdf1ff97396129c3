/**
 * The TCP listener's limits on real loopback sockets, as a hostile peer meets them: connection
 * caps in all and per source address (attackers bind 127.0.0.2/.3, the honest peer 127.0.0.1),
 * the message deadline (slowloris: trickled header bytes; a connection that never sends), the
 * idle timeout and a connection kept open past it (a registration over it), and a stream that
 * produced an unparseable message: the user's 400 goes out, nothing after it is delivered, the
 * connection closes. Every refusal and close is counted by reason.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  TransportLayer,
  type MessageSource,
  type SipParseError,
  type TcpOptions,
  type Transport,
} from '../../../src/core/index.js';
import { TcpPeer, sleep, waitFor } from '../../helpers/net.js';

function options(callId: string, extra = ''): string {
  return (
    `OPTIONS sip:server@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK${callId}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:it@example.com>;tag=a\r\nTo: <sip:server@example.com>\r\n` +
    `Call-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\n${extra}Content-Length: 0\r\n\r\n`
  );
}

interface Listener {
  layer: TransportLayer;
  tcp: Transport;
  port: number;
  got: Array<{ callId: string; source: MessageSource }>;
  errors: Array<{ err: SipParseError; source: MessageSource }>;
}

/** A TCP listener on 127.0.0.1 whose user records messages and answers parse errors with a 400. */
async function listen(tcp: TcpOptions): Promise<Listener> {
  const got: Listener['got'] = [];
  const errors: Listener['errors'] = [];
  const layer = await TransportLayer.listen(['tcp:127.0.0.1:0'], {
    tcp,
    user: {
      onMessage: (msg, source) => void got.push({ callId: msg.callId(), source }),
      onParseError: (err, _raw, source) => {
        errors.push({ err, source });
        const res = Buffer.from(`SIP/2.0 400 ${err.reason}\r\nContent-Length: 0\r\n\r\n`);
        source.transport.send(res, source.remoteAddress, source.remotePort, source.connectionId);
      },
    },
  });
  const t = layer.transports[0]!;
  return { layer, tcp: t, port: t.localPort, got, errors };
}

/** A connection the listener adopted answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §3.5.1). */
async function answersPing(p: TcpPeer): Promise<boolean> {
  const before = p.data.length;
  await p.write('\r\n\r\n');
  try {
    await waitFor(() => p.data.length > before || p.closed, 5000, 'a pong');
  } catch {
    return false;
  }
  return p.data.length > before;
}

const peers: TcpPeer[] = [];
async function connect(port: number, from: string): Promise<TcpPeer> {
  const p = await TcpPeer.connect(port, '127.0.0.1', from);
  peers.push(p);
  return p;
}

afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});

describe('TCP connection caps', () => {
  let l: Listener;
  before(async () => {
    l = await listen({ maxConnections: 8, maxConnectionsPerIp: 3, messageTimeout: 0, idleTimeout: 0 });
  });
  after(() => l.layer.close());

  test('beyond the per-address cap an inbound connection is closed at once; other addresses are still served', async () => {
    const refused = l.tcp.stats.refusedPerIp;
    const first = [await connect(l.port, '127.0.0.2'), await connect(l.port, '127.0.0.2')];
    first.push(await connect(l.port, '127.0.0.2'));
    for (const p of first) assert.ok(await answersPing(p), 'the first three are served');
    const fourth = await connect(l.port, '127.0.0.2');
    await waitFor(() => fourth.closed, 5000, 'the fourth connection from 127.0.0.2 to be closed');
    assert.equal(fourth.data, '', 'nothing was answered on it');
    assert.equal(l.tcp.stats.refusedPerIp, refused + 1);
    // The honest peer on another address is not under 127.0.0.2's cap.
    assert.ok(await answersPing(await connect(l.port, '127.0.0.1')));
    // A slot freed by a close can be taken again.
    first[0]!.close();
    await waitFor(() => l.tcp.connectionCount === 3, 5000, 'the close to be seen');
    assert.ok(await answersPing(await connect(l.port, '127.0.0.2')));
  });

  test('beyond the total cap every inbound connection is closed at once, counted', async () => {
    await waitFor(() => l.tcp.connectionCount === 0, 5000, 'the previous test to be cleaned up');
    const refused = l.tcp.stats.refusedMax;
    for (const [from, n] of [
      ['127.0.0.2', 3],
      ['127.0.0.3', 3],
      ['127.0.0.4', 2],
    ] as const)
      for (let i = 0; i < n; i++) await connect(l.port, from);
    await waitFor(() => l.tcp.connectionCount === 8, 5000, 'eight open connections');
    const late = [await connect(l.port, '127.0.0.5'), await connect(l.port, '127.0.0.1')];
    await waitFor(() => late.every((p) => p.closed), 5000, 'connections beyond the cap to be closed');
    assert.equal(l.tcp.stats.refusedMax, refused + 2);
    assert.equal(l.tcp.connectionCount, 8);
  });
});

test('the caps hold for all TCP listeners of a layer together', async () => {
  const layer = await TransportLayer.listen(['tcp:127.0.0.1:0', 'tcp:127.0.0.1:0'], {
    tcp: { maxConnections: 3, maxConnectionsPerIp: 2, messageTimeout: 0, idleTimeout: 0 },
  });
  try {
    const [a, b] = layer.transports as [Transport, Transport];
    const two = [await connect(a.localPort, '127.0.0.2'), await connect(b.localPort, '127.0.0.2')];
    for (const p of two) assert.ok(await answersPing(p));
    const third = await connect(b.localPort, '127.0.0.2'); // a third from 127.0.0.2, on the other listener
    await waitFor(() => third.closed, 5000, 'the third connection from 127.0.0.2 to be closed');
    assert.equal(a.stats.refusedPerIp + b.stats.refusedPerIp, 1);
    assert.ok(await answersPing(await connect(a.localPort, '127.0.0.3')));
    const fourth = await connect(a.localPort, '127.0.0.4'); // three open in all
    await waitFor(() => fourth.closed, 5000, 'the fourth connection to be closed');
    assert.equal(a.stats.refusedMax, 1);
  } finally {
    for (const p of peers.splice(0)) p.close();
    await layer.close();
  }
});

describe('TCP deadlines', () => {
  let l: Listener;
  before(async () => {
    l = await listen({ messageTimeout: 600, idleTimeout: 1500 });
  });
  after(() => l.layer.close());

  test('slowloris: header bytes trickled past the message deadline close the connection; nothing is delivered', async () => {
    const slow = l.tcp.stats.slowCloses;
    const p = await connect(l.port, '127.0.0.2');
    const text = options('trickle');
    const started = Date.now();
    for (let i = 0; i < text.length && !p.closed && Date.now() - started < 20000; i++) {
      await p.write(text[i]!);
      await sleep(50);
    }
    assert.ok(p.closed, 'closed before the header was complete');
    assert.equal(l.tcp.stats.slowCloses, slow + 1);
    assert.ok(!l.got.some((g) => g.callId === 'trickle'));
  });

  test('a new connection that sends nothing is closed after the message deadline', async () => {
    const slow = l.tcp.stats.slowCloses;
    const p = await connect(l.port, '127.0.0.2');
    await waitFor(() => p.closed, 10000, 'the silent connection to be closed');
    assert.equal(l.tcp.stats.slowCloses, slow + 1);
  });

  test('a message written in pieces within the deadline is delivered, and the connection stays', async () => {
    const p = await connect(l.port, '127.0.0.1');
    const text = options('pieces');
    await p.write(text.slice(0, 40));
    await sleep(100);
    await p.write(text.slice(40, 120));
    await sleep(100);
    await p.write(text.slice(120));
    await waitFor(() => l.got.some((g) => g.callId === 'pieces'), 5000, 'the message');
    await sleep(800); // past the message deadline: complete messages do not arm it
    assert.equal(p.closed, false);
  });

  test('idle: closed after the idle timeout; a kept connection stays until its keep ends', async () => {
    const idle = l.tcp.stats.idleCloses;
    const plain = await connect(l.port, '127.0.0.1');
    const kept = await connect(l.port, '127.0.0.1');
    await plain.write(options('idle-plain'));
    await kept.write(options('idle-kept'));
    await waitFor(() => l.got.filter((g) => g.callId.startsWith('idle-')).length === 2, 5000, 'both messages');
    const keptId = l.got.find((g) => g.callId === 'idle-kept')!.source.connectionId!;
    const keptAt = Date.now();
    l.tcp.keepConnection(keptId, 4000); // a registration for 4 s
    l.tcp.keepConnection(keptId, 1000); // a shorter one (another line of the phone) does not shorten it
    await waitFor(() => plain.closed, 10000, 'the idle connection to be closed');
    assert.equal(l.tcp.stats.idleCloses, idle + 1);
    await sleep(3500 - (Date.now() - keptAt)); // more than two idle timeouts
    assert.equal(kept.closed, false, 'the kept connection is still open');
    assert.ok(l.tcp.hasConnection(keptId));
    // After the keep, the idle timeout applies again.
    await waitFor(() => kept.closed, 10000, 'the connection to be closed once no longer kept');
    assert.ok(Date.now() - keptAt >= 4000, 'not before the keep ended');
    assert.equal(l.tcp.stats.idleCloses, idle + 2);
  });
});

describe('TCP stream with an unparseable message', () => {
  let l: Listener;
  before(async () => {
    l = await listen({});
  });
  after(() => l.layer.close());

  for (const [name, bad] of [
    ['a request without Call-ID', options('x').replace(/Call-ID: x\r\n/, '')],
    ['a start line that is not SIP', 'HELLO THERE\r\nContent-Length: 0\r\n\r\n'],
    ['a malformed Content-Length', options('y').replace('Content-Length: 0', 'Content-Length: zero')],
  ] as const) {
    test(`${name}: one 400, nothing after it is delivered, the connection closes`, async () => {
      const bads = l.tcp.stats.badCloses;
      const errors = l.errors.length;
      const p = await connect(l.port, '127.0.0.1');
      const after = `after-${l.errors.length}`;
      await p.write(bad + options(after));
      await waitFor(() => p.closed, 5000, 'the connection to be closed');
      assert.equal(l.errors.length, errors + 1);
      assert.equal(p.data.match(/SIP\/2\.0 400 /g)?.length, 1, `one 400: ${JSON.stringify(p.data)}`);
      assert.ok(!l.got.some((g) => g.callId === after), 'the message after it was not delivered');
      assert.equal(l.tcp.stats.badCloses, bads + 1);
    });
  }
});
