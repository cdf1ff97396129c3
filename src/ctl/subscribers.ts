/**
 * Subscribers: kamctl add / passwd / rm / show, over the store, with the reload of a running
 * sipd after each write. `rm` cascades like kamctl's (group memberships, aliases) and further
 * (AVPs, stored contacts, and the live contacts of a running sipd through ul.rm).
 */
import { CliError, notFound } from '../shared/errors.js';
import { isStoreError, type Subscriber } from '../store/index.js';
import type { UserRef } from './aor.js';
import { isNotRunning, reloadSipd, rpc, withStore, type CtlContext, type ReloadOutcome } from './context.js';
import { RpcCallError } from '../mgmt/client.js';
import { unservedDomainWarning } from './served-domains.js';
import { RpcErrorCode } from '../mgmt/protocol.js';

/** A subscriber as sipctl shows it: the hashes, never the plaintext password. */
export interface SubscriberView {
  aor: string;
  username: string;
  domain: string;
  /** MD5(username:domain:password), kamctl's ha1 (realm = domain). */
  ha1: string;
  /** MD5(username@domain:domain:password), kamctl's ha1b. */
  ha1b: string;
  /** SHA-256 HA1, null when the database has no ha1_sha256 column. */
  ha1Sha256: string | null;
  /** Whether the plaintext password column is filled (STORE_PLAINTEXT_PW=1). */
  plaintextStored: boolean;
}

export const viewOf = (s: Subscriber): SubscriberView => ({
  aor: `${s.username}@${s.domain}`,
  username: s.username,
  domain: s.domain,
  ha1: s.ha1,
  ha1b: s.ha1b,
  ha1Sha256: s.ha1Sha256,
  plaintextStored: s.password !== '',
});

export interface SubscriberWriteResult extends ReloadOutcome {
  subscriber: SubscriberView;
}

export interface SubscriberAddResult extends SubscriberWriteResult {
  /** Things to fix that did not stop the add (a domain sipd does not serve). */
  warnings: string[];
}

const noSubscriber = (u: UserRef) =>
  notFound(`no subscriber ${u.aor}`, 'NO_SUCH_SUBSCRIBER', [
    '`sipctl list` shows the subscribers',
    `add it with: sipctl add ${u.aor}`,
  ]);

/** kamctl add: refused (exit 4) when the user exists or is an alias. */
export async function addSubscriber(ctx: CtlContext, u: UserRef, password: string): Promise<SubscriberAddResult> {
  const [s, warning] = await withStore(ctx, 'write', async (store) => {
    const added = await store.subscribers.add(u.username, u.domain, password, {
      storePlaintext: ctx.settings.storePlaintextPassword,
    });
    return [added, await unservedDomainWarning(ctx, store, u.domain)] as const;
  });
  return { subscriber: viewOf(s), ...(await reloadSipd(ctx, 'cache.reload')), warnings: warning ? [warning] : [] };
}

/** kamctl passwd: recomputes every hash column; exit 3 for an unknown user. */
export async function changePassword(ctx: CtlContext, u: UserRef, password: string): Promise<SubscriberWriteResult> {
  const s = await withStore(ctx, 'write', (store) =>
    store.subscribers
      .setPassword(u.username, u.domain, password, { storePlaintext: ctx.settings.storePlaintextPassword })
      // The same words and code as `show` and `rm` for the same missing user (not the store's own).
      .catch((err: unknown) => {
        throw isStoreError(err, 'DB_NOT_FOUND_ROW') ? noSubscriber(u) : err;
      }),
  );
  return { subscriber: viewOf(s), ...(await reloadSipd(ctx, 'cache.reload')) };
}

/** What `rm` will delete besides the subscriber row (for the confirmation question). */
export interface RemovalPlan {
  subscriber: SubscriberView;
  aliases: number;
  groups: number;
  preferences: number;
}

export interface RemoveResult extends ReloadOutcome {
  subscriber: SubscriberView;
  removed: {
    aliases: number;
    groups: number;
    preferences: number;
    /** Rows of the location table (contacts sipd persisted). */
    storedContacts: number;
    /** Contacts a running sipd dropped from memory; null when sipd is not running. */
    liveContacts: number | null;
  };
}

/**
 * kamctl rm, in one transaction: the subscriber, its group memberships, the aliases pointing to
 * it, its AVPs and its stored contacts; then the live contacts of a running sipd (ul.rm) and a
 * cache reload. `confirm` is called with what will go before anything is deleted.
 */
export async function removeSubscriber(
  ctx: CtlContext,
  u: UserRef,
  confirm: (plan: RemovalPlan) => Promise<void>,
): Promise<RemoveResult> {
  const r = await withStore(ctx, 'write', async (store) => {
    const s = await store.subscribers.get(u.username, u.domain);
    if (!s) throw noSubscriber(u);
    const target = { username: u.username, domain: u.domain };
    const [aliases, groups, preferences] = await Promise.all([
      store.aliases.list(target),
      store.groups.list(target),
      store.avps.list(target),
    ]);
    await confirm({
      subscriber: viewOf(s),
      aliases: aliases.length,
      groups: groups.length,
      preferences: preferences.length,
    });
    return store.subscribers.remove(u.username, u.domain);
  });
  let liveContacts: number | null = null;
  try {
    liveContacts = (await rpc<{ removed: number }>(ctx, 'ul.rm', [u.aor])).removed;
  } catch (err) {
    if (err instanceof RpcCallError && err.rpcCode === RpcErrorCode.NOT_FOUND) liveContacts = 0;
    else if (!isNotRunning(err)) {
      if (!(err instanceof CliError)) throw err;
      throw new CliError(
        `${u.aor} was removed from the database, but sipd could not drop its registered contacts: ${err.message}`,
        err.exitCode,
        err.code,
        [`drop them once sipd is reachable: sipctl ul rm ${u.aor}`, ...err.actions],
      );
    }
  }
  return {
    subscriber: viewOf(r.subscriber),
    removed: {
      aliases: r.aliases,
      groups: r.groups,
      preferences: r.preferences,
      storedContacts: r.contacts,
      liveContacts,
    },
    ...(await reloadSipd(ctx, 'cache.reload')),
  };
}

/** kamctl show <user>; exit 3 for an unknown user. */
export async function showSubscriber(ctx: CtlContext, u: UserRef): Promise<SubscriberView> {
  const s = await withStore(ctx, 'read', (store) => store.subscribers.get(u.username, u.domain));
  if (!s) throw noSubscriber(u);
  return viewOf(s);
}

/** Every subscriber, or those of one domain. */
export async function listSubscribers(ctx: CtlContext, filter: { domain?: string } = {}): Promise<SubscriberView[]> {
  return (await withStore(ctx, 'read', (store) => store.subscribers.list(filter))).map(viewOf);
}
