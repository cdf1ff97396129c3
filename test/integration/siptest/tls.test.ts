/**
 * siptest over TLS (-t l1 / -t ln with -tls_cert, -tls_key, -tls_version, as SIPp): a uac
 * against a uas, both siptest, with certificates made by openssl for the test; the defaults
 * cacert.pem/cakey.pem from the working directory; a missing certificate file is a clear error.
 * (Debian's sipp 3.6.1 is built without TLS, so there is no sipp peer to test against here.)
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freeTcpPort, siptest, waitTcpListening } from '../../helpers/procs.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';

const common = ['-i', '127.0.0.1', '-nostdin'];
let pki: TestPki;
before(() => {
  pki = makePki();
  const c = pki.server('siptest.example.com');
  copyFileSync(c.cert, join(pki.dir, 'cacert.pem'));
  copyFileSync(c.key, join(pki.dir, 'cakey.pem'));
});
after(() => pki.cleanup());

for (const mode of ['l1', 'ln'] as const) {
  test(`TLS -t ${mode}: siptest uac → siptest uas`, async () => {
    const [sp, cp] = [await freeTcpPort(), await freeTcpPort()];
    const cert = pki.server('uas.example.com');
    const tlsOpts = ['-t', mode, '-tls_cert', cert.cert, '-tls_key', cert.key];
    const server = siptest(['-sn', 'uas', '-p', String(sp), '-m', '20', '--json', ...tlsOpts, ...common], {
      cwd: pki.dir,
      timeoutMs: 30000,
    });
    await waitTcpListening(sp);
    // The client takes cacert.pem / cakey.pem from its working directory, as SIPp does.
    const client = await siptest(
      [
        `127.0.0.1:${sp}`,
        '-sn',
        'uac',
        '-t',
        mode,
        '-tls_version',
        '1.3',
        '-p',
        String(cp),
        '-r',
        '50',
        '-m',
        '20',
        '--json',
        ...common,
      ],
      { cwd: pki.dir, timeoutMs: 30000 },
    );
    const s = await server;
    assert.equal(client.code, 0, client.stderr + client.stdout.slice(-1500));
    assert.equal(JSON.parse(client.stdout).result.calls.successful, 20);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).result.calls.successful, 20);
  });
}

test('-t l1 with a missing certificate file: a clear error, no run', async () => {
  const r = await siptest(
    ['127.0.0.1:5999', '-sn', 'uac', '-t', 'l1', '-tls_cert', '/nonexistent.pem', '-m', '1', ...common],
    {
      cwd: pki.dir,
      timeoutMs: 15000,
    },
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /Unable to load certificate file \/nonexistent\.pem/);
});
