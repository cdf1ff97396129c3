/**
 * The [tls] section as `sipd check-config` sees it, with certificates made by openssl for the
 * test: a key that does not match its certificate, a missing file and a TLS listener without a
 * certificate are each reported with their key and exit 2; a good section passes and the tls:
 * listener is shown. And the certificate reload of SIGHUP on a running sipd: new handshakes get
 * the new certificate, a connection made before keeps working.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { SipdHarness } from '../../helpers/sipd-harness.js';
import { runSipd, tmpDirs } from '../../helpers/sipd.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';

const newDir = tmpDirs();
let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

async function checkConfig(tls: string, listen = 'tls:127.0.0.1:0') {
  const dir = newDir();
  const conf = join(dir, 'sipd.conf');
  writeFileSync(conf, `listen = ["udp:127.0.0.1:0", "${listen}"]\n${tls}`);
  return runSipd(['check-config', '--config', conf, '--run-dir', join(dir, 'run'), '--data-dir', dir], { dir });
}

describe('sipd check-config: [tls]', () => {
  test('a private key that does not match the certificate: exit 2, named', async () => {
    const s = pki.server('sip.example.com');
    const r = await checkConfig(`[tls]\ncertificate = "${s.cert}"\nprivate_key = "${pki.strayKey}"\n`);
    assert.equal(r.code, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /tls\.private_key: the private key .*stray\.key does not match the certificate .*\.pem/);
  });

  test('a missing file, and a per-domain key that does not match: both listed', async () => {
    const s = pki.server('sip.example.com');
    const d = pki.server('other.example.org');
    const r = await checkConfig(
      `[tls]\ncertificate = "${s.cert}"\nprivate_key = "/nonexistent/key.pem"\n` +
        `[[tls.domain]]\nserver_name = "other.example.org"\ncertificate = "${d.cert}"\nprivate_key = "${s.key}"\n`,
    );
    assert.equal(r.code, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /tls\.private_key: \/nonexistent\/key\.pem: no such file/);
    assert.match(r.stderr, /tls\.domain\[0\]\.private_key: the private key .* does not match/);
  });

  test('a tls: listener without a certificate', async () => {
    const r = await checkConfig('');
    assert.equal(r.code, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /tls\.certificate: required by a tls: or wss: listener/);
  });

  test('a good section passes; relative paths are relative to the config file', async () => {
    const s = pki.server('sip.example.com');
    const r = await checkConfig(`[tls]\ncertificate = "${s.cert}"\nprivate_key = "${s.key}"\nca_list = "ca.pem"\n`);
    // ca.pem is not next to this config file: the relative path is resolved against its directory.
    assert.equal(r.code, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /tls\.ca_list: \/.*\/ca\.pem: no such file/);
    const ok = await checkConfig(`[tls]\ncertificate = "${s.cert}"\nprivate_key = "${s.key}"\nca_list = "${pki.ca}"\n`);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /listen +udp:127\.0\.0\.1:0, tls:127\.0\.0\.1:0/);
  });
});

test('certificate reload on a running sipd: new handshakes get the new one, old connections stay', async () => {
  const dir = newDir();
  const first = pki.server('first.example.com');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, pki.read(first.cert));
  writeFileSync(keyFile, pki.read(first.key));
  const h = await SipdHarness.start({
    listen: ['udp:127.0.0.1:0', 'tls:127.0.0.1:0'],
    config: `[tls]\ncertificate = "${certFile}"\nprivate_key = "${keyFile}"\n`,
  });
  try {
    const open = (): Promise<TLSSocket> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: h.tlsPort, rejectUnauthorized: false }, () => resolve(s));
        s.once('error', reject);
      });
    const old = await open();
    assert.equal(old.getPeerCertificate().subject.CN, 'first.example.com');
    const next = pki.server('second.example.com');
    writeFileSync(certFile, pki.read(next.cert));
    writeFileSync(keyFile, pki.read(next.key));
    assert.equal(h.server.sipTransport!.reloadCertificates!(), 1);
    const fresh = await open();
    assert.equal(fresh.getPeerCertificate().subject.CN, 'second.example.com');
    // The old connection still carries SIP: a keep-alive ping is answered.
    let pong = '';
    old.on('data', (d: Buffer) => (pong += d.toString('latin1')));
    old.write('\r\n\r\n');
    const until = Date.now() + 3000;
    while (pong === '' && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pong, '\r\n');
    // A broken pair is refused and the running certificate stays.
    writeFileSync(keyFile, pki.read(pki.strayKey));
    assert.throws(() => h.server.sipTransport!.reloadCertificates!(), /does not match/);
    const still = await open();
    assert.equal(still.getPeerCertificate().subject.CN, 'second.example.com');
    for (const s of [old, fresh, still]) s.destroy();
  } finally {
    await h.stop();
  }
});
