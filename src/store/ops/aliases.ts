/**
 * Aliases (table `dbaliases`, Kamailio's alias_db): alias_username@alias_domain → username@domain.
 *
 * Kamailio's alias_idx is not UNIQUE (sipkit's is), so `add` checks for the alias inside the
 * transaction before inserting. On MySQL the check reads with FOR UPDATE: InnoDB then locks the
 * index gap, so two concurrent adds of the same alias cannot both insert (one waits or
 * deadlocks and is retried, then sees the row). SQLite's BEGIN IMMEDIATE serialises writers.
 */
import type { Queryable } from '../driver.js';
import { StoreError, storeError } from '../errors.js';
import type { OpsContext } from './context.js';
import { aor, checkText } from './validate.js';

export interface Alias {
  aliasUsername: string;
  aliasDomain: string;
  /** The target subscriber. */
  username: string;
  domain: string;
}

interface AliasRow {
  alias_username: string;
  alias_domain: string;
  username: string;
  domain: string;
}

const T = 'dbaliases';
const COLS = '`alias_username`, `alias_domain`, `username`, `domain`';

export class AliasOps {
  constructor(private readonly ctx: OpsContext) {}

  async add(alias: Alias): Promise<Alias> {
    const a = checkAlias(alias);
    if (a.aliasUsername === a.username && a.aliasDomain === a.domain) {
      throw storeError('DB_BAD_INPUT', `An alias cannot point to itself (${aor(a.username, a.domain)})`);
    }
    await this.ctx.facts();
    const forUpdate = this.ctx.d.dialect === 'mysql' ? ' FOR UPDATE' : '';
    try {
      return await this.ctx.d.transaction(async (q) => {
        const existing = await q.all<AliasRow>(
          `SELECT ${COLS} FROM \`dbaliases\` WHERE \`alias_username\` = ? AND \`alias_domain\` = ?${forUpdate}`,
          [a.aliasUsername, a.aliasDomain],
        );
        if (existing[0]) throw this.exists(toAlias(existing[0]));
        const sub = await q.all('SELECT 1 FROM `subscriber` WHERE `username` = ? AND `domain` = ?', [
          a.aliasUsername,
          a.aliasDomain,
        ]);
        if (sub.length > 0) {
          throw storeError(
            'DB_CONFLICT',
            `${aor(a.aliasUsername, a.aliasDomain)} is a subscriber; it cannot also be an alias`,
            ['Choose another alias name'],
            { aliasUsername: a.aliasUsername, aliasDomain: a.aliasDomain },
          );
        }
        await q.run(`INSERT INTO \`dbaliases\` (${COLS}) VALUES (?, ?, ?, ?)`, [
          a.aliasUsername,
          a.aliasDomain,
          a.username,
          a.domain,
        ]);
        return a;
      });
    } catch (err) {
      // With sipkit's UNIQUE alias_idx, a concurrent add that won the race surfaces here.
      if (err instanceof StoreError && err.code === 'DB_CONFLICT' && err.details.aliasUsername === undefined) {
        const now = await this.get(a.aliasUsername, a.aliasDomain);
        throw this.exists(now ?? a);
      }
      throw err;
    }
  }

  /** Deletes every row for the alias (a Kamailio table may hold duplicates). */
  async remove(aliasUsername: string, aliasDomain: string): Promise<number> {
    checkText(T, 'alias_username', aliasUsername, 'The alias user name', true);
    checkText(T, 'alias_domain', aliasDomain, 'The alias domain', true);
    const r = await this.ctx.d.run('DELETE FROM `dbaliases` WHERE `alias_username` = ? AND `alias_domain` = ?', [
      aliasUsername,
      aliasDomain,
    ]);
    if (r.changes === 0) {
      throw storeError(
        'DB_NOT_FOUND_ROW',
        `No alias ${aor(aliasUsername, aliasDomain)} in ${this.ctx.d.where}`,
        ['"sipctl alias list" shows the aliases'],
        { aliasUsername, aliasDomain },
      );
    }
    return r.changes;
  }

  /** What an alias points to (kamctl alias_db show), or null. */
  async get(aliasUsername: string, aliasDomain: string): Promise<Alias | null> {
    const rows = await this.ctx.d.all<AliasRow>(
      `SELECT ${COLS} FROM \`dbaliases\` WHERE \`alias_username\` = ? AND \`alias_domain\` = ? ORDER BY \`id\``,
      [aliasUsername, aliasDomain],
    );
    return rows[0] ? toAlias(rows[0]) : null;
  }

  /** All aliases, or those pointing to one subscriber (kamctl alias_db list [user@dom]). */
  async list(target?: { username: string; domain: string }): Promise<Alias[]> {
    const q: Queryable = this.ctx.d;
    const rows = target
      ? await q.all<AliasRow>(
          `SELECT ${COLS} FROM \`dbaliases\` WHERE \`username\` = ? AND \`domain\` = ? ` +
            'ORDER BY `alias_domain`, `alias_username`',
          [target.username, target.domain],
        )
      : await q.all<AliasRow>(`SELECT ${COLS} FROM \`dbaliases\` ORDER BY \`alias_domain\`, \`alias_username\``);
    return rows.map(toAlias);
  }

  private exists(a: Alias) {
    return storeError(
      'DB_CONFLICT',
      `Alias ${aor(a.aliasUsername, a.aliasDomain)} already exists (it points to ${aor(a.username, a.domain)})`,
      ['Remove it first to point it elsewhere'],
      { aliasUsername: a.aliasUsername, aliasDomain: a.aliasDomain },
    );
  }
}

function checkAlias(a: Alias): Alias {
  return {
    aliasUsername: checkText(T, 'alias_username', a.aliasUsername, 'The alias user name', true),
    aliasDomain: checkText(T, 'alias_domain', a.aliasDomain, 'The alias domain', true),
    username: checkText(T, 'username', a.username, 'The target user name', true),
    domain: checkText(T, 'domain', a.domain, 'The target domain', true),
  };
}

const toAlias = (r: AliasRow): Alias => ({
  aliasUsername: r.alias_username,
  aliasDomain: r.alias_domain,
  username: r.username,
  domain: r.domain,
});
