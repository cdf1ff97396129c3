/**
 * sipd's default route (src/daemon/routing/default-route.ts) through the route harness
 * (sipkit/routing/testing): authentication of local callers, relaying to registered contacts,
 * the answers for unknown and unregistered users, no open relay, forwarding on busy.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultRoute } from 'sipkit/routing';
import { RouteHarness } from 'sipkit/routing/testing';

function harness(): RouteHarness {
  return new RouteHarness(defaultRoute, {
    domains: ['example.com'],
    subscribers: { 'alice@example.com': 'alice-pw', 'bob@example.com': 'bob-pw', 'carol@example.com': 'carol-pw' },
    aliases: { '1001@example.com': 'bob@example.com' },
    preferences: { 'bob@example.com': { cfb: 'sip:voicemail@vm.example.net' } },
  });
}

const invite = (to: string, from = 'sip:alice@example.com') => ({
  method: 'INVITE',
  ruri: to,
  from,
  body: 'v=0\r\no=- 1 1 IN IP4 198.51.100.10\r\ns=-\r\nc=IN IP4 198.51.100.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
});

describe('default route', () => {
  test('a local caller without credentials gets 407 with a Digest challenge, nothing is relayed', async () => {
    const run = await harness().run(invite('sip:bob@example.com'));
    assert.deepEqual(run.statuses, [100, 407]);
    assert.match(run.final!.get('proxy-authenticate') ?? '', /^Digest realm="example.com"/);
    assert.equal(run.relays.length, 0);
  });

  test('with credentials: relayed to the registered contacts with Record-Route, credentials consumed', async () => {
    const h = harness();
    await h.register('bob@example.com', 'sip:bob@203.0.113.5:5060');
    await h.register('bob@example.com', 'sip:bob@203.0.113.6:5070', { q: 0.5 });
    const challenged = await h.run(invite('sip:bob@example.com'));
    const run = await challenged.retryWithCredentials('alice', 'alice-pw');
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.ctx.user, { username: 'alice', domain: 'example.com' });
    assert.equal(run.relays.length, 1);
    const relay = run.relays[0]!;
    assert.deepEqual(relay.uris, ['sip:bob@203.0.113.5:5060', 'sip:bob@203.0.113.6:5070']);
    assert.equal(relay.recordRoute, true);
    const sent = relay.branches[0]!.request!;
    assert.match(sent.get('record-route') ?? '', /^<sip:192\.0\.2\.1(:5060)?;.*lr/);
    assert.equal(sent.get('proxy-authorization'), undefined, 'our credentials are not passed on');
    assert.equal(sent.get('max-forwards'), '69');
    await relay.branches[0]!.respond(180);
    await relay.branches[0]!.respond(200);
    assert.deepEqual(run.statuses, [100, 180, 200]);
    assert.deepEqual(relay.branches[1]!.final?.status, 487, 'the other branch is cancelled');
  });

  test('a wrong password gets a new challenge', async () => {
    const h = harness();
    const run = await (await h.run(invite('sip:bob@example.com'))).retryWithCredentials('alice', 'wrong');
    assert.equal(run.status, 407);
    assert.equal(run.relays.length, 0);
  });

  test('404 for a user that does not exist, 480 for one not registered', async () => {
    const h = harness();
    const unknown = await (await h.run(invite('sip:nobody@example.com'))).retryWithCredentials('alice', 'alice-pw');
    assert.equal(unknown.status, 404);
    const carol = await (await h.run(invite('sip:carol@example.com'))).retryWithCredentials('alice', 'alice-pw');
    assert.equal(carol.status, 480);
  });

  test('an alias reaches its subscriber', async () => {
    const h = harness();
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const run = await (await h.run(invite('sip:1001@example.com'))).retryWithCredentials('alice', 'alice-pw');
    assert.deepEqual(run.relays[0]?.uris, ['sip:bob@203.0.113.5']);
  });

  test('a stranger may call our registered users without credentials', async () => {
    const h = harness();
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const run = await h.run(invite('sip:bob@example.com', 'sip:mallory@elsewhere.org'));
    assert.equal(run.ctx.user, undefined);
    assert.deepEqual(run.relays[0]?.uris, ['sip:bob@203.0.113.5']);
  });

  test('403 Relaying Forbidden for a stranger to a foreign domain', async () => {
    const run = await harness().run(invite('sip:someone@foreign.net', 'sip:mallory@elsewhere.org'));
    assert.equal(run.status, 403);
    assert.equal(run.final!.reason, 'Relaying Forbidden');
    assert.equal(run.relays.length, 0);
  });

  test('a stranger with a preloaded Route is refused', async () => {
    const h = harness();
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const run = await h.run({
      ...invite('sip:bob@example.com', 'sip:mallory@elsewhere.org'),
      headers: [['Route', '<sip:victim.example.net;lr>']],
    });
    assert.equal(run.status, 403);
    assert.match(run.final!.reason, /Preload Route/);
    assert.equal(h.services.relayDenials.count, 1, 'counted in security.relay_denied');
  });

  test('busy: forwarded to the cfb target after 486, and only once', async () => {
    const h = harness();
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const run = await (await h.run(invite('sip:bob@example.com'))).retryWithCredentials('alice', 'alice-pw');
    await run.relays[0]!.branches[0]!.respond(486, 'Busy Here');
    assert.equal(run.relays.length, 2, 'the failure hook relayed again');
    assert.deepEqual(run.relays[1]!.uris, ['sip:voicemail@vm.example.net']);
    assert.deepEqual(run.statuses, [100], 'the 486 did not go up');
    await run.relays[1]!.branches[0]!.respond(486);
    assert.equal(run.relays.length, 2, 'no second forwarding');
    assert.deepEqual(run.statuses, [100, 486]);
  });

  test('REGISTER: 401, then stored with the 200 listing the binding; then reachable', async () => {
    const h = harness();
    const register = { method: 'REGISTER', ruri: 'sip:example.com', from: 'sip:carol@example.com' };
    const first = await h.run(register);
    assert.equal(first.status, 401);
    const ok = await first.retryWithCredentials('carol', 'carol-pw');
    assert.equal(ok.status, 200);
    assert.match(ok.final!.get('contact') ?? '', /sip:carol@198\.51\.100\.10:5060/);
    const call = await (await h.run(invite('sip:carol@example.com'))).retryWithCredentials('alice', 'alice-pw');
    assert.deepEqual(call.relays[0]?.uris, ['sip:carol@198.51.100.10:5060']);
  });

  test('OPTIONS for sipd itself: 200 with Allow, no authentication', async () => {
    const run = await harness().run({ method: 'OPTIONS', ruri: 'sip:example.com', from: 'sip:alice@example.com' });
    assert.equal(run.status, 200);
    assert.match(run.final!.get('allow') ?? '', /INVITE/);
  });
});
