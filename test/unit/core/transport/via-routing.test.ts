/**
 * received/rport on receipt (RFC 3261 §18.2.1, RFC 3581 §4) and response routing (§18.2.2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseMessageText,
  parseVia,
  responseRoute,
  serialize,
  stampReceived,
  viaFor,
  type MessageSource,
  type SipRequest,
} from '../../../../src/core/index.js';
import { MemoryTransport, crlf } from '../../../helpers/memory-transport.js';

const udp = new MemoryTransport();
const tcp = new MemoryTransport({ protocol: 'TCP' });

function source(t: MemoryTransport, remoteAddress: string, remotePort: number, connectionId?: number): MessageSource {
  return {
    transport: t,
    protocol: t.protocol,
    localAddress: t.localAddress,
    localPort: t.localPort,
    remoteAddress,
    remotePort,
    connectionId,
  };
}

function request(via: string): SipRequest {
  return parseMessageText(
    crlf(`OPTIONS sip:b@example.com SIP/2.0
Via: ${via}
Via: SIP/2.0/UDP upstream.example.com;branch=z9hG4bKup
From: <sip:a@example.com>;tag=1
To: <sip:b@example.com>
Call-ID: abc
CSeq: 1 OPTIONS
Content-Length: 0

`),
  ) as SipRequest;
}

describe('stampReceived', () => {
  test('sent-by equal to the source address: Via untouched (bytes unchanged)', () => {
    const r = request('SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1');
    const before = serialize(r);
    assert.equal(stampReceived(r, source(udp, '198.51.100.7', 5060)), false);
    assert.deepEqual(serialize(r), before);
  });

  test('a host name or another address gets received', () => {
    const r = request('SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1');
    assert.equal(stampReceived(r, source(udp, '198.51.100.7', 5060)), true);
    assert.equal(r.getAll('via')[0], 'SIP/2.0/UDP pc33.example.com;branch=z9hG4bK1;received=198.51.100.7');
    assert.equal(r.getAll('via')[1], 'SIP/2.0/UDP upstream.example.com;branch=z9hG4bKup', 'only the top Via changes');
  });

  test('an empty rport is filled and received added even for the same address (RFC 3581)', () => {
    const r = request('SIP/2.0/UDP 198.51.100.7:5060;rport;branch=z9hG4bK1');
    stampReceived(r, source(udp, '198.51.100.7', 40123));
    assert.equal(r.getAll('via')[0], 'SIP/2.0/UDP 198.51.100.7:5060;rport=40123;branch=z9hG4bK1;received=198.51.100.7');
  });

  test('IPv6: compressed forms compare equal; received is written without brackets', () => {
    const same = request('SIP/2.0/UDP [2001:db8:0:0::1]:5060;branch=z9hG4bK1');
    assert.equal(stampReceived(same, source(udp, '2001:db8::1', 5060)), false);
    const other = request('SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1');
    stampReceived(other, source(udp, '2001:db8::9', 5060));
    assert.equal(other.topVia()!.params.get('received'), '2001:db8::9');
  });
});

describe('responseRoute (§18.2.2)', () => {
  const via = (s: string) => parseVia(s);

  test('unreliable: received + rport', () => {
    const r = responseRoute(
      via('SIP/2.0/UDP 10.0.0.1:5060;rport=40000;received=203.0.113.5;branch=z9hG4bK1'),
      undefined,
    );
    assert.deepEqual(r, { protocol: 'UDP', address: '203.0.113.5', port: 40000, connectionId: undefined });
  });

  test('unreliable: received + sent-by port (or 5060)', () => {
    assert.equal(responseRoute(via('SIP/2.0/UDP host.example.com:5080;received=203.0.113.5'), undefined).port, 5080);
    const r = responseRoute(via('SIP/2.0/UDP host.example.com;received=203.0.113.5'), undefined);
    assert.deepEqual([r.address, r.port], ['203.0.113.5', 5060]);
  });

  test('unreliable: maddr wins', () => {
    const r = responseRoute(via('SIP/2.0/UDP h:5070;maddr=239.255.255.1;received=203.0.113.5;rport=1'), undefined);
    assert.deepEqual([r.address, r.port], ['239.255.255.1', 5070]);
  });

  test('a datagram with a maddr (or a foreign sent-by) is answered to its source, not to a third party', () => {
    const v = via('SIP/2.0/UDP 192.0.2.50:5070;maddr=192.0.2.99;received=203.0.113.5;branch=z9hG4bK1');
    assert.deepEqual(responseRoute(v, source(udp, '203.0.113.5', 40000)), {
      protocol: 'UDP',
      address: '203.0.113.5',
      port: 5070,
      connectionId: undefined,
    });
    const r = via('SIP/2.0/UDP 192.0.2.50:5070;maddr=192.0.2.99;received=203.0.113.5;rport=40000;branch=z9hG4bK1');
    assert.deepEqual(responseRoute(r, source(udp, '203.0.113.5', 40000)).address, '203.0.113.5');
  });

  test('unreliable: plain sent-by', () => {
    const r = responseRoute(via('SIP/2.0/UDP [2001:db8::5]:5062;branch=z9hG4bK1'), undefined);
    assert.deepEqual([r.address, r.port], ['2001:db8::5', 5062]);
  });

  test('reliable: the request connection while open, else received + sent-by port', () => {
    const v = via('SIP/2.0/TCP 10.0.0.1:5090;received=203.0.113.5;rport=41000;branch=z9hG4bK1');
    const src = source(tcp, '203.0.113.5', 41000, 17);
    tcp.openConnections.add(17);
    assert.deepEqual(responseRoute(v, src), { protocol: 'TCP', address: '203.0.113.5', port: 41000, connectionId: 17 });
    tcp.closeConnection(17);
    assert.deepEqual(responseRoute(v, src), {
      protocol: 'TCP',
      address: '203.0.113.5',
      port: 5090,
      connectionId: undefined,
    });
  });

  test('the arrival wins: a UDP request whose Via says TCP (or TLS, SCTP) is answered over UDP to its source', () => {
    for (const proto of ['TCP', 'TLS', 'SCTP']) {
      const v = via(`SIP/2.0/${proto} 10.0.0.1:5090;received=203.0.113.5;branch=z9hG4bK1`);
      assert.deepEqual(responseRoute(v, source(udp, '203.0.113.5', 40000)), {
        protocol: 'UDP',
        address: '203.0.113.5',
        port: 40000,
        connectionId: undefined,
      });
    }
  });

  test('the arrival wins: a TCP request whose Via says UDP is answered on its connection', () => {
    const v = via('SIP/2.0/UDP 10.0.0.1:5090;received=203.0.113.5;rport=41000;maddr=192.0.2.99;branch=z9hG4bK1');
    tcp.openConnections.add(18);
    assert.deepEqual(responseRoute(v, source(tcp, '203.0.113.5', 41000, 18)), {
      protocol: 'TCP',
      address: '203.0.113.5',
      port: 41000,
      connectionId: 18,
    });
    // Closed: a new TCP connection to the source address and the sent-by port (§18.2.2), never UDP.
    tcp.closeConnection(18);
    assert.deepEqual(responseRoute(v, source(tcp, '203.0.113.5', 41000, 18)), {
      protocol: 'TCP',
      address: '203.0.113.5',
      port: 5090,
      connectionId: undefined,
    });
  });

  test('a UDP request whose Via says UDP keeps the RFC rules (received + rport, or the sent-by port)', () => {
    const src = source(udp, '203.0.113.5', 40000);
    assert.equal(responseRoute(via('SIP/2.0/UDP 10.0.0.1:5090;received=203.0.113.5;rport=40000'), src).port, 40000);
    assert.equal(responseRoute(via('SIP/2.0/UDP 10.0.0.1:5090;received=203.0.113.5'), src).port, 5090);
  });

  test('viaFor writes sent-by, branch and rport', () => {
    assert.equal(viaFor(udp, 'z9hG4bKx'), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport');
    assert.equal(viaFor(tcp, 'z9hG4bKy', { rport: false }), 'SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKy');
  });
});
