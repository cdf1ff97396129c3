/**
 * NAT detection and routing targets (src/daemon/nat/nat.ts, Kamailio's nat_uac_test("19") and
 * fix_nated_register).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessageText, type MessageSource, type SipRequest } from '../../../../src/core/index.js';
import type { Binding } from '../../../../src/daemon/registrar/binding.js';
import { branchFor, isPrivateAddress, natReceived } from '../../../../src/daemon/nat/nat.js';

function register(via: string, contact: string): SipRequest {
  return parseMessageText(
    `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP ${via};branch=z9hG4bK1\r\nFrom: <sip:bob@example.com>;tag=1\r\n` +
      `To: <sip:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nContact: <${contact}>\r\nContent-Length: 0\r\n\r\n`,
  ) as SipRequest;
}

const source = (remoteAddress: string, remotePort: number, protocol = 'UDP'): MessageSource =>
  ({ protocol, remoteAddress, remotePort, localAddress: '198.51.100.1', localPort: 5060 }) as MessageSource;

describe('NAT detection (nat_uac_test 1 + 2 + 16)', () => {
  test('a phone reachable as written is not NAT’d', () => {
    assert.equal(
      natReceived(register('203.0.113.7:5060', 'sip:bob@203.0.113.7:5060'), source('203.0.113.7', 5060)),
      undefined,
    );
  });

  test('a private Contact is NAT’d: received is the real source', () => {
    const r = natReceived(register('10.0.0.5:5060', 'sip:bob@10.0.0.5:5060'), source('203.0.113.7', 40123));
    assert.equal(r, 'sip:203.0.113.7:40123;transport=udp');
  });

  test('a Via sent-by other than the source address or port means NAT', () => {
    assert.ok(natReceived(register('203.0.113.9:5060', 'sip:bob@203.0.113.9'), source('203.0.113.7', 5060)));
    assert.ok(natReceived(register('203.0.113.7:5060', 'sip:bob@203.0.113.7'), source('203.0.113.7', 5062)));
  });

  test('a registration for another device (third-party Contact, public) is not NAT’d', () => {
    // sipp on port 40000 registering its UAS at port 40008; a provisioning tool registering a desk phone.
    assert.equal(
      natReceived(register('127.0.0.1:40000', 'sip:bob@127.0.0.1:40008'), source('127.0.0.1', 40000)),
      undefined,
    );
    assert.equal(
      natReceived(register('203.0.113.7:5060', 'sip:bob@198.51.100.20'), source('203.0.113.7', 5060)),
      undefined,
    );
  });

  test('a TCP client (ephemeral source port) is reached over its connection; IPv6 sources in brackets', () => {
    assert.equal(
      natReceived(
        register('192.168.1.2:5060', 'sip:bob@192.168.1.2;transport=tcp'),
        source('2001:db8::7', 50000, 'TCP'),
      ),
      'sip:[2001:db8::7]:50000;transport=tcp',
    );
  });

  test('private ranges', () => {
    for (const ip of ['10.1.2.3', '192.168.0.1', '172.16.0.1', '172.31.255.255', '100.64.0.1', 'fd00::1'])
      assert.ok(isPrivateAddress(ip), ip);
    for (const ip of ['172.32.0.1', '100.128.0.1', '8.8.8.8', '2001:db8::1']) assert.ok(!isPrivateAddress(ip), ip);
  });

  test('branchFor: the Contact stays the Request-URI, a NAT’d binding is sent to received (with its connection)', () => {
    const b = {
      contact: 'sip:bob@10.0.0.5:5060',
      received: 'sip:[2001:db8::7]:50000;transport=tcp',
      connectionId: 12,
      path: undefined,
    } as unknown as Binding;
    assert.deepEqual(branchFor(b), {
      uri: 'sip:bob@10.0.0.5:5060',
      registered: true,
      destination: { address: '2001:db8::7', port: 50000, protocol: 'TCP', connectionId: 12 },
    });
    assert.deepEqual(branchFor({ ...b, received: undefined, path: '<sip:edge.example.com;lr>' }), {
      uri: 'sip:bob@10.0.0.5:5060',
      registered: true,
      path: '<sip:edge.example.com;lr>',
    });
  });
});
