/**
 * ACL group membership (table grp, kamctl acl show|grant|revoke). With VERIFY_ACL=1 (the
 * default) only the group names in ACL_GROUPS may be granted; kamctl skips the others with a
 * warning, sipctl refuses the whole command (exit 2) before changing anything, so a typo in a
 * script never half-applies. The user must be a subscriber (kamctl's VERIFY_USER asks on a
 * terminal instead; a script cannot answer).
 */
import { conflict, notFound, usageError } from '../shared/errors.js';
import type { GroupMembership } from '../store/index.js';
import type { UserRef } from './aor.js';
import { reloadSipd, withStore, type CtlContext, type ReloadOutcome } from './context.js';

export interface MembershipView {
  aor: string;
  username: string;
  domain: string;
  group: string;
  lastModified: string;
}

const view = (m: GroupMembership): MembershipView => ({ aor: `${m.username}@${m.domain}`, ...m });

export interface GrantResult extends ReloadOutcome {
  granted: MembershipView[];
}

export interface RevokeResult extends ReloadOutcome {
  aor: string;
  /** The group revoked, or null for all of the user's groups. */
  group: string | null;
  revoked: number;
}

/** Group names are kamctl's: a word without spaces (grp.grp is VARCHAR(64)). */
function checkGroupName(g: string): void {
  if (!/^[A-Za-z0-9_.+-]+$/.test(g)) {
    throw usageError(`invalid group name "${g}": use letters, digits, "_", ".", "+" and "-"`);
  }
}

export async function grantGroups(ctx: CtlContext, u: UserRef, groups: string[]): Promise<GrantResult> {
  if (groups.length === 0) throw usageError('name at least one group to grant');
  groups.forEach(checkGroupName);
  const unique = [...new Set(groups)];
  const { verifyAcl, aclGroups } = ctx.settings;
  if (verifyAcl) {
    const refused = unique.filter((g) => !aclGroups.includes(g));
    if (refused.length > 0) {
      throw usageError(
        `group${refused.length > 1 ? 's' : ''} ${refused.join(', ')} not allowed: VERIFY_ACL is on and ACL_GROUPS is "${aclGroups.join(' ')}"`,
        ['add the group to ACL_GROUPS in ~/.sipctlrc (or the environment)', 'or set VERIFY_ACL=0 to allow any name'],
      );
    }
  }
  const granted = await withStore(ctx, 'write', async (store) => {
    if (!(await store.subscribers.get(u.username, u.domain))) {
      throw notFound(`no subscriber ${u.aor}`, 'NO_SUCH_SUBSCRIBER', [`add it first: sipctl add ${u.aor}`]);
    }
    const have = new Set((await store.groups.list({ username: u.username, domain: u.domain })).map((m) => m.group));
    const dup = unique.filter((g) => have.has(g));
    if (dup.length > 0) {
      throw conflict(`${u.aor} is already in group${dup.length > 1 ? 's' : ''} ${dup.join(', ')}`, 'ALREADY_MEMBER', [
        `\`sipctl acl show ${u.aor}\` lists its groups`,
      ]);
    }
    const out: GroupMembership[] = [];
    for (const g of unique) out.push(await store.groups.grant(u.username, u.domain, g));
    return out;
  });
  return { granted: granted.map(view), ...(await reloadSipd(ctx, 'cache.reload')) };
}

/** kamctl acl revoke <user> [<group>]: one group (exit 3 if not a member) or all of them. */
export async function revokeGroups(ctx: CtlContext, u: UserRef, group?: string): Promise<RevokeResult> {
  if (group !== undefined) checkGroupName(group);
  const revoked = await withStore(ctx, 'write', (store) => store.groups.revoke(u.username, u.domain, group));
  return { aor: u.aor, group: group ?? null, revoked, ...(await reloadSipd(ctx, 'cache.reload')) };
}

/** kamctl acl show [<user>]. */
export async function listMemberships(ctx: CtlContext, u?: UserRef): Promise<MembershipView[]> {
  const list = await withStore(ctx, 'read', (store) =>
    store.groups.list(u ? { username: u.username, domain: u.domain } : {}),
  );
  return list.map(view);
}
