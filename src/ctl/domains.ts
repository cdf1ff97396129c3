/**
 * Domains (table domain, kamctl domain add|rm|show|reload). After a change a running sipd is
 * told to reload its domain list (`domain.reload`), which kamctl leaves to the operator.
 */
import { notFound } from '../shared/errors.js';
import type { DomainRow } from '../store/index.js';
import { isNotRunning, reloadSipd, rpc, withStore, type CtlContext, type ReloadOutcome } from './context.js';

export interface DomainWriteResult extends ReloadOutcome {
  domain: string;
}

export async function addDomain(ctx: CtlContext, domain: string): Promise<DomainWriteResult> {
  await withStore(ctx, 'write', (store) => store.domains.add(domain));
  return { domain, ...(await reloadSipd(ctx, 'domain.reload')) };
}

export async function removeDomain(ctx: CtlContext, domain: string): Promise<DomainWriteResult> {
  await withStore(ctx, 'write', async (store) => {
    if (!(await store.domains.exists(domain))) {
      throw notFound(`no domain ${domain} in the domain table`, 'NO_SUCH_DOMAIN', [
        '`sipctl domain show` lists the domains',
      ]);
    }
    await store.domains.remove(domain);
  });
  return { domain, ...(await reloadSipd(ctx, 'domain.reload')) };
}

export interface DomainShowResult {
  /** Rows of the domain table. */
  domains: DomainRow[];
  /** The domains a running sipd serves (its configuration plus the table); null when not running. */
  served: string[] | null;
}

/** kamctl domain showdb + domain show in one: the table and what a running sipd serves. */
export async function showDomains(ctx: CtlContext): Promise<DomainShowResult> {
  const domains = await withStore(ctx, 'read', (store) => store.domains.list());
  let served: string[] | null = null;
  try {
    served = (await rpc<{ domains: string[] }>(ctx, 'domain.dump')).domains;
  } catch (err) {
    if (!isNotRunning(err)) throw err;
  }
  return { domains, served };
}

/** kamctl domain reload: sipd re-reads the domain table; needs a running sipd (exit 5 otherwise). */
export async function reloadDomains(ctx: CtlContext): Promise<{ domains: string[] }> {
  return rpc<{ domains: string[] }>(ctx, 'domain.reload');
}
