/**
 * The TLS transport on real loopback sockets: SIP both ways through two TransportLayers (Via
 * TLS, a response on the request's connection, a request back over the connection the peer
 * opened), IPv6, framing of several messages per record, the limits (garbage and plain-text SIP
 * before the handshake, a silent connection, a message over the size limit answered 513, the
 * idle timeout, the per-address cap counting connections before their handshake), SNI, a
 * certificate swap that keeps established connections, client certificates and minVersion.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import {
  parseMessage,
  TlsTransport,
  type SipRequest,
  TransportLayer,
  type MessageSource,
  type TlsCredentials,
  type TransportLayerOptions,
} from '../../../src/core/index.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';
import { sleep, waitFor } from '../../helpers/net.js';

function options(callId: string, proto = 'TLS', extra = ''): string {
  return (
    `OPTIONS sip:server@example.com SIP/2.0\r\nVia: SIP/2.0/${proto} 127.0.0.1:5999;branch=z9hG4bK${callId}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:it@example.com>;tag=a\r\nTo: <sip:server@example.com>\r\n` +
    `Call-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\n${extra}Content-Length: 0\r\n\r\n`
  );
}

interface Side {
  layer: TransportLayer;
  tls: TlsTransport;
  got: Array<{ callId: string; source: MessageSource }>;
}

let pki: TestPki;
let creds: TlsCredentials;
before(() => {
  pki = makePki();
  const s = pki.server('sip.example.com');
  const other = pki.server('other.example.org');
  creds = {
    cert: pki.read(s.cert),
    key: pki.read(s.key),
    ca: pki.read(pki.ca),
    servers: [{ serverName: 'other.example.org', cert: pki.read(other.cert), key: pki.read(other.key) }],
  };
});
after(() => pki.cleanup());

/** A layer with one TLS listener that records what it gets and answers parse errors with their status. */
async function side(
  spec = 'tls:127.0.0.1:0',
  extra: Partial<TransportLayerOptions['tls']> = {},
  tcp = {},
): Promise<Side> {
  const got: Side['got'] = [];
  const layer = await TransportLayer.listen([spec], {
    tls: { credentials: creds, ...extra },
    tcp,
    user: {
      onMessage: (msg, source) => void got.push({ callId: msg.callId(), source }),
      onParseError: (err, _raw, source) => {
        const res = Buffer.from(`SIP/2.0 ${err.status ?? 400} ${err.reason}\r\nContent-Length: 0\r\n\r\n`);
        source.transport.send(res, source.remoteAddress, source.remotePort, source.connectionId);
      },
    },
  });
  return { layer, tls: layer.transports[0] as TlsTransport, got };
}

/** A raw TLS client; `data` collects what it reads. */
async function client(port: number, opts: ConnectionOptions = {}): Promise<{ s: TLSSocket; data: () => string }> {
  let data = '';
  const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
  s.on('data', (d: Buffer) => (data += d.toString('latin1')));
  s.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    s.once('secureConnect', resolve);
    s.once('error', reject);
  });
  return { s, data: () => data };
}

function rawTcp(port: number, localAddress?: string): Promise<Socket & { isClosed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let closed = false;
    const s = tcpConnect({ host: '127.0.0.1', port, localAddress }, () =>
      resolve(Object.assign(s, { isClosed: () => closed })),
    );
    s.on('close', () => (closed = true));
    s.once('error', reject);
  });
}

describe('SIP over TLS between two layers', () => {
  let a: Side;
  let b: Side;
  before(async () => {
    a = await side();
    b = await side();
  });
  after(async () => {
    await a.layer.close();
    await b.layer.close();
  });

  test('a request goes out over a new TLS connection, Via TLS; the answer back reuses it', async () => {
    assert.equal(a.tls.protocol, 'TLS');
    a.layer.sendRequest(parseMessage(Buffer.from(options('first'))) as SipRequest, {
      protocol: 'TLS',
      address: '127.0.0.1',
      port: b.tls.localPort,
    });
    await waitFor(() => b.got.length === 1, 5000, 'the request at b');
    const src = b.got[0]!.source;
    assert.equal(src.protocol, 'TLS');
    assert.ok(src.connectionId !== undefined);
    // b sends a request back to where the request came from: over the same connection, not a new one.
    b.tls.send(Buffer.from(options('back')), src.remoteAddress, src.remotePort, src.connectionId);
    await waitFor(() => a.got.length === 1, 5000, 'the request back at a');
    assert.equal(a.got[0]!.callId, 'back');
    assert.equal(a.tls.connectionCount, 1);
    assert.equal(b.tls.connectionCount, 1);
    assert.equal(a.tls.stats.connectionsOpened, 1, 'a opened one connection and b used it');
  });
});

test('IPv6: a TLS listener on ::1', async (t) => {
  let s: Side;
  try {
    s = await side('tls:[::1]:0');
  } catch {
    return t.skip('no IPv6 loopback');
  }
  const c = await client(s.tls.localPort, { host: '::1' });
  c.s.write(options('v6'));
  await waitFor(() => s.got.length === 1, 5000, 'the request over IPv6');
  assert.equal(s.got[0]!.source.remoteAddress, '::1');
  c.s.destroy();
  await s.layer.close();
});

describe('TLS limits', () => {
  let s: Side;
  before(async () => {
    s = await side('tls:127.0.0.1:0', {}, { messageTimeout: 400, idleTimeout: 800, maxConnectionsPerIp: 2 });
  });
  after(() => s.layer.close());

  test('two messages in one record and one split across records are framed', async () => {
    const c = await client(s.tls.localPort);
    const n = s.got.length;
    c.s.write(options('m1') + options('m2'));
    const third = options('m3');
    c.s.write(third.slice(0, 40));
    await sleep(30);
    c.s.write(third.slice(40));
    await waitFor(() => s.got.length === n + 3, 5000, 'three messages');
    c.s.destroy();
  });

  test('garbage before the handshake closes the connection, counted', async () => {
    const before = s.tls.stats.handshakeFailures;
    const g = await rawTcp(s.tls.localPort);
    g.write('GARBAGE GARBAGE\r\n\r\n');
    await waitFor(() => g.isClosed(), 5000, 'the garbage connection to close');
    assert.equal(s.tls.stats.handshakeFailures, before + 1);
  });

  test('plain-text SIP on the TLS port is not delivered and the connection closes', async () => {
    const n = s.got.length;
    const g = await rawTcp(s.tls.localPort);
    g.write(options('plain', 'TCP'));
    await waitFor(() => g.isClosed(), 5000, 'the plain connection to close');
    assert.equal(s.got.length, n);
  });

  test('a connection that never starts its handshake is closed at the deadline', async () => {
    const before = s.tls.stats.slowCloses;
    const g = await rawTcp(s.tls.localPort);
    await waitFor(() => g.isClosed(), 5000, 'the silent connection to close');
    assert.equal(s.tls.stats.slowCloses, before + 1);
  });

  test('a message over the size limit is answered 513 and the connection closes', async () => {
    const c = await client(s.tls.localPort);
    c.s.write(options('huge', 'TLS').replace('Content-Length: 0', 'Content-Length: 100000'));
    await waitFor(() => c.s.destroyed || c.s.readableEnded, 5000, 'the close');
    assert.match(c.data(), /^SIP\/2\.0 513 /);
  });

  test('an idle connection is closed after the idle timeout', async () => {
    const before = s.tls.stats.idleCloses;
    const c = await client(s.tls.localPort);
    c.s.write(options('idle'));
    await waitFor(() => c.s.destroyed || c.s.readableEnded, 5000, 'the idle close');
    assert.equal(s.tls.stats.idleCloses, before + 1);
  });

  test('the per-address cap counts connections still in their handshake', async () => {
    await waitFor(() => s.tls.connectionCount === 0, 5000, 'earlier connections to go');
    const refused = s.tls.stats.refusedPerIp;
    const silent = [await rawTcp(s.tls.localPort, '127.0.0.2'), await rawTcp(s.tls.localPort, '127.0.0.2')];
    const third = await rawTcp(s.tls.localPort, '127.0.0.2');
    await waitFor(() => third.isClosed(), 5000, 'the third connection to be refused');
    assert.equal(s.tls.stats.refusedPerIp, refused + 1);
    assert.equal(s.tls.connectionCount, 0, 'none of them got past the handshake');
    for (const x of silent) x.destroy();
  });
});

describe('certificates', () => {
  let s: Side;
  before(async () => {
    s = await side('tls:127.0.0.1:0', { verifyClient: false });
  });
  after(() => s.layer.close());

  const cn = (c: TLSSocket) => c.getPeerCertificate().subject.CN;

  test('SNI picks the certificate for the server name; others get the default', async () => {
    const named = await client(s.tls.localPort, { servername: 'other.example.org' });
    assert.equal(cn(named.s), 'other.example.org');
    const plain = await client(s.tls.localPort, { servername: 'unknown.example.net' });
    assert.equal(cn(plain.s), 'sip.example.com');
    const verified = await client(s.tls.localPort, {
      ca: creds.ca,
      rejectUnauthorized: true,
      servername: 'sip.example.com',
    });
    assert.ok(verified.s.authorized, 'the certificate verifies against the test CA');
    for (const c of [named, plain, verified]) c.s.destroy();
  });

  test('setCredentials: new handshakes get the new certificate, established connections stay up', async () => {
    const old = await client(s.tls.localPort);
    const fresh = pki.server('renewed.example.com');
    s.tls.setCredentials({ ...creds, cert: pki.read(fresh.cert), key: pki.read(fresh.key) });
    const next = await client(s.tls.localPort);
    assert.equal(cn(next.s), 'renewed.example.com');
    const n = s.got.length;
    old.s.write(options('still-up'));
    await waitFor(() => s.got.length === n + 1, 5000, 'a message over the connection made before the swap');
    assert.throws(() => s.tls.setCredentials({ cert: pki.read(fresh.cert), key: pki.read(pki.strayKey) }));
    const after = await client(s.tls.localPort);
    assert.equal(cn(after.s), 'renewed.example.com', 'a failed swap changes nothing');
    for (const c of [old, next, after]) c.s.destroy();
  });
});

test('verifyClient: a client without a certificate is refused, one signed by the CA served', async (t) => {
  const s = await side('tls:127.0.0.1:0', { verifyClient: true });
  t.after(() => s.layer.close());
  const before = s.tls.stats.handshakeFailures;
  const anon = tlsConnect({ host: '127.0.0.1', port: s.tls.localPort, rejectUnauthorized: false });
  let anonClosed = false;
  anon.on('error', () => {});
  anon.on('close', () => (anonClosed = true));
  anon.write(options('anon'));
  await waitFor(() => anonClosed, 5000, 'the anonymous client to be closed');
  const cert = pki.server('phone.example.com');
  const c = await client(s.tls.localPort, { cert: pki.read(cert.cert), key: pki.read(cert.key) });
  c.s.write(options('with-cert'));
  await waitFor(() => s.got.length === 1, 5000, 'the request with a client certificate');
  assert.equal(s.got[0]!.callId, 'with-cert');
  assert.equal(s.tls.stats.handshakeFailures, before + 1);
  c.s.destroy();
});

test('minVersion TLSv1.3 refuses a TLSv1.2 client', async () => {
  const s = await side('tls:127.0.0.1:0', { minVersion: 'TLSv1.3' });
  await assert.rejects(client(s.tls.localPort, { maxVersion: 'TLSv1.2' }));
  const ok = await client(s.tls.localPort);
  assert.equal(ok.s.getProtocol(), 'TLSv1.3');
  ok.s.destroy();
  await s.layer.close();
});

test('a TLS listener without credentials is refused', async () => {
  await assert.rejects(TransportLayer.listen(['tls:127.0.0.1:0']), /needs a certificate/);
});
