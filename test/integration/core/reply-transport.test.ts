/**
 * Replies go where the request came from (RFC 3261 §18.2.2, RFC 3581), on real loopback sockets,
 * through a TransportLayer and TransactionLayer answering every request with 200 (as sipd does):
 * a UDP request whose Via names TCP (or TLS, SCTP) is answered over UDP to its source, and no
 * TCP connection is attempted to the address and port its Via names; a TCP request whose Via
 * names UDP is answered on its connection, and nothing is sent over UDP.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TransactionLayer, TransportLayer } from '../../../src/core/index.js';
import { TcpPeer, UdpPeer, sleep, waitFor } from '../../helpers/net.js';

function options(via: string, callId: string): string {
  return (
    `OPTIONS sip:server@example.com SIP/2.0\r\nVia: ${via}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:it@example.com>;tag=a\r\nTo: <sip:server@example.com>\r\nCall-ID: ${callId}\r\n` +
    `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}

/** A TCP server on 127.0.0.1:port that counts the connections it is offered. */
function tcpTrap(port: number): Promise<{ server: Server; connections: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, connections: () => n }));
  });
}

describe('replies go where the request came from', () => {
  let layer: TransportLayer;
  let tl: TransactionLayer;
  const answered: string[] = [];
  let udpPort: number;
  let tcpPort: number;

  before(async () => {
    layer = await TransportLayer.listen(['udp:127.0.0.1:0', 'tcp:127.0.0.1:0']);
    tl = new TransactionLayer({
      transport: layer,
      user: {
        onRequest: (req, source) => {
          answered.push(req.callId());
          tl.createServerTransaction(req, source).reply(200);
        },
      },
    });
    udpPort = layer.find('UDP')!.localPort;
    tcpPort = layer.find('TCP')!.localPort;
  });
  after(async () => {
    tl.close();
    await layer.close();
  });

  for (const proto of ['TCP', 'TLS', 'SCTP']) {
    test(`UDP request with Via SIP/2.0/${proto}: answered over UDP to its source, no connection attempted`, async () => {
      const peer = await UdpPeer.open();
      // A TCP listener where the Via says the sender is: the old behaviour connected there.
      const trap = await tcpTrap(peer.port);
      try {
        const callId = `udp-via-${proto}`;
        await peer.send(options(`SIP/2.0/${proto} 127.0.0.1:${peer.port};branch=z9hG4bK${callId}`, callId), udpPort);
        await waitFor(() => peer.received.length > 0, 5000, 'the answer over UDP');
        const text = peer.texts()[0]!;
        assert.match(text, /^SIP\/2\.0 200 /);
        assert.match(text, new RegExp(`Call-ID: ${callId}`));
        assert.equal(peer.received[0]!.port, udpPort, 'from the socket the request arrived on');
        await sleep(300);
        assert.equal(trap.connections(), 0, 'no TCP connection was opened to the Via address');
        assert.equal(layer.find('TCP')!.connectionCount, 0);
      } finally {
        trap.server.close();
        await peer.close();
      }
    });
  }

  test('UDP request with Via SIP/2.0/TCP and rport: answered over UDP to the source port', async () => {
    const peer = await UdpPeer.open();
    try {
      await peer.send(options('SIP/2.0/TCP 192.0.2.1:5070;branch=z9hG4bKrp;rport', 'udp-rport'), udpPort);
      await waitFor(() => peer.received.length > 0, 5000, 'the answer over UDP');
      assert.match(peer.texts()[0]!, /^SIP\/2\.0 200 /);
    } finally {
      await peer.close();
    }
  });

  for (const proto of ['UDP', 'SCTP']) {
    test(`TCP request with Via SIP/2.0/${proto}: answered on its connection, nothing over UDP`, async () => {
      const udp = await UdpPeer.open();
      const tcp = await TcpPeer.connect(tcpPort);
      try {
        const callId = `tcp-via-${proto}`;
        // The Via names the UDP peer's port: the old behaviour answered there.
        await tcp.write(options(`SIP/2.0/${proto} 127.0.0.1:${udp.port};branch=z9hG4bK${callId};rport`, callId));
        await waitFor(() => tcp.data.includes('\r\n\r\n'), 5000, 'the answer on the connection');
        assert.match(tcp.data, /^SIP\/2\.0 200 /);
        assert.match(tcp.data, new RegExp(`Call-ID: ${callId}`));
        await sleep(300);
        assert.equal(udp.received.length, 0, 'nothing arrived over UDP');
        assert.equal(layer.find('TCP')!.connectionCount, 1, 'no second connection');
      } finally {
        tcp.close();
        await udp.close();
      }
    });
  }

  test('a UDP request with a UDP Via still follows the RFC: without rport, the sent-by port', async () => {
    const peer = await UdpPeer.open();
    const other = await UdpPeer.open();
    try {
      await peer.send(options(`SIP/2.0/UDP 127.0.0.1:${other.port};branch=z9hG4bKsb`, 'udp-sentby'), udpPort);
      await waitFor(() => other.received.length > 0, 5000, 'the answer at the sent-by port');
      assert.equal(peer.received.length, 0);
      assert.equal(answered.includes('udp-sentby'), true);
      const res = other.texts()[0]!;
      assert.match(res, /^SIP\/2\.0 200 /);
    } finally {
      await peer.close();
      await other.close();
    }
  });
});
