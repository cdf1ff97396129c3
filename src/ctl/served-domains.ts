/**
 * Is a domain served by sipd? A subscriber of a domain sipd does not serve cannot register (sipd
 * treats the request as one for a foreign domain), so adding one deserves a warning that says how
 * to add the domain. A running sipd answers itself (domain.dump: its configuration plus the domain
 * table). Otherwise the domain table and sipd's configured domains decide; the configuration is
 * read only when the table does not have the domain (the common case costs nothing).
 */
import type { Store } from '../store/index.js';
import { rpc, type CtlContext } from './context.js';

/** Why `domain` is not served, as a warning with the fix; undefined when it is served or unknown. */
export async function unservedDomainWarning(
  ctx: CtlContext,
  store: Store,
  domain: string,
): Promise<string | undefined> {
  let served: readonly string[] | undefined;
  try {
    served = (await rpc<{ domains: string[] }>(ctx, 'domain.dump', undefined, 5000)).domains;
  } catch {
    // Not running, or it cannot be asked (permission, timeout): the table and the config tell
    // instead. A warning is advice; it must never fail the add.
  }
  const lower = domain.toLowerCase();
  if (served === undefined) {
    if (await store.domains.exists(lower)) return undefined;
    const configured = await ctx.configuredDomains?.().catch(() => undefined);
    // Without a readable configuration there is nothing to compare with: say nothing.
    if (configured === undefined) return undefined;
    served = configured;
  }
  if (served.some((d) => d.toLowerCase() === lower)) return undefined;
  return (
    `sipd does not serve the domain ${domain}: its phones cannot register until it does; ` +
    `add it with: sipctl domain add ${domain} (or list it in domains = [...] of sipd.conf)`
  );
}
