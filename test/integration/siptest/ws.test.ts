/**
 * siptest over WebSocket (-t w1 / -t wn, RFC 7118; secure with -wss and the -tls_* material):
 * a uac against a uas, both siptest, on the default path and on -ws_path; -wss without a
 * WebSocket transport is a usage error. (SIPp has no WebSocket transport to test against.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freeTcpPort, siptest, waitTcpListening } from '../../helpers/procs.js';
import { makePki, type TestPki } from '../../helpers/tls-certs.js';

const common = ['-i', '127.0.0.1', '-nostdin'];
let pki: TestPki;
before(() => {
  pki = makePki();
});
after(() => pki.cleanup());

const cases: Array<[string, string[]]> = [
  ['w1', []],
  ['wn', ['-ws_path', '/sip']],
  ['w1', ['-wss']],
];
for (const [mode, extra] of cases) {
  test(`-t ${mode} ${extra.join(' ')}: siptest uac → siptest uas`, async () => {
    const [sp, cp] = [await freeTcpPort(), await freeTcpPort()];
    const cert = pki.server('uas.example.com');
    const opts = ['-t', mode, ...extra, '-tls_cert', cert.cert, '-tls_key', cert.key];
    const server = siptest(['-sn', 'uas', '-p', String(sp), '-m', '20', '--json', ...opts, ...common], {
      cwd: pki.dir,
      timeoutMs: 30000,
    });
    await waitTcpListening(sp);
    const client = await siptest(
      [`127.0.0.1:${sp}`, '-sn', 'uac', '-p', String(cp), '-r', '50', '-m', '20', '--json', ...opts, ...common],
      { cwd: pki.dir, timeoutMs: 30000 },
    );
    const s = await server;
    assert.equal(client.code, 0, client.stderr + client.stdout.slice(-1500));
    assert.equal(JSON.parse(client.stdout).result.calls.successful, 20);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).result.calls.successful, 20);
  });
}

test('-wss without -t w1/wn is a usage error', async () => {
  const r = await siptest(['127.0.0.1:5999', '-sn', 'uac', '-t', 'l1', '-wss', '-m', '1', ...common], {
    cwd: pki.dir,
    timeoutMs: 15000,
  });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr + r.stdout, /-wss makes a WebSocket run secure/);
});
