/**
 * sipctl's TLS operations through the built bin, with certificates made by openssl for the test
 * (valid for 2 days, so "expires within N days" can be shown both ways):
 * - `sipctl tls` without sipd lists the files sipd's config names (and says so), a missing file
 *   as an error row; with sipd running it lists what sipd loaded, which changes only at SIGHUP;
 *   `--check-expiry DAYS` exits 1 when a certificate expires within DAYS days;
 * - `sipctl ps` shows each listener with its connection counts, and `--connections` the open
 *   TLS and WSS connections of clients with their message counts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import type { TlsReport } from '../../../src/ctl/tls.js';
import type { PsResult } from '../../../src/ctl/runtime.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { waitFor } from '../../helpers/net.js';
import { hostPort, SipctlBox, type SipdStarted } from '../../helpers/sipctl.js';
import { makePki, type CertFiles, type TestPki } from '../../helpers/tls-certs.js';
import { WsPeer } from '../../helpers/ws-peer.js';

const box = new SipctlBox({ SIP_DOMAIN: 'example.com' }, 'sipctl-tls-');
let pki: TestPki;
let main: CertFiles;
let conf: string;

before(() => {
  pki = makePki();
  const served = pki.server('sip.example.com');
  // sipd reads the default certificate from these paths; the reload test overwrites them.
  main = { cert: join(box.dir, 'server.pem'), key: join(box.dir, 'server.key') };
  copyFileSync(served.cert, main.cert);
  copyFileSync(served.key, main.key);
  const other = pki.server('other.example.org');
  conf = join(box.dir, 'sipd.conf');
  writeFileSync(
    conf,
    `[tls]\ncertificate = "${main.cert}"\nprivate_key = "${main.key}"\n` +
      `[[tls.domain]]\nserver_name = "other.example.org"\ncertificate = "${other.cert}"\nprivate_key = "${other.key}"\n`,
  );
});
after(async () => {
  await box.stop().catch(() => undefined);
  box.cleanup();
  pki.cleanup();
});

/** stderr with oclif's warning wrapping undone (" ›   " continuation lines). */
const unwrapped = (stderr: string) => stderr.replace(/\s*\n ›\s+/g, ' ');

/** An OPTIONS for sipd itself (answered 200 by sipd), sent over TLS (or WSS: RFC 7118 §5.2 transport=ws). */
function options(port: number, n: number, wss = false): string {
  const uriTransport = wss ? 'ws' : 'tls';
  const via = wss ? 'WSS df7jal23ls0d.invalid' : 'TLS 127.0.0.1:5999';
  return (
    `OPTIONS sip:127.0.0.1:${port};transport=${uriTransport} SIP/2.0\r\nVia: SIP/2.0/${via};branch=z9hG4bKps${n}\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:probe@example.com>;tag=p\r\nTo: <sip:127.0.0.1:${port}>\r\n` +
    `Call-ID: ps-${n}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}

describe('sipctl tls and ps', { timeout: 240_000 }, () => {
  let started: SipdStarted;
  let tlsPort: number;
  let wssPort: number;

  test('sipd not running: the files of the config, said so; a missing file is an error row', async () => {
    const r = await box.json<TlsReport>(['tls', '--config', conf]);
    assert.equal(r.source, 'config');
    assert.deepEqual(
      r.certificates.map((c) => c.name),
      ['default', 'other.example.org'],
    );
    const d = r.certificates[0]!;
    assert.equal(d.subject, 'CN=sip.example.com');
    assert.ok(d.san!.includes('DNS:sip.example.com') && d.san!.includes('IP Address:127.0.0.1'), d.san!.join());
    assert.equal(d.issuer, 'CN=sipkit test CA');
    assert.equal(d.certificate_file, main.cert);
    assert.ok(d.days_left === 1 || d.days_left === 2, `days_left ${d.days_left}`);
    assert.match(d.fingerprint_sha256!, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const human = await box.ok(['tls', '--config', conf]);
    assert.match(human.stdout, /^sipd is not running: 2 certificates read from the files its configuration names$/m);
    assert.match(human.stdout, /^subject: +CN=other\.example\.org$/m);
    // Within the default 30 days: warned about on stderr, exit 0 without --check-expiry.
    assert.match(unwrapped(human.stderr), /certificate default \(CN=sip\.example\.com\) expires in [12] days?, on 20/);

    const broken = join(box.dir, 'broken.conf');
    writeFileSync(broken, `[tls]\ncertificate = "${join(box.dir, 'nope.pem')}"\nprivate_key = "${main.key}"\n`);
    const b = await box.run(['tls', '--config', broken, '--check-expiry', '0', '--json']);
    assert.equal(b.status, ExitCode.FAILED, 'an unreadable certificate fails the check');
    const row = b.json<TlsReport>().result.certificates[0]!;
    assert.match(row.error!, /nope\.pem: no such file/);
    assert.deepEqual(b.json<TlsReport>().result.expiring, ['default']);
  });

  test('--check-expiry: exit 1 when a certificate expires within DAYS, 0 otherwise', async () => {
    const soon = await box.run(['tls', '--config', conf, '--check-expiry', '7', '--json']);
    assert.equal(soon.status, ExitCode.FAILED);
    const env = soon.json<TlsReport>();
    assert.equal(env.status, ExitCode.FAILED);
    assert.deepEqual(env.result.expiring, ['default', 'other.example.org']);
    assert.equal(env.result.threshold_days, 7);
    const human = await box.run(['tls', '--config', conf, '--check-expiry', '7']);
    assert.equal(human.status, ExitCode.FAILED);
    assert.match(
      unwrapped(human.stderr),
      /certificate other\.example\.org \(CN=other\.example\.org\) expires in [12] days?, on 20/,
    );
    const fine = await box.run(['tls', '--config', conf, '--check-expiry', '1', '--json']);
    assert.equal(fine.status, 0, fine.stderr);
    assert.deepEqual(fine.json<TlsReport>().result.expiring, []);
  });

  test('sipd running: what it loaded; a new file on disk shows only after SIGHUP', async () => {
    started = await box.start(['--listen', 'tls:127.0.0.1:0', '--listen', 'wss:127.0.0.1:0']);
    tlsPort = hostPort(started.listen.find((l) => l.startsWith('tls:'))!).port;
    wssPort = hostPort(started.listen.find((l) => l.startsWith('wss:'))!).port;
    const r = await box.json<TlsReport>(['tls']);
    assert.equal(r.source, 'sipd');
    assert.equal(r.listeners, 2, 'the TLS and the WSS listener');
    assert.equal(r.certificates[0]!.subject, 'CN=sip.example.com');
    const human = await box.ok(['tls']);
    assert.match(human.stdout, /^2 certificates in use by the running sipd \(2 TLS listeners\), loaded \d{4}-/m);

    const renewed = pki.server('renewed.example.com');
    copyFileSync(renewed.cert, main.cert);
    copyFileSync(renewed.key, main.key);
    const still = await box.json<TlsReport>(['tls']);
    assert.equal(still.certificates[0]!.subject, 'CN=sip.example.com', 'not reloaded yet: the old one is in use');
    process.kill(started.pid, 'SIGHUP');
    // SIGHUP is handled asynchronously: ask until the reload shows (bounded).
    let now = still;
    for (let i = 0; i < 50 && now.certificates[0]!.subject !== 'CN=renewed.example.com'; i++) {
      await new Promise((res) => setTimeout(res, 200));
      now = await box.json<TlsReport>(['tls']);
    }
    assert.equal(now.certificates[0]!.subject, 'CN=renewed.example.com');
    assert.ok(now.loaded_ms! > still.loaded_ms!);
  });

  test('ps: listeners with connection counts; --connections lists open TLS and WSS connections', async () => {
    let data = '';
    const s: TLSSocket = connect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false });
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    await new Promise<void>((res, rej) => s.once('secureConnect', res).once('error', rej));
    const ws = await WsPeer.connect(`wss://127.0.0.1:${wssPort}/`);
    try {
      s.write(options(tlsPort, 1) + options(tlsPort, 2));
      await waitFor(() => (data.match(/^SIP\/2\.0 200/gm) ?? []).length === 2, 10_000, 'two 200s');
      for (const n of [3, 4, 5]) ws.send(options(wssPort, n, true));
      await waitFor(() => ws.frames.filter((f) => f.startsWith('SIP/2.0 200')).length === 3, 10_000, 'three 200s');
      const ps = await box.json<PsResult>(['ps', '--connections']);
      assert.equal(ps.processes[0]!.pid, started.pid);
      const tls = ps.listeners.find((l) => l.proto === 'tls')!;
      assert.equal(tls.port, tlsPort);
      assert.equal(tls.connections, 1);
      assert.ok(tls.opened >= 1 && tls.messages_in >= 2, JSON.stringify(tls));
      const wss = ps.listeners.find((l) => l.proto === 'wss')!;
      assert.equal(wss.port, wssPort);
      assert.equal(wss.connections, 1);
      assert.ok(wss.opened >= 1 && wss.messages_in >= 3, JSON.stringify(wss));
      assert.deepEqual(
        ps.listeners.map((l) => l.proto),
        ['udp', 'tcp', 'tls', 'wss'],
      );
      const c = ps.connections!.find((x) => x.proto === 'tls')!;
      assert.equal(c.remote, `127.0.0.1:${s.localPort}`);
      assert.equal(c.local, `127.0.0.1:${tlsPort}`);
      assert.equal(c.inbound, true);
      assert.deepEqual([c.messages_in, c.messages_out, c.kept_ms], [2, 2, 0]);
      const w = ps.connections!.find((x) => x.proto === 'wss')!;
      assert.equal(w.remote, `127.0.0.1:${ws.localPort}`);
      assert.equal(w.local, `127.0.0.1:${wssPort}`);
      assert.equal(w.inbound, true);
      assert.deepEqual([w.messages_in, w.messages_out, w.kept_ms], [3, 3, 0]);
      assert.ok(w.age_ms >= w.idle_ms && w.idle_ms >= 0, JSON.stringify(w));
      const human = await box.ok(['ps', '--connections']);
      assert.match(human.stdout, new RegExp(`^\\s*tls\\s+127\\.0\\.0\\.1\\s+${tlsPort}\\s+1\\s+`, 'm'));
      assert.match(human.stdout, new RegExp(`^\\s*wss\\s+127\\.0\\.0\\.1\\s+${wssPort}\\s+1\\s+`, 'm'));
      assert.match(
        human.stdout,
        new RegExp(`tls\\s+127\\.0\\.0\\.1:${s.localPort}\\s+127\\.0\\.0\\.1:${tlsPort}\\s+in\\s`),
      );
      assert.match(
        human.stdout,
        new RegExp(`wss\\s+127\\.0\\.0\\.1:${ws.localPort}\\s+127\\.0\\.0\\.1:${wssPort}\\s+in\\s`),
      );
      const stats = await box.json<{ stats: Record<string, number> }>(['stats', 'net.tls_open', 'net.tls_opened']);
      assert.equal(stats.stats['net.tls_open'], 1);
      assert.ok(stats.stats['net.tls_opened']! >= 1);
    } finally {
      s.destroy();
      ws.ws.terminate();
    }
    const after = await box.json<PsResult>(['ps']);
    assert.equal(after.connections, undefined, 'no connection list without --connections');
  });
});
