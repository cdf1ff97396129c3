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
async function forkedInvite(s: Stack): Promise<void> {
  const env: ProxyEnvironment = {
    tl: s.txl,
    resolve: () => Promise.reject(new Error('every target has a destination')),
    routeMarks: new RouteMarks('test secret'),
    recordRoute: () => [],
    timerC: 0,
  };
  s.tu.handler = (req, source) => {
    const server = s.txl.createServerTransaction(req, source);
    new ProxyContext(env, server, req, false).fork(TARGETS);
  };
  s.mem.inject(serialize(peerRequest('INVITE')), UPSTREAM, 5060);
  for (let i = 0; i < 10 && s.mem.sent.filter((m) => m.data.toString().startsWith('INVITE')).length < 2; i++) {
    await new Promise((r) => setImmediate(r));
  }
}

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
});
