/**
 * Flows over TLS at sipd, on the wire (certificates made by openssl for the test):
 * - RFC 5626 §4.4.1 keep-alive: a double-CRLF ping gets exactly one CRLF pong;
 * - a registration over TLS keeps its connection (core.connections: kept_ms, inbound, counts);
 * - RFC 5923 connection reuse: a peer that sent a request with `;alias` in its Via over its
 *   connection gets a later request to its sent-by over that same connection (no new connect),
 *   and an alias naming another address, or another open connection's own address, is ignored;
 * - RFC 3261 §16.6 step 4: a request for a sips: URI is record-routed with a sips: URI on the TLS
 *   side; the outbound TLS connection to a host name sends it as SNI (RFC 6066 §3).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { ConnectionRow } from '../../../src/mgmt/results.js';
import type { TlsOptions } from '../../../src/core/index.js';
import { waitFor } from '../../helpers/net.js';
import { peerResponse } from '../../helpers/sip-builders.js';
import { SipdHarness } from '../../helpers/sipd-harness.js';
import type { TestUA } from '../../helpers/test-ua.js';
import { makePki, type CertFiles, type TestPki } from '../../helpers/tls-certs.js';

/** A raw TLS peer: what it reads, and the first complete message in it cut off. */
class RawPeer {
  data = Buffer.alloc(0);
  constructor(readonly s: TLSSocket) {
    s.on('data', (d: Buffer) => (this.data = Buffer.concat([this.data, d])));
    s.on('error', () => {});
  }

  static async connect(port: number): Promise<RawPeer> {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
    return new RawPeer(s);
  }

  /** The next whole message (Content-Length framing), or undefined. */
  take(): Buffer | undefined {
    const end = this.data.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const len = Number(/\r\nContent-Length:\s*(\d+)/i.exec(this.data.subarray(0, end).toString('latin1'))?.[1] ?? 0);
    if (this.data.length < end + 4 + len) return undefined;
    const msg = this.data.subarray(0, end + 4 + len);
    this.data = this.data.subarray(end + 4 + len);
    return msg;
  }

  async next(what: string): Promise<Buffer> {
    let m: Buffer | undefined;
    await waitFor(() => (m = this.take()) !== undefined, 10_000, what);
    return m!;
  }
}

/** An OPTIONS for sipd itself over TLS, from sent-by `sentBy` with Via params `params`. */
function options(port: number, sentBy: string, params: string, n: number): string {
  return (
    `OPTIONS sip:127.0.0.1:${port};transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS ${sentBy};branch=z9hG4bKfl${n}${params}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:peer@example.com>;tag=p${n}\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
    `Call-ID: flow-${n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}

describe('sipd TLS flows', { timeout: 120_000 }, () => {
  let pki: TestPki;
  let h: SipdHarness;
  let uaTls: TlsOptions;
  let carol: TestUA;
  let localhost: CertFiles;
  const peers: RawPeer[] = [];

  before(async () => {
    pki = makePki();
    const server = pki.server('sip.example.com');
    const phone = pki.server('phone.example.com');
    localhost = pki.server('localhost');
    uaTls = { credentials: { cert: pki.read(phone.cert), key: pki.read(phone.key) } };
    h = await SipdHarness.start({
      users: [
        ['bob', 'bob-pw'],
        ['carol', 'carol-pw'],
      ],
      listen: ['udp:127.0.0.1:0', 'tls:127.0.0.1:0'],
      config: `[timers]\nfr_ms = 2000\nfr_inv_ms = 3000\ndrain_ms = 300\n\n[tls]\ncertificate = "${server.cert}"\nprivate_key = "${server.key}"\n`,
    });
    carol = await h.ua('carol', 'carol-pw');
    assert.equal((await carol.register({ expires: 600 })).status, 200);
  });
  after(async () => {
    for (const p of peers) p.s.destroy();
    await h.stop();
    pki.cleanup();
  });

  test('a CRLFCRLF ping over TLS is answered with exactly one CRLF pong (RFC 5626 §4.4.1)', async () => {
    const before = (await h.stats('net.keepalives'))['net.keepalives']!;
    const p = await RawPeer.connect(h.tlsPort);
    peers.push(p);
    p.s.write('\r\n\r\n');
    await waitFor(() => p.data.length >= 2, 5000, 'the pong');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.data.toString('latin1'), '\r\n', 'one CRLF, nothing else');
    assert.equal((await h.stats('net.keepalives'))['net.keepalives'], before + 1);
    p.s.write('\r\n\r\n');
    await waitFor(() => p.data.length >= 4, 5000, 'the second pong');
    assert.equal(p.s.destroyed, false, 'the connection stays open');
  });

  test('a registration over TLS keeps its connection: core.connections shows it', async () => {
    const bob = await h.ua('bob', 'bob-pw', { proxy: h.proxy('TLS'), tls: uaTls });
    assert.equal((await bob.register({ expires: 600 })).status, 200);
    const local = bob.layer.transports[0]!;
    const rows = await h.rpc<ConnectionRow[]>('core.connections');
    const mine = rows.filter((r) => r.proto === 'tls' && r.kept_ms > 0);
    assert.equal(mine.length, 1, JSON.stringify(rows));
    const c = mine[0]!;
    assert.equal(c.inbound, true);
    assert.ok(c.kept_ms > 590_000 && c.kept_ms <= 600_000, `kept ${c.kept_ms} ms`);
    assert.ok(c.messages_in >= 2 && c.messages_out >= 2, '401 then 200');
    assert.equal(c.local, `127.0.0.1:${h.tlsPort}`);
    assert.equal(local.connectionCount, 1);
  });

  test('RFC 5923 alias: a request to the sent-by goes over the connection the peer opened', async () => {
    const p = await RawPeer.connect(h.tlsPort);
    peers.push(p);
    // Nobody listens on the sent-by port: a new connection there would be refused.
    const sentBy = `127.0.0.1:${p.s.localPort === 5999 ? 5998 : 5999}`;
    p.s.write(options(h.tlsPort, sentBy, ';alias', 1));
    assert.match((await p.next('200 for OPTIONS')).toString('latin1'), /^SIP\/2\.0 200 /);
    const row = (await h.rpc<ConnectionRow[]>('core.connections')).find(
      (r) => r.remote === `127.0.0.1:${p.s.localPort}`,
    )!;
    assert.deepEqual(row.aliases, [sentBy]);
    const opened = (await h.stats('net.tls_opened'))['net.tls_opened']!;

    const call = carol.call(`sip:peer@${sentBy};transport=tls`);
    const inv = await p.next('the INVITE over the aliased connection');
    assert.match(inv.toString('latin1'), new RegExp(`^INVITE sip:peer@${sentBy};transport=tls SIP/2\\.0\\r\\n`));
    p.s.write(peerResponse(inv, 486));
    assert.equal((await call.final).status, 486);
    assert.equal((await h.stats('net.tls_opened'))['net.tls_opened'], opened, 'no new connection');
  });

  test('an alias for another address is ignored: no hijacking of a third party', async () => {
    const p = await RawPeer.connect(h.tlsPort);
    peers.push(p);
    p.s.write(options(h.tlsPort, '127.0.0.2:5997', ';alias', 2));
    assert.match((await p.next('200 for OPTIONS')).toString('latin1'), /^SIP\/2\.0 200 /);
    const row = (await h.rpc<ConnectionRow[]>('core.connections')).find(
      (r) => r.remote === `127.0.0.1:${p.s.localPort}`,
    )!;
    assert.deepEqual(row.aliases, []);
    // The request to 127.0.0.2:5997 tries its own connection (refused: nobody listens), never p's.
    const res = await carol.call('sip:victim@127.0.0.2:5997;transport=tls').final;
    assert.ok(res.status >= 400, `${res.status}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.take(), undefined, 'nothing reached the peer that claimed the alias');
  });

  test("an alias naming another open connection's own address does not take it over", async () => {
    const a = await RawPeer.connect(h.tlsPort);
    const b = await RawPeer.connect(h.tlsPort);
    peers.push(a, b);
    // b claims a's address and port (same IP, so only the "own key" rule stops it).
    b.s.write(options(h.tlsPort, `127.0.0.1:${a.s.localPort}`, ';alias', 3));
    assert.match((await b.next('200 for OPTIONS')).toString('latin1'), /^SIP\/2\.0 200 /);
    const rows = await h.rpc<ConnectionRow[]>('core.connections');
    assert.deepEqual(rows.find((r) => r.remote === `127.0.0.1:${b.s.localPort}`)!.aliases, []);
    const call = carol.call(`sip:a@127.0.0.1:${a.s.localPort};transport=tls`);
    const inv = await a.next("the INVITE on a's own connection");
    a.s.write(peerResponse(inv, 486));
    assert.equal((await call.final).status, 486);
    assert.equal(b.take(), undefined, 'nothing reached b');
  });

  test('sips: request-URI: Record-Route is sips: on the TLS side; SNI names the host', async () => {
    const names: string[] = [];
    const got: Buffer[] = [];
    const server: Server = createServer({
      cert: pki.read(localhost.cert),
      key: pki.read(localhost.key),
      SNICallback: (name, cb) => {
        names.push(name);
        cb(null, undefined);
      },
    });
    const peerPort = await new Promise<number>((res) =>
      server.listen(0, '127.0.0.1', () => res((server.address() as { port: number }).port)),
    );
    server.on('secureConnection', (s) => {
      const peer = new RawPeer(s);
      void peer.next('the INVITE').then((inv) => {
        got.push(inv);
        s.write(peerResponse(inv, 486));
      });
    });
    try {
      const res = await carol.call(`sips:dave@localhost:${peerPort}`).final;
      assert.equal(res.status, 486);
      assert.deepEqual(names, ['localhost'], 'SNI: the host name of the target');
      const text = got[0]!.toString('latin1');
      const rr = [...text.matchAll(/^Record-Route: (.*)$/gim)].map((m) => m[1]!.trim());
      assert.equal(rr.length, 2, rr.join(' , '));
      assert.match(rr[0]!, new RegExp(`^<sips:127\\.0\\.0\\.1:${h.tlsPort};lr;`), 'the TLS side: sips:, no transport');
      assert.match(rr[1]!, new RegExp(`^<sip:127\\.0\\.0\\.1:${h.udpPort};lr;`), 'the UDP side stays sip:');
    } finally {
      server.close();
    }
  });

  test('a sip: request over TLS keeps sip:...;transport=tls in its Record-Route', async () => {
    const got: Buffer[] = [];
    const server: Server = createServer({
      cert: pki.read(localhost.cert),
      key: pki.read(localhost.key),
    });
    const peerPort = await new Promise<number>((res) =>
      server.listen(0, '127.0.0.1', () => res((server.address() as { port: number }).port)),
    );
    server.on('secureConnection', (s) => {
      const peer = new RawPeer(s);
      void peer.next('the INVITE').then((inv) => {
        got.push(inv);
        s.write(peerResponse(inv, 486));
      });
    });
    try {
      assert.equal((await carol.call(`sip:dave@127.0.0.1:${peerPort};transport=tls`).final).status, 486);
      const rr = [...got[0]!.toString('latin1').matchAll(/^Record-Route: (.*)$/gim)].map((m) => m[1]!.trim());
      assert.match(rr[0]!, new RegExp(`^<sip:127\\.0\\.0\\.1:${h.tlsPort};transport=tls;lr;`));
    } finally {
      server.close();
    }
  });
});
