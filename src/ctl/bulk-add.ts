/**
 * `sipctl add --from-file FILE|-`: provisioning thousands of subscribers in one transaction (all
 * or nothing), one reload of a running sipd afterwards, and a warning per domain sipd does not
 * serve. The first row that cannot be added names its line and nothing is added.
 */
import { CliError, exitCodeOf } from '../shared/errors.js';
import type { ExitCodeValue } from '../shared/exit-codes.js';
import { isStoreError } from '../store/index.js';
import { reloadSipd, withStore, type CtlContext, type ReloadOutcome } from './context.js';
import { unservedDomainWarning } from './served-domains.js';
import { parseUsersCsv } from './users-csv.js';

export interface BulkAddResult extends ReloadOutcome {
  /** Subscribers added (every row of the file, or none: the call fails). */
  added: number;
  /** The domains of the added subscribers. */
  domains: string[];
  warnings: string[];
}

export async function addSubscribersFromCsv(ctx: CtlContext, text: string, source: string): Promise<BulkAddResult> {
  const users = parseUsersCsv(text, ctx.defaultDomain, source);
  const domains = [...new Set(users.map((u) => u.domain))].sort();
  const { added, warnings } = await withStore(ctx, 'write', async (store) => {
    let n: number;
    try {
      n = await store.subscribers.addMany(users, { storePlaintext: ctx.settings.storePlaintextPassword });
    } catch (err) {
      const index = isStoreError(err) ? err.details.index : undefined;
      if (!isStoreError(err) || typeof index !== 'number') throw err;
      // The row's line, and that the transaction left the database as it was.
      throw new CliError(
        `${source} line ${users[index]!.line}: ${err.message}; nothing was added`,
        exitCodeOf(err) as ExitCodeValue,
        err.code,
        err.actions,
      );
    }
    const notes: string[] = [];
    for (const d of domains) {
      const w = await unservedDomainWarning(ctx, store, d);
      if (w) notes.push(w);
    }
    return { added: n, warnings: notes };
  });
  return { added, domains, ...(await reloadSipd(ctx, 'cache.reload')), warnings };
}
