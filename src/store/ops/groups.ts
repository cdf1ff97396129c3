/** Group membership for ACL checks (table `grp`, Kamailio's group module; kamctl acl). */
import { nowDbDatetime } from '../datetime.js';
import { StoreError, storeError } from '../errors.js';
import type { OpsContext } from './context.js';
import { aor, checkText } from './validate.js';

export interface GroupMembership {
  username: string;
  domain: string;
  group: string;
  /** As stored: 'YYYY-MM-DD HH:MM:SS' local time when written by sipkit or Kamailio. */
  lastModified: string;
}

interface GrpRow {
  username: string;
  domain: string;
  grp: string;
  last_modified: string;
}

const T = 'grp';
const COLS = '`username`, `domain`, `grp`, `last_modified`';

export class GroupOps {
  constructor(private readonly ctx: OpsContext) {}

  /** kamctl acl grant (one group). DB_CONFLICT if the user is already a member. */
  async grant(username: string, domain: string, group: string): Promise<GroupMembership> {
    checkKey(username, domain, group);
    const m = { username, domain, group, lastModified: nowDbDatetime() };
    try {
      await this.ctx.d.run('INSERT INTO `grp` (`username`, `domain`, `grp`, `last_modified`) VALUES (?, ?, ?, ?)', [
        username,
        domain,
        group,
        m.lastModified,
      ]);
    } catch (err) {
      if (err instanceof StoreError && err.code === 'DB_CONFLICT') {
        throw storeError(
          'DB_CONFLICT',
          `${aor(username, domain)} is already in group ${group}`,
          [],
          { username, domain, group },
          err,
        );
      }
      throw err;
    }
    return m;
  }

  /**
   * kamctl acl revoke: one group, or every group of the user when `group` is omitted. Returns
   * the number of memberships removed; DB_NOT_FOUND_ROW when a named group membership is absent.
   */
  async revoke(username: string, domain: string, group?: string): Promise<number> {
    checkText(T, 'username', username, 'The user name', true);
    checkText(T, 'domain', domain, 'The domain', true);
    if (group === undefined) {
      return (await this.ctx.d.run('DELETE FROM `grp` WHERE `username` = ? AND `domain` = ?', [username, domain]))
        .changes;
    }
    const r = await this.ctx.d.run('DELETE FROM `grp` WHERE `username` = ? AND `domain` = ? AND `grp` = ?', [
      username,
      domain,
      group,
    ]);
    if (r.changes === 0) {
      throw storeError('DB_NOT_FOUND_ROW', `${aor(username, domain)} is not in group ${group}`, [], {
        username,
        domain,
        group,
      });
    }
    return r.changes;
  }

  /** kamctl acl show [user]: memberships, optionally of one user, ordered by user then group. */
  async list(filter: { username?: string; domain?: string } = {}): Promise<GroupMembership[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.username !== undefined) {
      where.push('`username` = ?');
      params.push(filter.username);
    }
    if (filter.domain !== undefined) {
      where.push('`domain` = ?');
      params.push(filter.domain);
    }
    const rows = await this.ctx.d.all<GrpRow>(
      `SELECT ${COLS} FROM \`grp\`${where.length ? ' WHERE ' + where.join(' AND ') : ''} ` +
        'ORDER BY `domain`, `username`, `grp`',
      params,
    );
    return rows.map((r) => ({ username: r.username, domain: r.domain, group: r.grp, lastModified: r.last_modified }));
  }

  /** is_user_in(): one indexed lookup. */
  async isMember(username: string, domain: string, group: string): Promise<boolean> {
    const rows = await this.ctx.d.all('SELECT 1 FROM `grp` WHERE `username` = ? AND `domain` = ? AND `grp` = ?', [
      username,
      domain,
      group,
    ]);
    return rows.length > 0;
  }
}

function checkKey(username: string, domain: string, group: string) {
  checkText(T, 'username', username, 'The user name', true);
  checkText(T, 'domain', domain, 'The domain', true);
  checkText(T, 'grp', group, 'The group name', true);
}
