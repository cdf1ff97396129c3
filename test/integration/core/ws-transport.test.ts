/**
 * The WebSocket transport (core/transport/ws.ts bound by src/wsnet) on real loopback sockets:
 * SIP both ways between two TransportLayers (Via WS, one message per frame, a response on the
 * request's connection, a request back over the connection the peer opened), a message whose
 * body is not UTF-8 sent as a binary frame, the per-address cap counted before the upgrade, the
 * idle timeout and keepConnection, a peer that stops answering pings, close code 1000 on
 * shutdown, and a WSS certificate swap that keeps established connections.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import {
  TransportLayer,
  WsTransport,
  type MessageSource,
  type TlsCredentials,
  type TransportLayerOptions,
} from '../../../src/core/index.js';
import { listenWs, wsListeners, type WsSettings } from '../../../src/wsnet/index.js';
import { sleep, waitFor } from '../../helpers/net.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';
import { WsPeer } from '../../helpers/ws-peer.js';

function options(callId: string, proto = 'WS', body = ''): string {
  return (
    `OPTIONS sip:server@example.com SIP/2.0\r\nVia: SIP/2.0/${proto} abc.invalid;branch=z9hG4bK${callId}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:it@example.com>;tag=a\r\nTo: <sip:server@example.com>\r\n` +
    `Call-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`
  );
}

interface Side {
  layer: TransportLayer;
  ws: WsTransport;
  got: Array<{ callId: string; source: MessageSource; raw: string }>;
}

async function side(spec = 'ws:127.0.0.1:0', opts: TransportLayerOptions = {}, settings: WsSettings = {}) {
  const got: Side['got'] = [];
  const layer = await TransportLayer.listen([spec], {
    ...opts,
    listeners: wsListeners(settings),
    user: { onMessage: (msg, source) => got.push({ callId: msg.callId(), source, raw: msg.body.toString('latin1') }) },
  });
  return { layer, ws: layer.transports[0] as WsTransport, got };
}

let pki: TestPki;
let creds: TlsCredentials;
let other: TlsCredentials;
before(() => {
  pki = makePki();
  const s = pki.server('sip.example.com');
  const o = pki.server('other.example.org');
  creds = { cert: pki.read(s.cert), key: pki.read(s.key) };
  other = { cert: pki.read(o.cert), key: pki.read(o.key) };
});
after(() => pki.cleanup());

describe('WebSocket transport', () => {
  test('SIP both ways over one connection, IPv6 too; a non-UTF-8 body goes as a binary frame', async () => {
    for (const host of ['127.0.0.1', '[::1]']) {
      const server = await side(`ws:${host}:0`);
      const client = await side(`ws:${host}:0`);
      try {
        const to = host.replace(/^\[|\]$/g, '');
        client.layer.send(Buffer.from(options('c1'), 'latin1'), {
          transport: client.ws,
          address: to,
          port: server.ws.localPort,
          connectionId: undefined,
        });
        await waitFor(() => server.got.length === 1, 3000, 'the request at the server');
        const src = server.got[0]!.source;
        assert.equal(src.protocol, 'WS');
        assert.ok(src.connectionId !== undefined);
        // Back over the connection the client opened (the client's listener is never dialled).
        const body = 'caf\xe9\xff';
        server.ws.send(
          Buffer.from(options('s1', 'WS', body), 'latin1'),
          src.remoteAddress,
          src.remotePort,
          src.connectionId,
        );
        await waitFor(() => client.got.length === 1, 3000, 'the request back at the client');
        assert.equal(client.got[0]!.raw, body, 'binary body intact');
        assert.equal(client.ws.connectionCount, 1);
        assert.equal(server.ws.connectionCount, 1);
        assert.equal(server.ws.stats.messagesIn, 1);
      } finally {
        await client.layer.close();
        await server.layer.close();
      }
    }
  });

  test('caps: the per-address maximum is counted before the upgrade', async () => {
    const server = await side('ws:127.0.0.1:0', { tcp: { maxConnectionsPerIp: 2 } });
    const url = `ws://127.0.0.1:${server.ws.localPort}/`;
    const peers = [await WsPeer.connect(url), await WsPeer.connect(url)];
    try {
      await assert.rejects(WsPeer.connect(url), 'the third connection from 127.0.0.1 is refused');
      assert.equal(server.ws.stats.refusedPerIp, 1);
    } finally {
      for (const p of peers) p.close();
      await server.layer.close();
    }
  });

  test('idle timeout closes with 1000 unless a registration keeps the connection', async () => {
    const server = await side('ws:127.0.0.1:0', { tcp: { idleTimeout: 400 } }, { pingInterval: 0 });
    const url = `ws://127.0.0.1:${server.ws.localPort}/`;
    try {
      const idle = await WsPeer.connect(url);
      const kept = await WsPeer.connect(url);
      kept.send(options('k1'));
      await waitFor(() => server.got.length === 1, 3000, 'the message');
      server.ws.keepConnection(server.got[0]!.source.connectionId!, 5000);
      assert.equal(await idle.closed(3000), 1000);
      await sleep(600);
      assert.equal(kept.closeCode, undefined, 'kept open');
      assert.equal(server.ws.stats.idleCloses, 1);
      kept.close();
    } finally {
      await server.layer.close();
    }
  });

  test('a peer that stops answering pings is dropped', async () => {
    const server = await side('ws:127.0.0.1:0', {}, { pingInterval: 200 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${server.ws.localPort}/`, 'sip', { autoPong: false });
      let closed = false;
      ws.on('close', () => (closed = true));
      ws.on('error', () => {});
      await new Promise((r) => ws.once('open', r));
      const alive = await WsPeer.connect(`ws://127.0.0.1:${server.ws.localPort}/`);
      await waitFor(() => closed, 3000, 'the silent peer dropped');
      assert.equal(alive.closeCode, undefined, 'a peer that answers pings stays');
      assert.equal(server.ws.connectionCount, 1);
      alive.close();
    } finally {
      await server.layer.close();
    }
  });

  test('shutdown closes connections with 1000', async () => {
    const server = await side();
    const p = await WsPeer.connect(`ws://127.0.0.1:${server.ws.localPort}/`);
    await server.layer.close();
    assert.equal(await p.closed(), 1000);
  });

  test('WSS: a certificate swap keeps established connections; new handshakes get the new certificate', async () => {
    const t = await listenWs({ protocol: 'WSS', host: '127.0.0.1', port: 0 }, {}, { credentials: creds });
    const layer = new TransportLayer({});
    const got: string[] = [];
    layer.user = { onMessage: (m) => got.push(m.callId()) };
    layer.add(t);
    const subject = () =>
      new Promise<string>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: t.localPort, rejectUnauthorized: false }, () => {
          resolve(String(s.getPeerCertificate().subject.CN));
          s.destroy();
        });
        s.on('error', reject);
      });
    try {
      const p = await WsPeer.connect(`wss://127.0.0.1:${t.localPort}/`);
      assert.equal(await subject(), 'sip.example.com');
      t.setCredentials(other);
      assert.equal(await subject(), 'other.example.org');
      p.send(options('after-swap', 'WSS'));
      await waitFor(() => got.includes('after-swap'), 3000, 'a message over the old connection');
      p.close();
    } finally {
      await layer.close();
    }
  });
});
