/**
 * examples/routes/mysql-auth.ts through the route harness: registrar with digest authentication,
 * authenticated calls to registered users with Record-Route, and the dialog's BYE along it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RouteHarness } from 'sipkit/routing/testing';
import route from '../../../examples/routes/mysql-auth.js';

const users = { 'alice@example.com': 'alice-pw', 'bob@example.com': 'bob-pw' };
const invite = { method: 'INVITE', ruri: 'sip:bob@example.com', from: 'sip:alice@example.com' };

describe('example route: MySQL and authentication', () => {
  test('REGISTER is challenged (401), then stored', async () => {
    const h = new RouteHarness(route, { subscribers: users });
    const run = await h.run({ method: 'REGISTER', ruri: 'sip:example.com', from: 'sip:bob@example.com' });
    assert.equal(run.status, 401);
    assert.equal((await run.retryWithCredentials('bob', 'bob-pw')).status, 200);
    assert.equal((await run.retryWithCredentials('bob', 'nope')).status, 401);
  });

  test('someone else cannot register bob', async () => {
    const h = new RouteHarness(route, { subscribers: users });
    const run = await h.run({ method: 'REGISTER', ruri: 'sip:example.com', from: 'sip:bob@example.com' });
    assert.equal((await run.retryWithCredentials('alice', 'alice-pw')).status, 403);
  });

  test('an INVITE from our domain needs credentials', async () => {
    const run = await new RouteHarness(route, { subscribers: users }).run(invite);
    assert.equal(run.status, 407);
    assert.equal(run.relays.length, 0);
  });

  test('authenticated: relayed to the registered contact with Record-Route; 404 when not registered', async () => {
    const h = new RouteHarness(route, { subscribers: users });
    assert.equal((await (await h.run(invite)).retryWithCredentials('alice', 'alice-pw')).status, 404);
    await h.register('bob@example.com', 'sip:bob@203.0.113.5:5062');
    const run = await (await h.run(invite)).retryWithCredentials('alice', 'alice-pw');
    assert.deepEqual(run.relays[0]?.uris, ['sip:bob@203.0.113.5:5062']);
    assert.ok(run.relays[0]!.branches[0]!.request!.has('record-route'));
  });

  test("the dialog's BYE follows the signed Record-Route; an unsigned one is refused", async () => {
    const h = new RouteHarness(route, { subscribers: users });
    await h.register('bob@example.com', 'sip:bob@203.0.113.5:5062');
    const call = await (await h.run(invite)).retryWithCredentials('alice', 'alice-pw');
    const sent = call.relays[0]!.branches[0]!.request!;
    const rr = sent.get('record-route')!;
    const bye = (route: string) => ({
      method: 'BYE',
      ruri: 'sip:bob@203.0.113.5:5062',
      from: sent.get('from')!,
      to: `<sip:bob@example.com>;tag=callee`,
      callId: sent.callId(),
      cseq: 2,
      headers: [['Route', route]] as const,
    });
    const ok = await h.run(bye(rr));
    assert.deepEqual(ok.relays[0]?.uris, ['sip:bob@203.0.113.5:5062']);
    assert.equal(ok.relays[0]!.branches[0]!.request!.has('route'), false, 'our Route value removed');
    const forged = await h.run(bye('<sip:192.0.2.1;lr>'));
    assert.equal(forged.status, 403);
  });
});
