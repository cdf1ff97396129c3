/** kamctl rpc's parameter typing, the AVP filters and types, contact and ping URI parsing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { parseAvpType, toFilter } from '../../../src/ctl/avps.js';
import { parsePingUri } from '../../../src/ctl/ping.js';
import { rpcParams, typeParam } from '../../../src/ctl/runtime.js';
import { parseContact, transportOf } from '../../../src/ctl/ul.js';

const isUsage = (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.USAGE;

test('rpc parameters: numbers as numbers, s: forces a string, i: an integer', () => {
  assert.deepEqual(
    ['30', '-4', '+7', '1.5', '.5', '1e3', 's:30', 'i:12', 'abc', 'sip:a@b', '0x10', '', 's:'].map(typeParam),
    [30, -4, 7, 1.5, 0.5, 1000, '30', 12, 'abc', 'sip:a@b', '0x10', '', ''],
  );
  assert.throws(() => typeParam('i:1.5'), isUsage);
  assert.throws(() => typeParam('i:x'), isUsage);
  assert.equal(rpcParams([]), undefined, 'no params member without parameters');
  assert.deepEqual(rpcParams([], '[1,"a"]'), [1, 'a']);
  assert.deepEqual(rpcParams([], '{"aor":"a@b"}'), { aor: 'a@b' });
  assert.throws(() => rpcParams(['x'], '[1]'), isUsage);
  assert.throws(() => rpcParams([], '42'), isUsage);
  assert.throws(() => rpcParams([], 'null'), isUsage);
  assert.throws(() => rpcParams([], '{oops'), isUsage);
});

test('AVP filters: -u user@domain is an AoR (domain lower-cased), anything else a uuid; types 0..3', () => {
  assert.deepEqual(toFilter({ owner: 'alice@Example.com', attribute: 'fwd', type: 0 }), {
    username: 'alice',
    domain: 'example.com',
    attribute: 'fwd',
    type: 0,
  });
  assert.deepEqual(toFilter({ owner: '7f3a-uuid', table: 't1', value: 'v' }), {
    table: 't1',
    uuid: '7f3a-uuid',
    value: 'v',
  });
  assert.deepEqual(toFilter({}), {});
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => parseAvpType(String(n))),
    [0, 1, 2, 3],
  );
  for (const bad of ['4', '-1', 'x', '1.0', '']) assert.throws(() => parseAvpType(bad), isUsage, bad);
});

test('contacts: sip:/sips: URIs, angle brackets removed; the transport shown', () => {
  assert.equal(parseContact('<sip:alice@192.0.2.1:5060;transport=tcp>'), 'sip:alice@192.0.2.1:5060;transport=tcp');
  assert.equal(parseContact(' sips:alice@example.com '), 'sips:alice@example.com');
  for (const bad of ['mailto:a@b', 'alice@192.0.2.1', 'sip:', 'tel:+123'])
    assert.throws(() => parseContact(bad), isUsage, bad);
  assert.equal(transportOf({ socket: 'tcp:127.0.0.1:5060', address: 'sip:a@b' }), 'tcp');
  assert.equal(transportOf({ socket: null, address: 'sip:a@b;transport=TCP' }), 'tcp');
  assert.equal(transportOf({ socket: null, address: 'sips:a@b' }), 'tls');
  assert.equal(transportOf({ socket: null, address: 'sip:a@b' }), 'udp');
});

test('ping URIs: sip: with an optional transport udp/tcp; host[:port] alone is taken as sip:', () => {
  assert.equal(parsePingUri('sip:127.0.0.1:5060').port, 5060);
  assert.equal(parsePingUri('127.0.0.1:5070').host, '127.0.0.1');
  assert.equal(parsePingUri('proxy.example.com').host, 'proxy.example.com');
  assert.equal(parsePingUri('sip:a@h;transport=TCP').params.get('transport'), 'TCP');
  for (const bad of ['sips:h', 'sip:h;transport=tls', 'sip:h;transport=ws', 'tel:+1', 'sip:', 'http://x']) {
    assert.throws(() => parsePingUri(bad), isUsage, bad);
  }
});
