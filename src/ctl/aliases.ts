/**
 * Aliases (dbaliases, kamctl alias_db): add, rm, show, list, with a cache reload after writes.
 * The target of `add` must be a subscriber (kamctl does not check; a dangling alias only makes
 * calls fail later); the alias must not be a subscriber (the store refuses it, exit 4).
 */
import { notFound } from '../shared/errors.js';
import type { Alias } from '../store/index.js';
import type { UserRef } from './aor.js';
import { reloadSipd, withStore, type CtlContext, type ReloadOutcome } from './context.js';

/** An alias as sipctl shows it. */
export interface AliasView {
  /** alias_username@alias_domain */
  alias: string;
  /** username@domain of the subscriber it points to */
  target: string;
  aliasUsername: string;
  aliasDomain: string;
  username: string;
  domain: string;
}

export const aliasView = (a: Alias): AliasView => ({
  alias: `${a.aliasUsername}@${a.aliasDomain}`,
  target: `${a.username}@${a.domain}`,
  ...a,
});

export interface AliasWriteResult extends ReloadOutcome {
  alias: AliasView;
}

export async function addAlias(ctx: CtlContext, alias: UserRef, target: UserRef): Promise<AliasWriteResult> {
  const a = await withStore(ctx, 'write', async (store) => {
    if (!(await store.subscribers.get(target.username, target.domain))) {
      throw notFound(`no subscriber ${target.aor} for the alias to point to`, 'NO_SUCH_SUBSCRIBER', [
        `add it first: sipctl add ${target.aor}`,
      ]);
    }
    return store.aliases.add({
      aliasUsername: alias.username,
      aliasDomain: alias.domain,
      username: target.username,
      domain: target.domain,
    });
  });
  return { alias: aliasView(a), ...(await reloadSipd(ctx, 'cache.reload')) };
}

export async function removeAlias(ctx: CtlContext, alias: UserRef): Promise<AliasWriteResult> {
  const a = await withStore(ctx, 'write', async (store) => {
    const found = await store.aliases.get(alias.username, alias.domain);
    if (!found) {
      throw notFound(`no alias ${alias.aor}`, 'NO_SUCH_ALIAS', ['`sipctl alias list` shows the aliases']);
    }
    await store.aliases.remove(alias.username, alias.domain);
    return found;
  });
  return { alias: aliasView(a), ...(await reloadSipd(ctx, 'cache.reload')) };
}

/** kamctl alias_db show <alias>: what it points to; exit 3 when there is no such alias. */
export async function showAlias(ctx: CtlContext, alias: UserRef): Promise<AliasView> {
  const a = await withStore(ctx, 'read', (store) => store.aliases.get(alias.username, alias.domain));
  if (!a) throw notFound(`no alias ${alias.aor}`, 'NO_SUCH_ALIAS', ['`sipctl alias list` shows the aliases']);
  return aliasView(a);
}

/** kamctl alias_db list [<user>]: every alias, or those pointing to one subscriber. */
export async function listAliases(ctx: CtlContext, target?: UserRef): Promise<AliasView[]> {
  const list = await withStore(ctx, 'read', (store) =>
    store.aliases.list(target ? { username: target.username, domain: target.domain } : undefined),
  );
  return list.map(aliasView);
}
