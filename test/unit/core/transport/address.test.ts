/** Listen specifications and IP comparison. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatListenSpec, parseListenSpec, sameIp, normalizeIp, TransportError } from '../../../../src/core/index.js';

describe('parseListenSpec', () => {
  test('protocol, IPv4 or bracketed IPv6, port (0 allowed, default 5060)', () => {
    assert.deepEqual(parseListenSpec('udp:127.0.0.1:5070'), { protocol: 'UDP', host: '127.0.0.1', port: 5070 });
    assert.deepEqual(parseListenSpec('tcp:[::1]:0'), { protocol: 'TCP', host: '::1', port: 0 });
    assert.deepEqual(parseListenSpec('TCP:0.0.0.0'), { protocol: 'TCP', host: '0.0.0.0', port: 5060 });
    assert.deepEqual(parseListenSpec('udp:[::]'), { protocol: 'UDP', host: '::', port: 5060 });
  });

  test('advertise option', () => {
    assert.deepEqual(parseListenSpec('udp:0.0.0.0:5060;advertise=sip.example.com'), {
      protocol: 'UDP',
      host: '0.0.0.0',
      port: 5060,
      advertise: { host: 'sip.example.com', port: 5060 },
    });
    assert.deepEqual(parseListenSpec('udp:10.0.0.5:5060;advertise=203.0.113.9:15060').advertise, {
      host: '203.0.113.9',
      port: 15060,
    });
  });

  test('bad specs are TransportErrors with code SIP_ERR_BAD_ADDRESS', () => {
    for (const s of [
      '127.0.0.1:5060',
      'sctp:1.2.3.4:5060',
      'udp:::1:5060',
      'udp:example.com:5060',
      'udp:1.2.3.4:70000',
      'udp:1.2.3.4:x',
      'udp:[::1',
      'udp:1.2.3.4;foo=1',
    ]) {
      assert.throws(
        () => parseListenSpec(s),
        (e: unknown) => e instanceof TransportError && e.code === 'SIP_ERR_BAD_ADDRESS',
        s,
      );
    }
  });

  test('formatListenSpec round trip', () => {
    for (const s of ['udp:127.0.0.1:5070', 'tcp:[::1]:0', 'udp:[2001:db8::1]:5060'])
      assert.equal(formatListenSpec(parseListenSpec(s)), s);
  });
});

describe('IP comparison', () => {
  test('sameIp ignores brackets, case, IPv6 compression and IPv4 mapping', () => {
    assert.ok(sameIp('[::1]', '::1'));
    assert.ok(sameIp('2001:DB8::1', '2001:db8:0:0:0:0:0:1'));
    assert.ok(sameIp('::ffff:192.0.2.1', '192.0.2.1'));
    assert.ok(sameIp('2001:db8::c000:201', '2001:db8::192.0.2.1'));
    assert.ok(!sameIp('192.0.2.1', '192.0.2.10'));
    assert.ok(!sameIp('example.com', '192.0.2.1'));
    assert.ok(!sameIp('2001:db8::1', '2001:db8::2'));
  });

  test('normalizeIp', () => {
    assert.equal(normalizeIp('[2001:DB8::1]'), '2001:db8::1');
    assert.equal(normalizeIp('::ffff:10.1.2.3'), '10.1.2.3');
  });
});
