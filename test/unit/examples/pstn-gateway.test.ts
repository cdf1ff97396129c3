/**
 * examples/routes/pstn-gateway.ts through the route harness: numbers to the gateway for the
 * `pstn` group only, with P-Asserted-Identity, failover to the second gateway on 503 or timeout.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RouteHarness } from 'sipkit/routing/testing';
import route from '../../../examples/routes/pstn-gateway.js';

function harness(): RouteHarness {
  return new RouteHarness(route, {
    subscribers: { 'alice@example.com': 'alice-pw', 'bob@example.com': 'bob-pw' },
    groups: { 'alice@example.com': ['pstn'] },
  });
}

const dial = (from: string) => ({
  method: 'INVITE',
  ruri: 'sip:+4930123456@example.com',
  from: `sip:${from}@example.com`,
  headers: [['P-Asserted-Identity', '<sip:ceo@example.com>']] as const,
});

describe('example route: PSTN gateway by prefix', () => {
  test('a number from a pstn user goes to the first gateway, with the identity asserted', async () => {
    const h = harness();
    const first = await h.run(dial('alice'));
    assert.equal(first.status, 407);
    const run = await first.retryWithCredentials('alice', 'alice-pw');
    const b = run.relays[0]!.branches[0]!;
    assert.equal(b.uri, 'sip:+4930123456@pstn.example.net');
    assert.equal(b.destination, 'sip:203.0.113.50:5060;transport=udp');
    assert.deepEqual(b.request!.getAll('p-asserted-identity'), ['<sip:alice@example.com>']);
    assert.equal(run.relays[0]!.timers.fr, 5000);
  });

  test('403 for a user outside the pstn group', async () => {
    const run = await (await harness().run(dial('bob'))).retryWithCredentials('bob', 'bob-pw');
    assert.equal(run.status, 403);
    assert.equal(run.relays.length, 0);
  });

  test('503 from the first gateway: failover to the second; its 503 goes up as 500', async () => {
    const run = await (await harness().run(dial('alice'))).retryWithCredentials('alice', 'alice-pw');
    await run.relays[0]!.branches[0]!.respond(503);
    assert.equal(run.relays[1]?.branches[0]!.destination, 'sip:203.0.113.51:5060;transport=udp');
    await run.relays[1]!.branches[0]!.respond(503);
    assert.equal(run.relays.length, 2);
    assert.deepEqual(run.statuses, [100, 500]);
  });

  test('a timeout fails over too; a 486 does not', async () => {
    const h = harness();
    const slow = await (await h.run(dial('alice'))).retryWithCredentials('alice', 'alice-pw');
    await slow.relays[0]!.branches[0]!.timeout();
    assert.equal(slow.relays.length, 2);
    await slow.relays[1]!.branches[0]!.respond(200);
    assert.deepEqual(slow.statuses, [100, 200]);
    const busy = await (await h.run(dial('alice'))).retryWithCredentials('alice', 'alice-pw');
    await busy.relays[0]!.branches[0]!.respond(486);
    assert.equal(busy.relays.length, 1);
    assert.equal(busy.status, 486);
  });

  test('a SIP user is looked up in the location table', async () => {
    const h = harness();
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const run = await (
      await h.run({ method: 'INVITE', ruri: 'sip:bob@example.com', from: 'sip:alice@example.com' })
    ).retryWithCredentials('alice', 'alice-pw');
    assert.deepEqual(run.relays[0]?.uris, ['sip:bob@203.0.113.5']);
  });
});
