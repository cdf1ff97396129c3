/**
 * AVPs (usr_preferences, kamctl avp list|add|rm) with kamctl's filters: -T table, -u owner
 * (user@domain is an AoR, anything else a uuid: kamctl's check_aor), -a attribute, -v value,
 * -t type. Unlike kamctl, `rm` without any filter refuses (exit 2) unless --all is given, and a
 * filtered `rm` that matches nothing is "not found" (exit 3).
 */
import { notFound, usageError } from '../shared/errors.js';
import { parseAvpOwner, type Avp, type AvpFilter, type AvpType } from '../store/index.js';
import { parseDomain } from './aor.js';
import { reloadSipd, withStore, type CtlContext, type ReloadOutcome } from './context.js';

/** The filters as given on the command line. */
export interface AvpFilterArgs {
  table?: string;
  /** -u: user@domain or a uuid */
  owner?: string;
  attribute?: string;
  value?: string;
  type?: number;
}

export const AVP_TYPES = '0 str:str, 1 str:int, 2 int:str, 3 int:int';

export function parseAvpType(text: string | number): AvpType {
  const n = typeof text === 'number' ? text : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n === 0 || n === 1 || n === 2 || n === 3)) {
    throw usageError(`invalid AVP type "${text}": expected ${AVP_TYPES}`);
  }
  return n;
}

/** user@domain → {username, domain (lower-cased)}; anything else → {uuid}. */
function owner(text: string): { username: string; domain: string } | { uuid: string } {
  const o = parseAvpOwner(text.trim());
  if ('uuid' in o) {
    if (o.uuid === '') throw usageError('the AVP owner (-u) is empty');
    return o;
  }
  return { username: o.username, domain: parseDomain(o.domain, `domain in "${text}"`) };
}

export function toFilter(f: AvpFilterArgs): AvpFilter {
  return {
    ...(f.table !== undefined ? { table: f.table } : {}),
    ...(f.owner !== undefined ? owner(f.owner) : {}),
    ...(f.attribute !== undefined ? { attribute: f.attribute } : {}),
    ...(f.value !== undefined ? { value: f.value } : {}),
    ...(f.type !== undefined ? { type: parseAvpType(f.type) } : {}),
  };
}

const hasFilter = (f: AvpFilter) => Object.keys(f).some((k) => k !== 'table');

export async function listAvps(ctx: CtlContext, f: AvpFilterArgs): Promise<Avp[]> {
  return withStore(ctx, 'read', (store) => store.avps.list(toFilter(f)));
}

export interface AvpAddResult extends ReloadOutcome {
  avp: Avp;
}

export async function addAvp(
  ctx: CtlContext,
  a: { table?: string; owner: string; attribute: string; type: string | number; value: string },
): Promise<AvpAddResult> {
  const type = parseAvpType(a.type);
  const avp = await withStore(ctx, 'write', (store) =>
    store.avps.add({ table: a.table, ...owner(a.owner), attribute: a.attribute, type, value: a.value }),
  );
  return { avp, ...(await reloadSipd(ctx, 'cache.reload')) };
}

export interface AvpRmResult extends ReloadOutcome {
  removed: number;
}

/** Deletes the AVPs matching every filter; `all` with no filter empties the table. */
export async function removeAvps(
  ctx: CtlContext,
  f: AvpFilterArgs,
  opts: { all?: boolean; confirmAll?: () => Promise<void> } = {},
): Promise<AvpRmResult> {
  const filter = toFilter(f);
  if (!hasFilter(filter)) {
    if (!opts.all) {
      throw usageError('refusing to delete every AVP without a filter', [
        'give a filter: -u user@domain|uuid, -a attribute, -v value, -t type',
        'or pass --all to delete every AVP of the table',
      ]);
    }
    await opts.confirmAll?.();
  } else if (opts.all) {
    throw usageError('--all deletes every AVP: it cannot be combined with a filter');
  }
  const removed = await withStore(ctx, 'write', (store) => store.avps.remove(filter, { all: opts.all }));
  if (removed === 0 && hasFilter(filter)) {
    throw notFound('no AVP matches the filter', 'NO_SUCH_AVP', ['`sipctl avp list` with the same filter shows them']);
  }
  return { removed, ...(await reloadSipd(ctx, 'cache.reload')) };
}
