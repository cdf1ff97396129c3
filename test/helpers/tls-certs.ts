/**
 * Test certificates, made by openssl in a temporary directory for each test run (no private key
 * is ever committed): a CA, server certificates it signs (for 127.0.0.1, ::1, localhost and the
 * names given), a client certificate, and a key that matches none of them. Files and PEM text.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsOptions } from '../../src/core/index.js';
import { SipdHarness, type SipdSetup } from './sipd-harness.js';

export interface CertFiles {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  ca: string;
  /** A server certificate for CN `name`, with SANs 127.0.0.1, ::1, localhost and `name`. */
  server(name: string): CertFiles;
  /** A key that belongs to no certificate here. */
  strayKey: string;
  read(file: string): string;
  cleanup(): void;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

function newKey(dir: string, name: string): string {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
  return join(dir, name);
}

/** Make a CA in a new temporary directory. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sipkit-tls-'));
  newKey(dir, 'ca.key');
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-days',
    '2',
    '-subj',
    '/CN=sipkit test CA',
    '-out',
    'ca.pem',
  ]);
  let serial = 1;
  const server = (name: string): CertFiles => {
    const base = name.replace(/[^A-Za-z0-9.-]/g, '_');
    const key = newKey(dir, `${base}.key`);
    openssl(dir, ['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', `${base}.csr`]);
    writeFileSync(
      join(dir, `${base}.ext`),
      `subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:${name}\nextendedKeyUsage=serverAuth,clientAuth\n`,
    );
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(serial++),
      '-days',
      '2',
      '-extfile',
      `${base}.ext`,
      '-out',
      `${base}.pem`,
    ]);
    return { cert: join(dir, `${base}.pem`), key };
  };
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    server,
    strayKey: newKey(dir, 'stray.key'),
    read: (f) => readFileSync(f, 'latin1'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * sipd with a certificate of a fresh test PKI for `sip.example.com` (the [tls] section appended
 * to `setup.config`), and the TLS options of a test phone with its own certificate: the start of
 * every TLS and WSS test against sipd. `stop()` stops sipd and removes the PKI.
 */
export async function startSecureSipd(
  setup: SipdSetup,
): Promise<{ pki: TestPki; h: SipdHarness; uaTls: TlsOptions; stop(): Promise<void> }> {
  const pki = makePki();
  const server = pki.server('sip.example.com');
  const phone = pki.server('phone.example.com');
  const uaTls = { credentials: { cert: pki.read(phone.cert), key: pki.read(phone.key) } };
  const tls = `[tls]\ncertificate = "${server.cert}"\nprivate_key = "${server.key}"\n`;
  const h = await SipdHarness.start({ ...setup, config: `${setup.config ?? ''}\n\n${tls}` });
  return {
    pki,
    h,
    uaTls,
    stop: async () => {
      await h.stop();
      pki.cleanup();
    },
  };
}
