/**
 * sipctl tls (kamctl's `tls` listing): the certificates sipd serves, from the running sipd
 * (tls.list: what it loaded at start or at the last SIGHUP) or, when sipd is not running, from
 * the files its configuration names (the caller reads them: ctl does not load sipd's config).
 * Certificates that expire within the threshold, or cannot be read, are listed in `expiring`
 * so that monitoring can alert on them.
 */
import type { TlsCertificateRow, TlsListResult } from '../mgmt/results.js';
import { isNotRunning, rpc, type CtlContext } from './context.js';

export interface TlsReport extends TlsListResult {
  /** The threshold in days: a certificate with fewer whole days left is expiring. */
  threshold_days: number;
  /** Names of the certificates that expire within threshold_days, have expired, or could not be read. */
  expiring: string[];
}

/** Whether a row needs attention: unreadable, or fewer than `days` whole days left. */
export function isExpiring(row: TlsCertificateRow, days: number): boolean {
  return row.error !== undefined || (row.days_left ?? 0) < days;
}

/**
 * The certificates of the running sipd, else (sipd not running) what `fromConfig` reads. Other
 * management errors (permission, timeout) are thrown: a stale file listing would mislead.
 */
export async function tlsCertificates(
  ctx: CtlContext,
  fromConfig: () => TlsListResult | Promise<TlsListResult>,
  thresholdDays: number,
): Promise<TlsReport> {
  let r: TlsListResult;
  try {
    r = await rpc<TlsListResult>(ctx, 'tls.list');
  } catch (e) {
    if (!isNotRunning(e)) throw e;
    r = await fromConfig();
  }
  const expiring = r.certificates.filter((c) => isExpiring(c, thresholdDays)).map((c) => c.name);
  return { ...r, threshold_days: thresholdDays, expiring };
}
