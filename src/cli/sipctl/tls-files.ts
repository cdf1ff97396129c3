/**
 * `sipctl tls` without a running sipd: the certificates sipd's configuration names, read from
 * disk. The config is loaded without its TLS check, so a missing or mismatched file is listed
 * with its error instead of stopping the listing. The loader (and its schema) is imported only
 * then: with sipd running, `sipctl tls` asks sipd and starts faster without it.
 */
import type { ConfigOverrides } from '../../daemon/config/load.js';
import type { TlsListResult } from '../../mgmt/results.js';

export async function configCertificates(overrides: ConfigOverrides): Promise<TlsListResult> {
  const { loadConfig } = await import('../../daemon/config/load.js');
  const { fileCertificateRows } = await import('../../daemon/config/tls-list.js');
  const config = loadConfig({ ...overrides, checkTls: false });
  const now = Date.now();
  return { source: 'config', listeners: 0, loaded_ms: now, certificates: fileCertificateRows(config.tls, now) };
}
