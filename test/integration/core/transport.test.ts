/**
 * The transport layer on real loopback sockets: UDP and TCP over 127.0.0.1 and ::1 with port 0,
 * message sources, received/rport (RFC 3581) and response routing (RFC 3261 §18.2.2), TCP
 * framing across writes and several messages per write, the cut-off of hostile peers, CRLF
 * keep-alive, and connection reuse.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  createResponse,
  TransportLayer,
  type AnyMessage,
  type MessageSource,
  type SipParseError,
  type SipRequest,
} from '../../../src/core/index.js';
import { TcpPeer, UdpPeer, waitFor, sleep } from '../../helpers/net.js';

interface Received {
  msg: AnyMessage;
  source: MessageSource;
}

function options(via: string, callId = 'it-1', body = ''): string {
  return (
    `OPTIONS sip:server@example.com SIP/2.0\r\nVia: ${via}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:it@example.com>;tag=a\r\nTo: <sip:server@example.com>\r\nCall-ID: ${callId}\r\n` +
    `CSeq: 1 OPTIONS\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

describe('TransportLayer on loopback', () => {
  let layer: TransportLayer;
  const got: Received[] = [];
  const errors: Array<{ err: SipParseError; raw: Buffer; source: MessageSource }> = [];
  const port = (protocol: string, family: 4 | 6) => layer.find(protocol, family)!.localPort;

  before(async () => {
    layer = await TransportLayer.listen(['udp:127.0.0.1:0', 'tcp:127.0.0.1:0', 'udp:[::1]:0', 'tcp:[::1]:0'], {
      limits: { maxMessageSize: 8192, maxHeaderSize: 2048 },
      user: {
        onMessage: (msg, source) => void got.push({ msg, source }),
        onParseError: (err, raw, source) => void errors.push({ err, raw, source }),
      },
    });
  });
  after(() => layer.close());

  test('port 0 binds real ports, one listener per protocol and family', () => {
    assert.equal(layer.transports.length, 4);
    for (const t of layer.transports) {
      assert.ok(t.localPort > 0);
      assert.equal(t.sentBy.port, t.localPort);
    }
    assert.equal(layer.find('udp', 6)!.sentBy.host, '[::1]');
    assert.equal(layer.find('TCP', 4)!.reliable, true);
    assert.equal(layer.find('UDP', 4)!.reliable, false);
  });

  for (const [family, host] of [
    [4, '127.0.0.1'],
    [6, '::1'],
  ] as const) {
    test(`UDP over IPv${family}: source, received/rport, and the response goes to received:rport`, async () => {
      const peer = await UdpPeer.open(host);
      try {
        got.length = 0;
        // sent-by names another host and port: only received/rport can bring the response back.
        await peer.send(
          options('SIP/2.0/UDP client.invalid:5999;rport;branch=z9hG4bKu' + family),
          port('UDP', family),
          host,
        );
        await waitFor(() => got.length === 1, 3000, 'the request');
        const { msg, source } = got[0]!;
        assert.equal(source.protocol, 'UDP');
        assert.equal(source.remoteAddress, host);
        assert.equal(source.remotePort, peer.port);
        assert.equal(source.localAddress, host);
        assert.equal(source.localPort, port('UDP', family));
        assert.equal(source.connectionId, undefined);
        const via = msg.topVia()!;
        assert.equal(via.params.get('received'), host);
        assert.equal(via.params.get('rport'), String(peer.port));
        const target = layer.sendResponse(createResponse(msg as SipRequest, 200), source);
        assert.deepEqual([target.address, target.port], [host, peer.port]);
        await waitFor(() => peer.received.length === 1, 3000, 'the response');
        assert.match(peer.texts()[0]!, /^SIP\/2\.0 200 OK\r\n/);
        assert.match(peer.texts()[0]!, new RegExp(`;rport=${peer.port};branch=z9hG4bKu${family};received=`));
        assert.equal(peer.received[0]!.port, port('UDP', family), 'sent from the socket the request arrived on');
      } finally {
        await peer.close();
      }
    });

    test(`TCP over IPv${family}: connection id, response on the same connection`, async () => {
      const peer = await TcpPeer.connect(port('TCP', family), host);
      try {
        got.length = 0;
        await peer.write(options(`SIP/2.0/TCP ${family === 6 ? '[::1]' : host}:5999;branch=z9hG4bKt${family}`));
        await waitFor(() => got.length === 1, 3000, 'the request');
        const { msg, source } = got[0]!;
        assert.equal(source.protocol, 'TCP');
        assert.equal(source.remotePort, peer.localPort);
        assert.equal(typeof source.connectionId, 'number');
        assert.ok(source.transport.hasConnection(source.connectionId!));
        layer.sendResponse(createResponse(msg as SipRequest, 202), source);
        await waitFor(() => peer.data.includes('\r\n\r\n'), 3000, 'the response');
        assert.match(peer.data, /^SIP\/2\.0 202 Accepted\r\n/);
      } finally {
        peer.close();
      }
    });
  }

  test('UDP without rport: the response goes to the sent-by port (received added for the address)', async () => {
    const sender = await UdpPeer.open();
    const listener = await UdpPeer.open();
    try {
      got.length = 0;
      await sender.send(options(`SIP/2.0/UDP localhost:${listener.port};branch=z9hG4bKnr`), port('UDP', 4));
      await waitFor(() => got.length === 1);
      assert.equal(got[0]!.msg.topVia()!.params.get('received'), '127.0.0.1');
      layer.sendResponse(createResponse(got[0]!.msg as SipRequest, 200), got[0]!.source);
      await waitFor(() => listener.received.length === 1, 3000, 'the response at the sent-by port');
      assert.equal(sender.received.length, 0);
    } finally {
      await sender.close();
      await listener.close();
    }
  });

  test('TCP: a message written in pieces, and two messages in one write', async () => {
    const peer = await TcpPeer.connect(port('TCP', 4));
    try {
      got.length = 0;
      const m1 = options('SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKf1', 'frag-1', 'hello body');
      await peer.write(m1.slice(0, 10));
      await sleep(10);
      await peer.write(m1.slice(10, 137));
      await sleep(10);
      await peer.write(m1.slice(137, m1.length - 3));
      await sleep(10);
      assert.equal(got.length, 0, 'nothing before the last bytes of the body');
      await peer.write(m1.slice(m1.length - 3));
      await waitFor(() => got.length === 1);
      assert.equal(got[0]!.msg.body.toString(), 'hello body');

      const m2 = options('SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKf2', 'two-a', 'a');
      const m3 = options('SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKf3', 'two-b');
      await peer.write(m2 + m3);
      await waitFor(() => got.length === 3);
      assert.deepEqual(
        got.map((g) => g.msg.callId()),
        ['frag-1', 'two-a', 'two-b'],
      );
      assert.equal(new Set(got.map((g) => g.source.connectionId)).size, 1);
    } finally {
      peer.close();
    }
  });

  test('TCP: an endless header section is cut off (connection closed, counted, reported as 513)', async () => {
    const tcp = layer.find('TCP', 4)!;
    const cutOffs = tcp.stats.cutOffs;
    errors.length = 0;
    const peer = await TcpPeer.connect(port('TCP', 4));
    const peerPort = peer.localPort;
    await peer.write('INVITE sip:a@example.com SIP/2.0\r\n');
    for (let i = 0; i < 500 && !peer.closed; i++) await peer.write(`X-Filler-${i}: ${'z'.repeat(40)}\r\n`);
    await waitFor(() => peer.closed, 3000, 'the server to close the connection');
    assert.equal(tcp.stats.cutOffs, cutOffs + 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.err.status, 513);
    assert.equal(errors[0]!.source.remotePort, peerPort);
    assert.ok(errors[0]!.raw.toString('latin1').startsWith('INVITE sip:a@example.com'));
  });

  test('TCP: a huge Content-Length is cut off before the body arrives', async () => {
    const tcp = layer.find('TCP', 4)!;
    const cutOffs = tcp.stats.cutOffs;
    const peer = await TcpPeer.connect(port('TCP', 4));
    await peer.write(
      options('SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKbig').replace('Content-Length: 0', 'Content-Length: 100000000'),
    );
    await waitFor(() => peer.closed, 3000, 'the server to close the connection');
    assert.equal(tcp.stats.cutOffs, cutOffs + 1);
  });

  test('UDP: an oversize datagram is a 513 parse error', async () => {
    const peer = await UdpPeer.open();
    try {
      errors.length = 0;
      await peer.send(options('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKo', 'big', 'x'.repeat(9000)), port('UDP', 4));
      await waitFor(() => errors.length === 1);
      assert.equal(errors[0]!.err.status, 513);
    } finally {
      await peer.close();
    }
  });

  test('TCP: a CRLFCRLF ping is answered with a CRLF pong (RFC 5626 §3.5.1)', async () => {
    const peer = await TcpPeer.connect(port('TCP', 6), '::1');
    try {
      await peer.write('\r\n\r\n');
      await waitFor(() => peer.data === '\r\n', 3000, 'the pong');
      assert.equal(peer.closed, false);
    } finally {
      peer.close();
    }
  });
});

describe('TCP requests and connection reuse', () => {
  test('requests to one peer share a connection; a response to a closed connection opens one to received + sent-by port', async () => {
    const layer = await TransportLayer.listen(['tcp:127.0.0.1:0']);
    const accepted: Socket[] = [];
    const chunks: string[] = [];
    const server = createServer((s) => {
      accepted.push(s);
      s.on('data', (d) => chunks.push(d.toString('latin1')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const peerPort = (server.address() as { port: number }).port;
    try {
      const req = options('SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKr1');
      const { parseMessageText } = await import('../../../src/core/index.js');
      const r = parseMessageText(req) as SipRequest;
      layer.sendRequest(r, { protocol: 'TCP', address: '127.0.0.1', port: peerPort });
      layer.sendRequest(r, { protocol: 'TCP', address: '127.0.0.1', port: peerPort });
      await waitFor(() => chunks.join('').split('OPTIONS ').length === 3, 3000, 'two requests');
      assert.equal(accepted.length, 1, 'one connection for both requests');
      assert.equal(layer.find('TCP')!.connectionCount, 1);

      // A request arrived on a connection that is now closed; sent-by names the peer's listener.
      const got: Received[] = [];
      layer.user = { onMessage: (msg, source) => void got.push({ msg, source }) };
      const client = await TcpPeer.connect(layer.find('TCP')!.localPort);
      await client.write(options(`SIP/2.0/TCP 127.0.0.1:${peerPort};branch=z9hG4bKr2`, 'closed-conn'));
      await waitFor(() => got.length === 1);
      client.close();
      await waitFor(() => !got[0]!.source.transport.hasConnection(got[0]!.source.connectionId!), 3000, 'the close');
      const target = layer.sendResponse(createResponse(got[0]!.msg as SipRequest, 200), got[0]!.source);
      assert.deepEqual([target.address, target.port, target.connectionId], ['127.0.0.1', peerPort, undefined]);
      await waitFor(() => chunks.join('').includes('SIP/2.0 200 OK'), 3000, 'the response at the sent-by port');
    } finally {
      await layer.close();
      for (const s of accepted) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  test('a refused connection is reported to the send observer as SIP_ERR_CONNECT', async () => {
    const layer = await TransportLayer.listen(['tcp:127.0.0.1:0']);
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    try {
      const { parseMessageText } = await import('../../../src/core/index.js');
      const codes: string[] = [];
      layer.sendRequest(
        parseMessageText(options('SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKx')) as SipRequest,
        { protocol: 'TCP', address: '127.0.0.1', port: closedPort },
        { onSendError: (e) => void codes.push(e.code) },
      );
      await waitFor(() => codes.length === 1, 3000, 'the error');
      assert.deepEqual(codes, ['SIP_ERR_CONNECT']);
    } finally {
      await layer.close();
    }
  });

  test('a busy port is a clear TransportError', async () => {
    const a = await TransportLayer.listen(['udp:127.0.0.1:0']);
    try {
      await assert.rejects(
        TransportLayer.listen([`udp:127.0.0.1:${a.transports[0]!.localPort}`]),
        (e: Error & { code?: string }) => e.code === 'SIP_ERR_BAD_ADDRESS' && /Cannot bind/.test(e.message),
      );
    } finally {
      await a.close();
    }
  });
});
