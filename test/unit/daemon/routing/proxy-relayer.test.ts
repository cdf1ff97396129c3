/**
 * Stateless forwarding (§16.11) by the routing API's live relayer (src/daemon/routing/
 * proxy-relayer.ts) over a memory transport: the request leaves with a signed branch and no
 * transaction; its responses come back through the second Via only when that branch is ours.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseMessage,
  ProxyContext,
  RouteMarks,
  serialize,
  STATELESS_PREFIX,
  type ProxyEnvironment,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../../../src/core/index.js';
import { ProxyRelayer } from '../../../../src/daemon/routing/proxy-relayer.js';
import { makeStack, type Stack } from '../../../helpers/memory-transport.js';
import { peerRequest, peerResponse } from '../../../helpers/sip-builders.js';

const UPSTREAM = '198.51.100.7';
const GATEWAY = '203.0.113.9';

function relayerOn(s: Stack): ProxyRelayer {
  const env: ProxyEnvironment = {
    tl: s.txl,
    resolve: (uri) => Promise.resolve({ address: uri.host, port: uri.port ?? 5060, protocol: 'UDP' }),
    routeMarks: new RouteMarks('test secret'),
    recordRoute: () => [],
    timerC: 0,
  };
  let forwarded = 0;
  return new ProxyRelayer(env, new WeakMap<ServerTransaction, ProxyContext>(), () => forwarded++);
}

/** A MESSAGE from upstream forwarded statelessly to the gateway; resolves with what went out. */
async function forwarded(s: Stack, relayer: ProxyRelayer): Promise<SipRequest> {
  let done: Promise<void> | undefined;
  s.tu.handler = (req, source) => {
    const st = s.txl.createServerTransaction(req, source);
    done = relayer.forward(req, st, `udp:${GATEWAY}:5080`);
  };
  s.mem.inject(serialize(peerRequest('MESSAGE')), UPSTREAM, 5060);
  await done;
  const out = s.mem.sent.filter((m) => m.address === GATEWAY);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.port, 5080);
  return parseMessage(out[0]!.data) as SipRequest;
}

describe('ProxyRelayer.forward (stateless, §16.11)', () => {
  test('the request leaves with our signed Via branch on top, Max-Forwards decremented, no transaction kept', async () => {
    const s = makeStack();
    const req = await forwarded(s, relayerOn(s));
    const vias = req.vias();
    assert.equal(vias.length, 2);
    assert.ok(vias[0]!.params.get('branch')!.startsWith(STATELESS_PREFIX));
    assert.equal(req.maxForwards(), 69);
    assert.equal(s.txl.stats.serverTransactions, 0, 'a stateless forward leaves no server transaction');
  });

  test("the gateway's response goes upstream by the next Via, our Via removed", async () => {
    const s = makeStack();
    const relayer = relayerOn(s);
    const req = await forwarded(s, relayer);
    const res = parseMessage(peerResponse(serialize(req), 202)) as SipResponse;
    assert.ok(relayer.relayStatelessResponse(res));
    const up = s.mem.sent.filter((m) => m.address === UPSTREAM);
    assert.equal(up.length, 1);
    const back = parseMessage(up[0]!.data);
    assert.match(back.startLine(), /^SIP\/2\.0 202 /);
    assert.equal(back.vias().length, 1);
    assert.equal(back.vias()[0]!.host, UPSTREAM);
  });

  test('a response whose top branch we did not sign for the next Via is not relayed (no reflection)', async () => {
    const s = makeStack();
    const relayer = relayerOn(s);
    const req = await forwarded(s, relayer);
    // The attacker keeps our branch but aims the response at a third party's Via.
    const forged = serialize(req)
      .toString('latin1')
      .replace(/(\r\nVia: [^\r]*\r\nVia: )[^\r]*/i, '$1SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKvictim');
    const res = parseMessage(peerResponse(Buffer.from(forged, 'latin1'), 200)) as SipResponse;
    assert.equal(relayer.relayStatelessResponse(res), false);
    const other = parseMessage(peerResponse(serialize(peerRequest('MESSAGE')), 200)) as SipResponse;
    assert.equal(relayer.relayStatelessResponse(other), false, 'a response to nothing we forwarded');
    assert.equal(s.mem.sent.filter((m) => m.address !== GATEWAY).length, 0);
  });
});
