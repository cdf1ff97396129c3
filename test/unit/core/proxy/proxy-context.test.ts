/**
 * The §16.7 response context (src/core/proxy/proxy-context.ts) over a memory transport on a fake
 * clock: what goes upstream, byte for byte, when an INVITE is forked to two branches.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseMessage,
  ProxyContext,
  RouteMarks,
  serialize,
  type ProxyEnvironment,
  type SipResponse,
} from '../../../../src/core/index.js';
import { makeStack, type Stack } from '../../../helpers/memory-transport.js';
import { peerRequest, peerResponse } from '../../../helpers/sip-builders.js';

const UPSTREAM = '198.51.100.7';
const TARGETS = [
  { uri: 'sip:bob@203.0.113.1', destination: { address: '203.0.113.1', port: 5060 } },
  { uri: 'sip:bob@203.0.113.2', destination: { address: '203.0.113.2', port: 5060 } },
];

/** An INVITE from upstream forked to TARGETS; resolves once both branches are on the wire. */
async function forkedInvite(s: Stack, setup: (ctx: ProxyContext) => void = () => {}): Promise<ProxyContext> {
  let made: ProxyContext | undefined;
  const env: ProxyEnvironment = {
    tl: s.txl,
    resolve: () => Promise.reject(new Error('every target has a destination')),
    routeMarks: new RouteMarks('test secret'),
    recordRoute: () => [],
    timerC: 0,
  };
  s.tu.handler = (req, source) => {
    const server = s.txl.createServerTransaction(req, source);
    made = new ProxyContext(env, server, req, false);
    setup(made);
    made.fork(TARGETS);
  };
  s.mem.inject(serialize(peerRequest('INVITE')), UPSTREAM, 5060);
  for (let i = 0; i < 10 && s.mem.sent.filter((m) => m.data.toString().startsWith('INVITE')).length < 2; i++) {
    await new Promise((r) => setImmediate(r));
  }
  return made!;
}

const tick = () => new Promise((r) => setImmediate(r));

const sentTo = (s: Stack, address: string, start: string) =>
  s.mem.sent.filter((m) => m.address === address && m.data.toString('latin1').startsWith(start));

function answer(s: Stack, branch: number, status: number): void {
  const invite = sentTo(s, TARGETS[branch]!.destination.address, 'INVITE')[0]!;
  s.mem.inject(peerResponse(invite.data, status, { toTag: `b${branch}` }), invite.address, invite.port);
}

const upstreamFinals = (s: Stack) =>
  s.mem.sent
    .filter((m) => m.address === UPSTREAM)
    .map((m) => parseMessage(m.data) as SipResponse)
    .filter((r) => r.status >= 200)
    .map((r) => r.status);

describe('ProxyContext (RFC 3261 §16.7)', () => {
  test('a final response waits for every branch, then the best goes up (486 over 503, §16.7 step 6)', async () => {
    const s = makeStack();
    await forkedInvite(s);
    assert.equal(sentTo(s, '203.0.113.1', 'INVITE').length, 1);
    assert.equal(sentTo(s, '203.0.113.2', 'INVITE').length, 1);
    answer(s, 0, 503);
    assert.deepEqual(upstreamFinals(s), [], 'nothing goes up while a branch is pending');
    answer(s, 1, 486);
    assert.deepEqual(upstreamFinals(s), [486]);
  });

  test('a 2xx goes up at once and the other branch is cancelled (§16.7 step 10)', async () => {
    const s = makeStack();
    await forkedInvite(s);
    answer(s, 1, 180);
    answer(s, 0, 200);
    assert.deepEqual(upstreamFinals(s), [200]);
    assert.equal(sentTo(s, '203.0.113.2', 'CANCEL').length, 1, 'CANCEL to the ringing branch');
    assert.equal(sentTo(s, '203.0.113.1', 'CANCEL').length, 0);
  });

  test('a branch hook sees each branch before it is sent: its edits go on the wire; a dropped branch counts as 480', async () => {
    const s = makeStack();
    await forkedInvite(s, (ctx) => {
      ctx.onBranch = (req, index) => {
        req.set('X-Branch', String(index));
        return index === 0;
      };
    });
    const sent = sentTo(s, '203.0.113.1', 'INVITE');
    assert.equal(sent.length, 1);
    assert.match(sent[0]!.data.toString('latin1'), /\r\nX-Branch: 0\r\n/);
    assert.equal(sentTo(s, '203.0.113.2', 'INVITE').length, 0, 'the dropped branch is not sent');
    answer(s, 0, 486);
    assert.deepEqual(upstreamFinals(s), [486], "486 beats the dropped branch's 480");
  });

  test('the reply hook sees every response of a branch before it goes up, and may edit it', async () => {
    const s = makeStack();
    const seen: string[] = [];
    await forkedInvite(s, (ctx) => {
      ctx.onReply = (res, index) => {
        seen.push(`${index}:${res.status}`);
        res.set('X-Seen', 'yes');
      };
    });
    answer(s, 1, 180);
    answer(s, 0, 200);
    assert.deepEqual(seen, ['1:180', '0:200']);
    const up = s.mem.sent.filter((m) => m.address === UPSTREAM).map((m) => m.data.toString('latin1'));
    assert.ok(up.filter((t) => / 1[89]\d |^SIP\/2\.0 200/.test(t)).every((t) => t.includes('X-Seen: yes')));
  });

  test('an asynchronous reply hook holds its response and those after it, in order; onFinal reports the final status', async () => {
    const s = makeStack();
    const finals: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await forkedInvite(s, (ctx) => {
      ctx.onReply = (res) => {
        if (res.status === 183) {
          return gate.then(() => {
            res.body = 'rewritten';
          });
        }
        return undefined;
      };
      ctx.onFinal = (status) => finals.push(status);
    });
    const upTexts = () => s.mem.sent.filter((m) => m.address === UPSTREAM).map((m) => m.data.toString('latin1'));
    const before = upTexts().length;
    answer(s, 1, 183);
    answer(s, 0, 200);
    await tick();
    assert.equal(upTexts().length, before, 'the 183 waits for its hook, the 200 waits behind it');
    assert.deepEqual(finals, []);
    release();
    for (let i = 0; i < 10 && upTexts().length < before + 2; i++) await tick();
    const up = upTexts().slice(before);
    assert.match(up[0]!, /^SIP\/2\.0 183 [^]*\r\n\r\nrewritten$/, 'the 183 first, with the body its hook wrote');
    assert.match(up[0]!, /Content-Length: 9\r\n/i);
    assert.match(up[1]!, /^SIP\/2\.0 200 /);
    assert.deepEqual(finals, [200]);
  });

  test('an asynchronous failure hook holds the answer, forks again, and is armed again only when set anew', async () => {
    const s = makeStack();
    const calls: number[] = [];
    await forkedInvite(s, (ctx) => {
      ctx.onFailure = async (best, pc) => {
        calls.push(best.status);
        await tick();
        pc.onFailure = async (b2) => {
          calls.push(b2.status);
          return undefined;
        };
        return [{ uri: 'sip:carol@203.0.113.3', destination: { address: '203.0.113.3', port: 5060 } }];
      };
    });
    answer(s, 0, 486);
    answer(s, 1, 486);
    assert.deepEqual(upstreamFinals(s), [], 'nothing goes up while the hook decides');
    for (let i = 0; i < 10 && sentTo(s, '203.0.113.3', 'INVITE').length === 0; i++) await tick();
    const third = sentTo(s, '203.0.113.3', 'INVITE')[0]!;
    s.mem.inject(peerResponse(third.data, 503, { toTag: 'c' }), third.address, third.port);
    for (let i = 0; i < 10 && upstreamFinals(s).length === 0; i++) await tick();
    assert.deepEqual(calls, [486, 486], 'the second round sees the best of all three branches too');
    assert.deepEqual(upstreamFinals(s), [486], 'the best of all three branches');
  });

  test('answer() from the failure hook replaces the best response', async () => {
    const s = makeStack();
    await forkedInvite(s, (ctx) => {
      ctx.onFailure = (_best, pc) => {
        pc.answer(480, 'Gone Fishing', [['X-Why', 'busy']]);
        return undefined;
      };
    });
    answer(s, 0, 486);
    answer(s, 1, 486);
    assert.deepEqual(upstreamFinals(s), [480]);
    const last = s.mem.sent
      .filter((m) => m.address === UPSTREAM)
      .at(-1)!
      .data.toString('latin1');
    assert.match(last, /^SIP\/2\.0 480 Gone Fishing\r\n/);
    assert.match(last, /\r\nX-Why: busy\r\n/);
  });
});
