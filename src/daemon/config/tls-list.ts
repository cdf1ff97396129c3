/**
 * The rows of `sipctl tls` (tls.list): each certificate of [tls], the default one and one per
 * [[tls.domain]] (SNI), described from its PEM text. The running sipd describes the PEM it holds
 * (read at start or at the last SIGHUP, which may differ from the files now on disk); sipctl,
 * when sipd is not running, describes the files the config names.
 */
import { readFileSync } from 'node:fs';
import { describeCertificate, type TlsCredentials } from '../../core/index.js';
import type { TlsCertificateRow } from '../../mgmt/results.js';
import type { TlsSection } from './tls-files.js';

/** One row; `pem` undefined or unparsable gives a row with `error`. */
function row(name: string, certFile: string, keyFile: string, pem: () => string, now: number): TlsCertificateRow {
  const base = { name, certificate_file: certFile, private_key_file: keyFile };
  let c;
  try {
    c = describeCertificate(pem(), now);
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
  return {
    ...base,
    subject: c.subject,
    san: c.san,
    issuer: c.issuer,
    not_before: c.notBefore,
    not_after: c.notAfter,
    days_left: c.daysLeft,
    fingerprint_sha256: c.fingerprint256,
  };
}

/** The certificates of credentials sipd has loaded from `section` (same order: default, then domains). */
export function loadedCertificateRows(section: TlsSection, creds: TlsCredentials, now: number): TlsCertificateRow[] {
  const rows = [row('default', section.certificate, section.private_key, () => String(creds.cert), now)];
  for (const d of section.domain) {
    const s = creds.servers?.find((x) => x.serverName === d.server_name);
    const pem = () => {
      if (s === undefined) throw new Error('not loaded');
      return String(s.cert);
    };
    rows.push(row(d.server_name, d.certificate, d.private_key, pem, now));
  }
  return rows;
}

/** The certificates the files of `section` hold now; an unreadable file is a row with `error`. */
export function fileCertificateRows(section: TlsSection, now: number): TlsCertificateRow[] {
  const read = (file: string) => () => {
    if (file === '') throw new Error('no certificate file configured');
    try {
      return readFileSync(file, 'latin1');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new Error(err.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${err.message}`);
    }
  };
  // No [tls] certificate configured (no TLS listener): nothing to list.
  const rows =
    section.certificate === ''
      ? []
      : [row('default', section.certificate, section.private_key, read(section.certificate), now)];
  for (const d of section.domain) rows.push(row(d.server_name, d.certificate, d.private_key, read(d.certificate), now));
  return rows;
}
