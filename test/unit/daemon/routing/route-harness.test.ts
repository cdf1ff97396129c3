/**
 * The route harness itself (src/daemon/routing/testing): what sipd does around a route (500 for
 * a route that throws or does not answer, 100 Trying, §16.3 checks), the hooks it runs on the
 * branches the test answers, NAT'd contacts, and the input forms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineRoute } from 'sipkit/routing';
import { RouteHarness } from 'sipkit/routing/testing';

const invite = { method: 'INVITE', ruri: 'sip:bob@example.com', from: 'sip:alice@example.com' };

describe('route harness', () => {
  test('a route that throws gets 500 and its error is kept', async () => {
    const h = new RouteHarness(
      defineRoute({
        request() {
          throw new Error('boom');
        },
      }),
    );
    const run = await h.run(invite);
    assert.deepEqual(run.statuses, [100, 500]);
    assert.match(String(run.errors[0]), /boom/);
  });

  test('a route that returns without answering gets 500', async () => {
    const run = await new RouteHarness(defineRoute({ async request() {} })).run(invite);
    assert.equal(run.status, 500);
    assert.match(String(run.errors[0]), /without answering or relaying INVITE/);
  });

  test('relay() with an empty target list (no contacts passed on) answers 480, not nothing', async () => {
    const run = await new RouteHarness(defineRoute({ request: (ctx) => ctx.relay({ targets: [] }) })).run(invite);
    assert.equal(run.status, 480);
    assert.equal(run.relays.length, 0);
  });

  test('§16.3: Max-Forwards 0 gets 483 before the route runs', async () => {
    let ran = false;
    const h = new RouteHarness(defineRoute({ request: () => void (ran = true) }));
    const run = await h.run({
      raw: `OPTIONS sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 198.51.100.10;branch=z9hG4bK-2
Max-Forwards: 0
From: <sip:alice@example.com>;tag=1
To: <sip:bob@example.com>
Call-ID: mf0
CSeq: 1 OPTIONS
`,
    });
    assert.equal(run.status, 483);
    assert.equal(ran, false);
  });

  test('hooks: onBranch edits and drops branches, onReply edits responses, onFailure answers', async () => {
    const route = defineRoute({
      request(ctx) {
        ctx.appendHeader('X-Route', 'yes');
        ctx.relay({ targets: ['sip:bob@203.0.113.5', 'sip:bob@203.0.113.6'] });
      },
      onBranch(b) {
        if (b.ruri.includes('203.0.113.6')) b.drop();
        else b.setHeader('X-Branch', String(b.branch));
      },
      onReply(r) {
        r.setHeader('X-Seen', String(r.status));
      },
      onFailure(f) {
        f.reply(603, `Declined after ${f.status}`);
      },
    });
    const run = await new RouteHarness(route).run(invite);
    const [b0, b1] = run.relays[0]!.branches;
    assert.equal(b0!.request!.get('x-route'), 'yes');
    assert.equal(b0!.request!.get('x-branch'), '0');
    assert.equal(b1!.request, undefined, 'dropped');
    assert.equal(b1!.final?.status, 480);
    await b0!.respond(180);
    assert.equal(run.responses[1]!.get('x-seen'), '180');
    await b0!.respond(486);
    assert.deepEqual(run.statuses, [100, 180, 603]);
    assert.equal(run.final!.reason, 'Declined after 486');
  });

  test('a NAT-registered contact is reached where it registered from', async () => {
    const h = new RouteHarness(defineRoute({ request: (ctx) => ctx.relay({ targets: ctx.location.lookup() }) }), {
      subscribers: { 'bob@example.com': 'pw' },
    });
    await h.register('bob@example.com', 'sip:bob@10.0.0.5:5060', { received: 'sip:203.0.113.7:40000;transport=udp' });
    const run = await h.run({ ...invite, source: { address: '198.51.100.20', port: 5080 } });
    assert.equal(run.relays[0]!.branches[0]!.destination, 'sip:203.0.113.7:40000;transport=udp');
    assert.equal(run.ctx.source.address, '198.51.100.20');
  });

  test('a caller behind NAT is seen as natted (private Contact)', async () => {
    const h = new RouteHarness(defineRoute({ request: (ctx) => ctx.reply(ctx.source.natted ? 299 : 298) }));
    const run = await h.run({ ...invite, contact: 'sip:alice@192.168.1.20:5060', source: { address: '203.0.113.9' } });
    assert.equal(run.status, 299);
  });

  test('ACK and CANCEL never reach a route', async () => {
    const h = new RouteHarness(defineRoute({ request: (ctx) => ctx.reply(200) }));
    await assert.rejects(
      h.run({ method: 'CANCEL', ruri: 'sip:bob@example.com', from: 'sip:a@example.com' }),
      TypeError,
    );
  });
});
