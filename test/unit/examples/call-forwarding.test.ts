/**
 * examples/routes/call-forwarding.ts through the route harness: cfu, cfb after 486, cfna after
 * no answer and when not registered, and the forwarded call tried only once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RouteHarness } from 'sipkit/routing/testing';
import route, { NO_ANSWER_MS } from '../../../examples/routes/call-forwarding.js';

function harness(prefs: Record<string, string>): RouteHarness {
  return new RouteHarness(route, {
    subscribers: { 'alice@example.com': 'alice-pw', 'bob@example.com': 'bob-pw' },
    preferences: { 'bob@example.com': prefs },
  });
}

/** A stranger calls bob (no authentication needed to reach our users). */
const call = { method: 'INVITE', ruri: 'sip:bob@example.com', from: 'sip:carol@elsewhere.org' };

describe('example route: call forwarding', () => {
  test('cfu: every call goes to the forwarding target', async () => {
    const h = harness({ cfu: '+4930555' });
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const run = await h.run(call);
    assert.deepEqual(run.relays[0]?.uris, ['sip:+4930555@example.com']);
  });

  test('cfb: busy forwards to voicemail; the voicemail busy goes up', async () => {
    const h = harness({ cfb: 'sip:vm@vm.example.net' });
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const run = await h.run(call);
    assert.equal(run.relays[0]!.timers.timerC, NO_ANSWER_MS);
    await run.relays[0]!.branches[0]!.respond(180);
    await run.relays[0]!.branches[0]!.respond(486);
    assert.deepEqual(run.relays[1]?.uris, ['sip:vm@vm.example.net']);
    await run.relays[1]!.branches[0]!.respond(486);
    assert.equal(run.relays.length, 2);
    assert.deepEqual(run.statuses, [100, 180, 486]);
  });

  test('cfna: no answer in time forwards; a 486 does not when only cfna is set', async () => {
    const h = harness({ cfna: 'carol@elsewhere.org' });
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    const noAnswer = await h.run(call);
    await noAnswer.relays[0]!.branches[0]!.timeout();
    assert.deepEqual(noAnswer.relays[1]?.uris, ['sip:carol@elsewhere.org']);
    const busy = await h.run(call);
    await busy.relays[0]!.branches[0]!.respond(486);
    assert.equal(busy.relays.length, 1);
    assert.equal(busy.status, 486);
  });

  test('not registered: cfna at once, else 480', async () => {
    assert.deepEqual((await harness({ cfna: 'sip:vm@vm.example.net' }).run(call)).relays[0]?.uris, [
      'sip:vm@vm.example.net',
    ]);
    assert.equal((await harness({}).run(call)).status, 480);
  });

  test('two phones ring in parallel; busy on both forwards once', async () => {
    const h = harness({ cfb: 'sip:vm@vm.example.net' });
    await h.register('bob@example.com', 'sip:bob@203.0.113.5');
    await h.register('bob@example.com', 'sip:bob@203.0.113.6');
    const run = await h.run(call);
    await run.relays[0]!.branches[0]!.respond(486);
    assert.equal(run.relays.length, 1, 'waits for every branch');
    await run.relays[0]!.branches[1]!.respond(486);
    assert.deepEqual(run.relays[1]?.uris, ['sip:vm@vm.example.net']);
  });
});
