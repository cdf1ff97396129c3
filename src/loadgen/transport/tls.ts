/**
 * TLS for siptest (-t l1 / -t ln), as SIPp does it: the certificate and key of -tls_cert and
 * -tls_key (default cacert.pem and cakey.pem in the working directory) serve both as the server
 * certificate of the listening socket and as the client certificate of connections we open;
 * -tls_ca verifies the peer when given (SIPp does not verify otherwise); -tls_version pins the
 * protocol version (1.0 to 1.3; default: what OpenSSL allows, 1.2 and up).
 */
import { readFileSync } from 'node:fs';
import type { SecureVersion } from 'node:tls';
import { SippError, SippExit } from '../errors.js';
import type { RunOptions } from '../options/run-options.js';

export interface LoadgenTls {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
  minVersion: SecureVersion | undefined;
  maxVersion: SecureVersion | undefined;
}

const VERSIONS: Record<string, SecureVersion> = {
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

/** -tls_version's value as a Node version name; throws a usage problem for anything else. */
export function tlsVersionOf(v: string): SecureVersion {
  const out = VERSIONS[v.replace(/^TLSv?/i, '')];
  if (out === undefined) throw new SippError(`-tls_version: expected 1.0, 1.1, 1.2 or 1.3, not '${v}'`, SippExit.FATAL);
  return out;
}

function readPem(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new SippError(`Unable to load ${what} file ${file}: ${(e as Error).message}`, SippExit.FATAL);
  }
}

/** The TLS material of a run (files read once, at start). */
export function loadgenTls(o: RunOptions): LoadgenTls {
  const version = o.tlsVersion === undefined ? undefined : tlsVersionOf(o.tlsVersion);
  return {
    cert: readPem('certificate', o.tlsCert ?? 'cacert.pem'),
    key: readPem('private key', o.tlsKey ?? 'cakey.pem'),
    ca: o.tlsCa === undefined ? undefined : readPem('CA', o.tlsCa),
    minVersion: version,
    maxVersion: version,
  };
}
