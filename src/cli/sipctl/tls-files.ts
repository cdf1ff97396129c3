/**
 * `sipctl tls` without a running sipd: the certificates sipd's configuration names, read from
 * disk. The config is loaded without its TLS check, so a missing or mismatched file is listed
 * with its error instead of stopping the listing.
 */
import { loadConfig, type ConfigOverrides } from '../../daemon/config/load.js';
import { fileCertificateRows } from '../../daemon/config/tls-list.js';
import type { TlsListResult } from '../../mgmt/results.js';

export function configCertificates(overrides: ConfigOverrides): TlsListResult {
  const config = loadConfig({ ...overrides, checkTls: false });
  const now = Date.now();
  return { source: 'config', listeners: 0, loaded_ms: now, certificates: fileCertificateRows(config.tls, now) };
}
