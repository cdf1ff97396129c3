/**
 * Bad input (issue "Bad input"): malformed requests get a 400 (505, 513) with a reason, malformed
 * and stray responses are dropped, everything is counted, and a bounded, seeded stream of random
 * and mutated messages (the RFC 4475/5118 torture corpus among the seeds) over UDP and TCP neither
 * crashes nor stalls sipd: afterwards a normal REGISTER with digest still succeeds, and sipd has
 * logged no internal error (the harness checks at stop).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseMessage, type SipResponse } from '../../../src/core/index.js';
import { corpus, mutate, prng } from '../../helpers/fuzz.js';
import { TcpPeer, UdpPeer, sleep, waitFor } from '../../helpers/net.js';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { TestUA } from '../../helpers/test-ua.js';

const UDP_MESSAGES = 2000;
const TCP_MESSAGES = 500;

function lines(port: number, n: number, over: Record<string, string | null> = {}, first?: string): string {
  const h: Record<string, string | null> = {
    Via: `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKbad${n};rport`,
    'Max-Forwards': '70',
    From: `<sip:probe@other.example>;tag=b${n}`,
    To: `<sip:alice@${DOMAIN}>`,
    'Call-ID': `bad-${n}`,
    CSeq: '1 OPTIONS',
    ...over,
  };
  const out = [first ?? `OPTIONS sip:alice@${DOMAIN} SIP/2.0`];
  for (const [k, v] of Object.entries(h)) if (v !== null) out.push(`${k}: ${v}`);
  if (!('Content-Length' in over)) out.push('Content-Length: 0');
  return out.join('\r\n') + '\r\n\r\n';
}

describe('bad input', () => {
  let h: SipdHarness;
  let peer: UdpPeer;
  before(async () => {
    h = await SipdHarness.start({ users: [['alice', 'alice-pw']], config: '[timers]\ndrain_ms = 500\n' });
    peer = await UdpPeer.open();
  });
  after(async () => {
    await peer.close();
    await h.stop();
  });

  /**
   * sipd's answer to `text`: the next message for its Call-ID (any next message when it has
   * none). Matching matters under load: a late answer to an earlier message may still arrive.
   */
  async function answer(text: string): Promise<SipResponse | undefined> {
    const from = peer.received.length;
    const callId = /^Call-ID:[ \t]*(\S+)/im.exec(text)?.[1];
    const mine = () =>
      peer.received.slice(from).find((m) => {
        if (callId === undefined) return true;
        try {
          return parseMessage(m.data).callId() === callId;
        } catch {
          return false;
        }
      });
    await peer.send(text, h.udpPort);
    try {
      await waitFor(() => mine() !== undefined, 1000, 'an answer');
    } catch {
      return undefined;
    }
    return parseMessage(mine()!.data) as SipResponse;
  }

  test('malformed requests get 400 (or 505) with a reason naming the problem', async () => {
    const before = await h.stats('core.err_requests', 'core.parse_errors');
    const cases: Array<[string, string, number, RegExp]> = [
      ['no Call-ID', lines(peer.port, 1, { 'Call-ID': null }), 400, /call-id/i],
      ['CSeq method differs', lines(peer.port, 2, { CSeq: '1 INVITE' }), 400, /cseq/i],
      ['Content-Length beyond the datagram', lines(peer.port, 3, { 'Content-Length': '500' }), 400, /content-length/i],
      ['bad To URI', lines(peer.port, 4, { To: '<sip:alice@>' }), 400, /to/i],
      ['bad Max-Forwards', lines(peer.port, 5, { 'Max-Forwards': 'many' }), 400, /max-forwards/i],
      ['SIP/3.0', lines(peer.port, 6, {}, `OPTIONS sip:alice@${DOMAIN} SIP/3.0`), 505, /version/i],
    ];
    for (const [what, text, status, reason] of cases) {
      const r = await answer(text);
      assert.ok(r, `${what}: answered`);
      assert.equal(r.status, status, what);
      assert.match(r.reason, reason, `${what}: reason "${r.reason}"`);
    }
    const now = await h.stats('core.err_requests', 'core.parse_errors');
    assert.ok(now['core.err_requests']! - before['core.err_requests']! >= cases.length, 'err_requests counted');
    assert.ok(now['core.parse_errors']! > before['core.parse_errors']!, 'parse_errors counted');
  });

  test('malformed and stray responses are dropped without an answer, and counted', async () => {
    const before = await h.stats('core.err_replies', 'core.drop_replies');
    const bad = lines(peer.port, 10, { CSeq: null }, 'SIP/2.0 200 OK');
    assert.equal(await answer(bad), undefined);
    const stray = lines(peer.port, 11, { To: `<sip:alice@${DOMAIN}>;tag=x` }, 'SIP/2.0 180 Ringing');
    assert.equal(await answer(stray), undefined);
    const now = await h.stats('core.err_replies', 'core.drop_replies');
    assert.equal(now['core.err_replies']! - before['core.err_replies']!, 1);
    assert.equal(now['core.drop_replies']! - before['core.drop_replies']!, 1);
  });

  test('random and mutated messages over UDP and TCP: no crash, no stall, counters move, REGISTER still works', async () => {
    const before = await h.stats('core.parse_errors', 'core.err_requests', 'core.rcv_requests');
    const seeds = corpus();
    const rnd = prng(0x5eed4);
    const started = Date.now();
    for (let i = 0; i < UDP_MESSAGES; i++) {
      const m = mutate(seeds, rnd);
      if (m.length > 0 && m.length < 65000) await peer.send(m, h.udpPort);
      if (i % 50 === 49) await sleep(5); // let sipd breathe: this checks robustness, not overload
    }
    let tcp = await TcpPeer.connect(h.tcpPort);
    let connections = 1;
    for (let i = 0; i < TCP_MESSAGES; i++) {
      if (tcp.closed) {
        tcp = await TcpPeer.connect(h.tcpPort);
        connections++;
      }
      await tcp.write(mutate(seeds, rnd));
      if (i % 20 === 19) await sleep(5);
    }
    tcp.close();
    // Not stalled: a well-formed OPTIONS is answered at once, over UDP and over a new TCP connection.
    const ok = await answer(lines(peer.port, 99, {}, `OPTIONS sip:127.0.0.1:${h.udpPort} SIP/2.0`));
    assert.equal(ok?.status, 200);
    const t = await TcpPeer.connect(h.tcpPort);
    try {
      await t.write(
        lines(
          t.localPort,
          98,
          { Via: `SIP/2.0/TCP 127.0.0.1:${t.localPort};branch=z9hG4bKtcp98` },
          `OPTIONS sip:127.0.0.1:${h.tcpPort} SIP/2.0`,
        ),
      );
      await waitFor(() => t.data.includes('\r\n\r\n'), 3000, 'TCP answer');
      assert.match(t.data, /^SIP\/2\.0 200 /);
    } finally {
      t.close();
    }
    const alice = await TestUA.create({ user: 'alice', password: 'alice-pw', domain: DOMAIN, proxy: h.proxy() });
    try {
      assert.equal((await alice.register({ expires: 600 })).status, 200);
    } finally {
      await alice.close();
    }
    const now = await h.stats('core.parse_errors', 'core.err_requests', 'core.rcv_requests');
    const d = (k: string) => now[k]! - before[k]!;
    assert.ok(d('core.parse_errors') > 50, `parse errors counted (${d('core.parse_errors')})`);
    assert.ok(d('core.err_requests') > 10, `400s counted (${d('core.err_requests')})`);
    assert.ok(d('core.rcv_requests') > 10, 'some mutants were still requests');
    assert.ok(connections > 1, 'TCP framing errors closed connections');
    assert.ok(Date.now() - started < 60000, 'bounded');
  });
});
