/**
 * ws: and wss: listeners as operators configure them: `sipd check-config` names a wss: listener
 * without a certificate, a [websocket] path that is not a path and an allowed origin that is not
 * an origin (exit 2), and shows the listeners of a good file; `sipd start --listen ws:... --listen
 * wss:...` binds them and `sipd status` lists them with their real ports; the SIGHUP certificate
 * reload swaps the certificates of tls: and wss: listeners and keeps a WSS connection.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { waitFor } from '../../helpers/net.js';
import { SipdHarness } from '../../helpers/sipd-harness.js';
import { isolatedFlags, jsonOf, runSipd, tmpDirs } from '../../helpers/sipd.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';
import { rawExchange, WsPeer } from '../../helpers/ws-peer.js';

const newDir = tmpDirs();
let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

async function checkConfig(text: string, listen = 'wss:127.0.0.1:0') {
  const dir = newDir();
  const conf = join(dir, 'sipd.conf');
  writeFileSync(conf, `listen = ["udp:127.0.0.1:0", "${listen}"]\n${text}`);
  return runSipd(['check-config', '--config', conf, '--run-dir', join(dir, 'run'), '--data-dir', dir], { dir });
}

describe('sipd check-config: ws: and wss:', () => {
  test('a wss: listener without a certificate', async () => {
    const r = await checkConfig('');
    assert.equal(r.code, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /tls\.certificate: required by a tls: or wss: listener/);
  });

  test('[websocket] path and allowed_origins are checked, each named', async () => {
    const r = await checkConfig(
      '[websocket]\npath = "ws"\nallowed_origins = ["phone.example.com"]\n',
      'ws:127.0.0.1:0',
    );
    assert.equal(r.code, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /websocket\.path: expected an absolute HTTP path/);
    assert.match(r.stderr, /websocket\.allowed_origins\[0\]: expected an origin: scheme:\/\/host\[:port\]/);
  });

  test('a ws: and a tcp: listener on one port are duplicates', async () => {
    const dir = newDir();
    const conf = join(dir, 'sipd.conf');
    writeFileSync(conf, 'listen = ["tcp:127.0.0.1:5999", "ws:127.0.0.1:5999"]\n');
    const r = await runSipd(['check-config', '--config', conf, '--run-dir', join(dir, 'run'), '--data-dir', dir], {
      dir,
    });
    assert.equal(r.code, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /listen\[1\]: duplicates listen\[0\]/);
  });

  test('a good file passes and shows the listeners', async () => {
    const s = pki.server('sip.example.com');
    const r = await checkConfig(
      `[tls]\ncertificate = "${s.cert}"\nprivate_key = "${s.key}"\n[websocket]\npath = "/sip"\nallowed_origins = ["https://phone.example.com"]\n`,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /listen +udp:127\.0\.0\.1:0, wss:127\.0\.0\.1:0/);
  });
});

test('sipd start with ws: and wss: listeners: status lists them, plain HTTP gets 426', async () => {
  const dir = newDir();
  const s = pki.server('sip.example.com');
  writeFileSync(join(dir, 'sipd.conf'), `[tls]\ncertificate = "${s.cert}"\nprivate_key = "${s.key}"\n`);
  const flags = [...isolatedFlags(dir), '--listen', 'ws:127.0.0.1:0', '--listen', 'wss:[::1]:0'];
  const start = await runSipd(['start', ...flags], { dir, timeoutMs: 30000 });
  assert.equal(start.code, 0, start.stderr);
  try {
    const st = await runSipd(['status', '--run-dir', join(dir, 'run'), '--json'], { dir });
    const listen = jsonOf<{ listen: string[] }>(st).result.listen;
    const ws = listen.find((l) => l.startsWith('ws:127.0.0.1:'));
    assert.ok(ws, JSON.stringify(listen));
    assert.ok(
      listen.some((l) => /^wss:\[::1\]:\d+$/.test(l)),
      JSON.stringify(listen),
    );
    const port = Number(ws.split(':').at(-1));
    assert.ok(port > 0, 'the real port, not 0');
    const r = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(r.data, /^HTTP\/1\.1 426 /);
  } finally {
    await runSipd(['stop', '--run-dir', join(dir, 'run')], { dir, timeoutMs: 30000 });
  }
});

test('certificate reload on a running sipd with tls: and wss:: both listeners swap, a WSS connection stays up', async () => {
  const dir = newDir();
  const first = pki.server('first.example.com');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, pki.read(first.cert));
  writeFileSync(keyFile, pki.read(first.key));
  const h = await SipdHarness.start({
    listen: ['udp:127.0.0.1:0', 'tls:127.0.0.1:0', 'wss:127.0.0.1:0'],
    config: `[tls]\ncertificate = "${certFile}"\nprivate_key = "${keyFile}"\n`,
  });
  try {
    const subject = () =>
      new Promise<string>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: h.portOf('wss'), rejectUnauthorized: false }, () => {
          resolve(String(s.getPeerCertificate().subject.CN));
          s.destroy();
        });
        s.once('error', reject);
      });
    const ws = await WsPeer.connect(`wss://127.0.0.1:${h.portOf('wss')}/`);
    assert.equal(await subject(), 'first.example.com');
    const next = pki.server('second.example.com');
    writeFileSync(certFile, pki.read(next.cert));
    writeFileSync(keyFile, pki.read(next.key));
    assert.equal(h.server.sipTransport!.reloadCertificates!(), 2, 'the tls: and the wss: listener');
    assert.equal(await subject(), 'second.example.com');
    // The WebSocket opened before still carries SIP: a keep-alive ping frame is answered.
    ws.send('\r\n\r\n');
    await waitFor(() => ws.frames.includes('\r\n'), 3000, 'the pong frame');
    assert.equal(ws.closeCode, undefined);
    ws.close();
  } finally {
    await h.stop();
  }
});
