/**
 * Hostile or confused input on sipd's WebSocket listeners (RFC 7118 over RFC 6455), bytes on
 * the wire: plain HTTP gets 426 on the upgrade path and 404 elsewhere; a foreign Origin 403; an
 * upgrade without the `sip` subprotocol 400; garbage instead of HTTP 400 (WS) or a failed TLS
 * handshake (WSS), and a silent connection is closed after tcp.message_timeout; a frame over
 * limits.max_message_size is closed with 1009, a frame that is not SIP with 1003, a SIP request
 * that does not parse gets 400 on its connection. sipd stays up throughout, and each case is
 * counted. Then two of the relay-hardening cases over WSS: an unsigned in-dialog Route and a
 * pre-loaded Route toward a foreign listener get 403 and nothing reaches it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMAIN, SipdHarness } from '../../helpers/sipd-harness.js';
import { sleep, UdpPeer, waitFor } from '../../helpers/net.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';
import { rawExchange, WsPeer } from '../../helpers/ws-peer.js';

const ORIGIN = 'https://phone.example.com';
const FOREIGN = '127.0.0.2';

let seq = 0;
/** A request as a WebSocket client writes it (`.invalid` Via host, as browsers do). */
function request(o: { method: string; uri: string; routes?: string[]; toTag?: string; extra?: string[] }) {
  const n = ++seq;
  const callId = `ws-bad-${n}@test`;
  const text = [
    `${o.method} ${o.uri} SIP/2.0`,
    `Via: SIP/2.0/WSS x${n}.invalid;branch=z9hG4bKws${n}`,
    'Max-Forwards: 70',
    `From: <sip:mallory@evil.example>;tag=m${n}`,
    `To: <sip:bob@${DOMAIN}>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${o.method}`,
    ...(o.routes ?? []).map((r) => `Route: ${r}`),
    `Contact: <sip:mallory@x${n}.invalid;transport=ws>`,
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return { text, callId };
}

describe('bad input on WebSocket listeners', () => {
  let pki: TestPki;
  let h: SipdHarness;
  let foreign: UdpPeer;
  const url = (path = '/sip', secure = true) =>
    `${secure ? 'wss' : 'ws'}://127.0.0.1:${h.portOf(secure ? 'wss' : 'ws')}${path}`;
  const stat = async (name: string) => (await h.stats(name))[name]!;

  before(async () => {
    pki = makePki();
    const server = pki.server('sip.example.com');
    h = await SipdHarness.start({
      users: [['bob', 'bob-pw']],
      listen: ['udp:127.0.0.1:0', 'ws:127.0.0.1:0', 'wss:127.0.0.1:0'],
      config: [
        '[timers]\nfr_ms = 1000\nfr_inv_ms = 1500\ndrain_ms = 300',
        `[tls]\ncertificate = "${server.cert}"\nprivate_key = "${server.key}"`,
        `[websocket]\npath = "/sip"\nallowed_origins = ["${ORIGIN}"]`,
        '[tcp]\nmessage_timeout = 1',
      ].join('\n\n'),
    });
    foreign = await FOREIGN_PEER();
    const bob = await h.ua('bob', 'bob-pw');
    assert.equal((await bob.register({ expires: 600 })).status, 200);
  });
  after(async () => {
    await sleep(300);
    const got = foreign.texts().map((t) => t.split('\r\n')[0]);
    await foreign.close();
    await h.stop();
    pki.cleanup();
    assert.deepEqual(got, [], 'the foreign listener received nothing');
  });
  const FOREIGN_PEER = () => UdpPeer.open(FOREIGN);

  /** sipd still answers over WebSocket: an OPTIONS to itself gets 200. */
  async function stillUp(): Promise<void> {
    const p = await WsPeer.connect(url(), ['sip'], { origin: ORIGIN });
    try {
      const o = request({ method: 'OPTIONS', uri: `sip:${DOMAIN}` });
      p.send(o.text);
      assert.match(await p.final(o.callId, 'OPTIONS'), /^SIP\/2\.0 200 /);
    } finally {
      p.close();
    }
  }

  test('plain HTTP: 426 Upgrade Required on the WebSocket path, 404 elsewhere, closed at once (WS and WSS)', async () => {
    const before = await stat('net.ws_upgrade_failures');
    for (const tls of [false, true]) {
      const port = h.portOf(tls ? 'wss' : 'ws');
      const a = await rawExchange(port, 'GET /sip HTTP/1.1\r\nHost: x\r\n\r\n', { tls });
      assert.match(a.data, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
      assert.match(a.data, /\r\nUpgrade: websocket\r\n/i);
      assert.ok(a.closed, 'closed, no hang');
      const b = await rawExchange(port, 'POST /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', { tls });
      assert.match(b.data, /^HTTP\/1\.1 404 Not Found\r\n/);
      assert.ok(b.closed);
    }
    assert.equal((await stat('net.ws_upgrade_failures')) - before, 4);
  });

  test('upgrade refused: 403 for a foreign Origin, 400 without the sip subprotocol, 404 on another path', async () => {
    const status = (u: string, protocols: string[], origin?: string) =>
      WsPeer.connect(u, protocols, origin ? { origin } : {}).then(
        (p) => (p.close(), 101),
        (e: { status?: number }) => e.status ?? 0,
      );
    assert.equal(await status(url(), ['sip'], 'https://evil.example'), 403);
    assert.equal(await status(url(), [], ORIGIN), 400);
    assert.equal(await status(url(), ['chat'], ORIGIN), 400);
    assert.equal(await status(url('/'), ['sip'], ORIGIN), 404);
    assert.equal(await status(url('/sip', false), ['sip'], ORIGIN), 101, 'ws: with the right origin');
    assert.equal(await status(url(), ['chat', 'sip']), 101, 'no Origin (not a browser): allowed');
    await stillUp();
  });

  test('garbage before the handshake: 400 and closed on ws:, handshake failure on wss:, a silent peer closed after message_timeout', async () => {
    const fails = await stat('net.ws_upgrade_failures');
    const slow = await stat('net.tcp_closed_slow');
    const g = await rawExchange(h.portOf('ws'), '\x16\x03\x01\x00garbage\x00\xff\r\n\r\n');
    assert.match(g.data, /^HTTP\/1\.1 400 /);
    assert.ok(g.closed);
    const t = await rawExchange(h.portOf('wss'), 'INVITE sip:bob@x SIP/2.0\r\n\r\n');
    assert.equal(t.data, '', 'plain text on the TLS port gets no answer');
    assert.ok(t.closed);
    const started = Date.now();
    const s = await rawExchange(h.portOf('ws'), '', { ms: 5000 });
    assert.ok(s.closed, 'a silent connection is closed');
    assert.ok(Date.now() - started >= 900, 'after about tcp.message_timeout (1 s)');
    assert.equal((await stat('net.ws_upgrade_failures')) - fails, 2);
    assert.equal((await stat('net.tcp_closed_slow')) - slow, 1);
    await stillUp();
  });

  test('a frame over limits.max_message_size is closed with 1009; a frame that is not SIP with 1003', async () => {
    const cut = await stat('net.tcp_cutoffs');
    const big = await WsPeer.connect(url(), ['sip'], { origin: ORIGIN });
    const r = request({ method: 'MESSAGE', uri: `sip:bob@${DOMAIN}`, extra: [`X-Pad: ${'a'.repeat(70_000)}`] });
    big.send(r.text);
    assert.equal(await big.closed(), 1009);
    assert.equal((await stat('net.tcp_cutoffs')) - cut, 1);
    const bad = await stat('net.tcp_closed_bad');
    const junk = await WsPeer.connect(url(), ['sip'], { origin: ORIGIN });
    junk.send('hello, is this the chat server?');
    assert.equal(await junk.closed(), 1003);
    assert.equal((await stat('net.tcp_closed_bad')) - bad, 1);
    await stillUp();
  });

  test('a SIP request that does not parse gets 400 over its connection, which stays open', async () => {
    const p = await WsPeer.connect(url(), ['sip'], { origin: ORIGIN });
    try {
      const r = request({ method: 'OPTIONS', uri: `sip:${DOMAIN}` });
      p.send(r.text.replace(/^CSeq: 1 OPTIONS/m, 'CSeq: x OPTIONS'));
      await waitFor(() => p.frames.some((f) => f.startsWith('SIP/2.0 400 ')), 5000, 'a 400');
      const ok = request({ method: 'OPTIONS', uri: `sip:${DOMAIN}` });
      p.send(ok.text);
      assert.match(await p.final(ok.callId, 'OPTIONS'), /^SIP\/2\.0 200 /);
      assert.equal(p.closeCode, undefined);
    } finally {
      p.close();
    }
  });

  test('relay hardening over WSS: an unsigned in-dialog Route and a pre-loaded Route to a foreign hop get 403', async () => {
    const p = await WsPeer.connect(url(), ['sip'], { origin: ORIGIN });
    try {
      const ours = `<sip:127.0.0.1:${h.portOf('wss')};transport=ws;lr>`;
      const foreignRoute = `<sip:${FOREIGN}:${foreign.port};lr>`;
      for (const method of ['INVITE', 'MESSAGE']) {
        const a = request({
          method,
          uri: `sip:victim@${FOREIGN}:${foreign.port}`,
          toTag: 'x1',
          routes: [ours, foreignRoute],
        });
        p.send(a.text);
        const ra = await p.final(a.callId, method);
        assert.match(ra, /^SIP\/2\.0 403 .*not signed/i, `${method} in dialog, unsigned`);
        const b = request({ method, uri: `sip:bob@${DOMAIN}`, routes: [ours, foreignRoute] });
        p.send(b.text);
        assert.match(await p.final(b.callId, method), /^SIP\/2\.0 403 .*Preload Route denied/, `${method} preloaded`);
      }
    } finally {
      p.close();
    }
  });
});
