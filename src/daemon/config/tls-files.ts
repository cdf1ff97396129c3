/**
 * The certificate files of [tls]: read and checked when the configuration is loaded (so `sipd
 * check-config` and `sipd run` report a missing or unreadable file, or a key that does not
 * belong to its certificate, with the key that names it), and read again on SIGHUP to swap the
 * certificates of the running listeners.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { TlsCredentials, TlsOptions } from '../../core/index.js';
import type { ConfigProblem } from './schema.js';

/** The [tls] section as loaded (paths absolute once resolved). */
export interface TlsSection {
  readonly certificate: string;
  readonly private_key: string;
  readonly ca_list: string;
  readonly verify_client: boolean;
  readonly verify_server: boolean;
  readonly min_version: 'TLSv1.2' | 'TLSv1.3';
  readonly domain: ReadonlyArray<{
    readonly server_name: string;
    readonly certificate: string;
    readonly private_key: string;
  }>;
}

/** The section with every file path made absolute against `dir` (the config file's directory). */
export function resolveTlsPaths<T extends TlsSection>(t: T, dir: string): T {
  const abs = (p: string) => (p === '' ? p : resolve(dir, p));
  return {
    ...t,
    certificate: abs(t.certificate),
    private_key: abs(t.private_key),
    ca_list: abs(t.ca_list),
    domain: t.domain.map((d) => ({ ...d, certificate: abs(d.certificate), private_key: abs(d.private_key) })),
  };
}

/** Why a file cannot be read, in words. */
function readProblem(file: string, e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return `${file}: no such file`;
  if (e.code === 'EACCES') return `${file}: not readable by this user (permission denied)`;
  if (e.code === 'EISDIR') return `${file}: is a directory, not a PEM file`;
  return `${file}: ${e.message}`;
}

/** Why OpenSSL refused a certificate/key pair, in words. */
function pairProblem(cert: string, key: string, e: Error): string {
  const m = e.message;
  if (/key values mismatch/i.test(m)) return `the private key ${key} does not match the certificate ${cert}`;
  if (/no start line|PEM|ASN1|bad decrypt|unsupported/i.test(m))
    return `${cert} / ${key}: not a usable PEM certificate and key (${m})`;
  return `${cert} / ${key}: ${m}`;
}

/** Reads the files of the section; throws TlsConfigError listing every problem. */
export function readTlsCredentials(t: TlsSection): TlsCredentials {
  const problems: ConfigProblem[] = [];
  const read = (key: string, file: string): string | undefined => {
    try {
      return readFileSync(file, 'latin1');
    } catch (e) {
      problems.push({ key, message: readProblem(file, e as NodeJS.ErrnoException) });
      return undefined;
    }
  };
  const pair = (key: string, certFile: string, keyFile: string) => {
    const cert = read(`${key}certificate`, certFile);
    const pem = read(`${key}private_key`, keyFile);
    if (cert === undefined || pem === undefined) return undefined;
    try {
      createSecureContext({ cert, key: pem });
    } catch (e) {
      problems.push({ key: `${key}private_key`, message: pairProblem(certFile, keyFile, e as Error) });
      return undefined;
    }
    return { cert, key: pem };
  };
  if (t.certificate === '') problems.push({ key: 'tls.certificate', message: 'required by a tls: or wss: listener' });
  if (t.private_key === '') problems.push({ key: 'tls.private_key', message: 'required by a tls: or wss: listener' });
  const main = problems.length === 0 ? pair('tls.', t.certificate, t.private_key) : undefined;
  const ca = t.ca_list === '' ? undefined : read('tls.ca_list', t.ca_list);
  if (t.verify_client && t.ca_list === '')
    problems.push({ key: 'tls.verify_client', message: 'needs tls.ca_list (the CAs that sign client certificates)' });
  const servers = t.domain.flatMap((d, i) => {
    const p = pair(`tls.domain[${i}].`, d.certificate, d.private_key);
    return p === undefined ? [] : [{ serverName: d.server_name, ...p }];
  });
  if (problems.length > 0 || main === undefined) throw new TlsConfigError(problems);
  return { ...main, ca, servers };
}

/** The core TLS options of the section (credentials read from the files). */
export function tlsOptionsOf(t: TlsSection): TlsOptions {
  return {
    credentials: readTlsCredentials(t),
    verifyClient: t.verify_client,
    verifyServer: t.verify_server,
    minVersion: t.min_version,
  };
}

export class TlsConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join('; '));
  }
}
