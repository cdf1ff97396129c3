/**
 * examples/routes/hello-world.ts through the route harness.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RouteHarness } from 'sipkit/routing/testing';
import route from '../../../examples/routes/hello-world.js';

describe('example route: hello world', () => {
  test('an INVITE gets 200 Hello World', async () => {
    const run = await new RouteHarness(route).run({ method: 'INVITE', ruri: 'sip:bob@example.com', from: 'sip:a@b.c' });
    assert.deepEqual(run.statuses, [100, 200]);
    assert.equal(run.final!.reason, 'Hello World');
  });

  test('anything else is forwarded statelessly, from raw SIP text', async () => {
    const run = await new RouteHarness(route).run(`
MESSAGE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-1
Max-Forwards: 5
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: hello-1
CSeq: 1 MESSAGE
Content-Type: text/plain

hi`);
    assert.deepEqual(run.statuses, [], 'nothing answered: the next hop does');
    assert.equal(run.forwards.length, 1);
    assert.equal(run.forwards[0]!.request.get('max-forwards'), '4');
    assert.equal(run.forwards[0]!.request.uri, 'sip:bob@example.com');
  });
});
