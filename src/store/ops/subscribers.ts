/**
 * Subscribers (table `subscriber`): kamctl add / passwd / rm / show, with the hashes Kamailio's
 * auth_db reads: ha1 = MD5(user:realm:pw), ha1b = MD5(user@domain:realm:pw), realm = domain
 * (kamctl `_gen_ha1`/`_gen_ha1b`), plus ha1_sha256 = SHA-256(user:realm:pw) where that column
 * exists. Every write recomputes every hash column, so none is ever left stale.
 */
import { computeHa1, computeHa1b } from '../../core/auth/ha1.js';
import type { Queryable } from '../driver.js';
import { StoreError, storeError } from '../errors.js';
import type { Facts, OpsContext } from './context.js';
import { aor, checkText } from './validate.js';

export interface Subscriber {
  id: number;
  username: string;
  domain: string;
  /** Plaintext password, '' unless it was stored on request (kamctl's STORE_PLAINTEXT_PW). */
  password: string;
  ha1: string;
  ha1b: string;
  /** null when the database has no ha1_sha256 column (e.g. created by Kamailio). */
  ha1Sha256: string | null;
}

export interface PasswordOptions {
  /** Also store the password in plaintext (kamctl STORE_PLAINTEXT_PW=1). Default false: ''. */
  storePlaintext?: boolean;
}

/** What a cascading remove deleted. */
export interface SubscriberRemoval {
  subscriber: Subscriber;
  groups: number;
  aliases: number;
  preferences: number;
  contacts: number;
}

interface SubscriberRow {
  id: number;
  username: string;
  domain: string;
  password: string;
  ha1: string;
  ha1b: string;
  ha1_sha256?: string;
}

const T = 'subscriber';

export class SubscriberOps {
  constructor(private readonly ctx: OpsContext) {}

  async add(username: string, domain: string, password: string, opts: PasswordOptions = {}): Promise<Subscriber> {
    this.checkKey(username, domain);
    const f = await this.ctx.facts();
    const values = this.hashColumns(f, username, domain, password, opts);
    try {
      return await this.ctx.d.transaction(async (q) => {
        if (await this.find(q, f, username, domain)) throw this.exists(username, domain);
        const alias = await q.all<{ username: string; domain: string }>(
          'SELECT `username`, `domain` FROM `dbaliases` WHERE `alias_username` = ? AND `alias_domain` = ?',
          [username, domain],
        );
        if (alias[0]) {
          throw storeError(
            'DB_CONFLICT',
            `${aor(username, domain)} is already an alias of ${aor(alias[0].username, alias[0].domain)}`,
            ['Remove the alias first, or choose another user name'],
            { username, domain },
          );
        }
        const cols = Object.keys(values);
        await q.run(
          `INSERT INTO \`subscriber\` (\`username\`, \`domain\`, ${cols.map((c) => '`' + c + '`').join(', ')}) ` +
            `VALUES (?, ?, ${cols.map(() => '?').join(', ')})`,
          [username, domain, ...Object.values(values)],
        );
        return (await this.find(q, f, username, domain))!;
      });
    } catch (err) {
      // Lost a race against a concurrent add: the UNIQUE account_idx caught it.
      if (err instanceof StoreError && err.code === 'DB_CONFLICT' && err.details.username === undefined) {
        throw this.exists(username, domain);
      }
      throw err;
    }
  }

  /**
   * Bulk add (sipctl add --from-file): every subscriber in ONE transaction, all or nothing. The
   * first entry that cannot be added (bad input, already a subscriber or an alias, twice in the
   * list) fails the whole call with a StoreError whose details carry its `index` in `entries`.
   * Existing names are read once, and rows go in as multi-row INSERTs: 10,000 subscribers cost a
   * few dozen statements, not 40,000.
   */
  async addMany(
    entries: ReadonlyArray<{ username: string; domain: string; password: string }>,
    opts: PasswordOptions = {},
  ): Promise<number> {
    const f = await this.ctx.facts();
    const at = (index: number, err: unknown) => {
      if (!(err instanceof StoreError)) return err;
      return new StoreError(err.code, err.message, err.actions, { ...err.details, index }, { cause: err });
    };
    const rows = entries.map((e, i) => {
      try {
        this.checkKey(e.username, e.domain);
        return [e.username, e.domain, ...Object.values(this.hashColumns(f, e.username, e.domain, e.password, opts))];
      } catch (err) {
        throw at(i, err);
      }
    });
    const cols = ['username', 'domain', ...Object.keys(this.hashColumns(f, 'u', 'd', 'p', opts))];
    return this.ctx.d.transaction(async (q) => {
      const taken = new Map<string, string>();
      for (const r of await q.all<{ username: string; domain: string }>(
        'SELECT `username`, `domain` FROM `subscriber`',
      ))
        taken.set(`${r.username}@${r.domain}`, 'already a subscriber');
      const target = q.dialect === 'mysql' ? "CONCAT(`username`, '@', `domain`)" : "`username` || '@' || `domain`";
      for (const r of await q.all<{ u: string; d: string; t: string }>(
        `SELECT \`alias_username\` AS u, \`alias_domain\` AS d, ${target} AS t FROM \`dbaliases\``,
      ))
        taken.set(`${r.u}@${r.d}`, `already an alias of ${r.t}`);
      entries.forEach((e, i) => {
        const key = aor(e.username, e.domain);
        // Checked here to name the row; the UNIQUE account_idx stays the final word (a concurrent add).
        const why = taken.get(key);
        if (why) {
          throw at(i, storeError('DB_CONFLICT', `${key} is ${why}`, [], { username: e.username, domain: e.domain }));
        }
        taken.set(key, 'listed twice');
      });
      const CHUNK = 500;
      const tuple = `(${cols.map(() => '?').join(', ')})`;
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK);
        try {
          await q.run(
            `INSERT INTO \`subscriber\` (${cols.map((c) => '`' + c + '`').join(', ')}) VALUES ${part.map(() => tuple).join(', ')}`,
            part.flat(),
          );
        } catch (err) {
          // A duplicate only the database saw (a concurrent add): the index is that of the first
          // row of the failed INSERT.
          throw at(i, err);
        }
      }
      return rows.length;
    });
  }

  /** kamctl passwd: recomputes ha1, ha1b and ha1_sha256 (and the plaintext column). */
  async setPassword(
    username: string,
    domain: string,
    password: string,
    opts: PasswordOptions = {},
  ): Promise<Subscriber> {
    this.checkKey(username, domain);
    const f = await this.ctx.facts();
    const values = this.hashColumns(f, username, domain, password, opts);
    return this.ctx.d.transaction(async (q) => {
      const sets = Object.keys(values).map((c) => '`' + c + '` = ?');
      const r = await q.run(`UPDATE \`subscriber\` SET ${sets.join(', ')} WHERE \`username\` = ? AND \`domain\` = ?`, [
        ...Object.values(values),
        username,
        domain,
      ]);
      if (r.changes === 0) throw this.missing(username, domain);
      return (await this.find(q, f, username, domain))!;
    });
  }

  /**
   * Removes the subscriber and, in the same transaction, its group memberships, the aliases
   * pointing to it, its AVPs (usr_preferences by username+domain) and its registered contacts.
   * If any delete fails, nothing is removed.
   */
  async remove(username: string, domain: string): Promise<SubscriberRemoval> {
    this.checkKey(username, domain);
    const f = await this.ctx.facts();
    const { tables } = f;
    const count = async (q: Queryable, table: string) =>
      tables.has(table)
        ? (await q.run(`DELETE FROM \`${table}\` WHERE \`username\` = ? AND \`domain\` = ?`, [username, domain]))
            .changes
        : 0;
    return this.ctx.d.transaction(async (q) => {
      const subscriber = await this.find(q, f, username, domain);
      if (!subscriber) throw this.missing(username, domain);
      const groups = await count(q, 'grp');
      const aliases = await count(q, 'dbaliases');
      const preferences = await count(q, 'usr_preferences');
      await count(q, 'location_attrs');
      const contacts = await count(q, 'location');
      await q.run('DELETE FROM `subscriber` WHERE `id` = ?', [subscriber.id]);
      return { subscriber, groups, aliases, preferences, contacts };
    });
  }

  async get(username: string, domain: string): Promise<Subscriber | null> {
    return this.find(this.ctx.d, await this.ctx.facts(), username, domain);
  }

  /** All subscribers, or those of one domain, ordered by domain then username. */
  async list(filter: { domain?: string } = {}): Promise<Subscriber[]> {
    const cols = selectCols(await this.ctx.facts());
    const rows =
      filter.domain === undefined
        ? await this.ctx.d.all<SubscriberRow>(`SELECT ${cols} FROM \`subscriber\` ORDER BY \`domain\`, \`username\``)
        : await this.ctx.d.all<SubscriberRow>(
            `SELECT ${cols} FROM \`subscriber\` WHERE \`domain\` = ? ORDER BY \`username\``,
            [filter.domain],
          );
    return rows.map(toSubscriber);
  }

  private async find(q: Queryable, f: Facts, username: string, domain: string): Promise<Subscriber | null> {
    const rows = await q.all<SubscriberRow>(
      `SELECT ${selectCols(f)} FROM \`subscriber\` WHERE \`username\` = ? AND \`domain\` = ?`,
      [username, domain],
    );
    return rows[0] ? toSubscriber(rows[0]) : null;
  }

  private hashColumns(f: Facts, username: string, domain: string, password: string, opts: PasswordOptions) {
    checkText(T, 'password', password, 'The password', true);
    const plain = opts.storePlaintext ? checkText(T, 'password', password, 'The password') : '';
    const realm = domain;
    const values: Record<string, string> = {
      password: plain,
      ha1: computeHa1(username, realm, password),
      ha1b: computeHa1b(username, domain, realm, password),
    };
    if (f.ha1Sha256) values.ha1_sha256 = computeHa1(username, realm, password, 'SHA-256');
    return values;
  }

  private checkKey(username: string, domain: string) {
    checkText(T, 'username', username, 'The user name', true);
    checkText(T, 'domain', domain, 'The domain', true);
  }

  private exists(username: string, domain: string) {
    return storeError(
      'DB_CONFLICT',
      `Subscriber ${aor(username, domain)} already exists in ${this.ctx.d.where}`,
      ['Use "sipctl passwd" to change the password'],
      { username, domain },
    );
  }

  private missing(username: string, domain: string) {
    return storeError(
      'DB_NOT_FOUND_ROW',
      `No subscriber ${aor(username, domain)} in ${this.ctx.d.where}`,
      ['Check the user name and domain ("sipctl show" lists subscribers)'],
      { username, domain },
    );
  }
}

function selectCols(f: Facts): string {
  const base = '`id`, `username`, `domain`, `password`, `ha1`, `ha1b`';
  return f.ha1Sha256 ? base + ', `ha1_sha256`' : base;
}

function toSubscriber(r: SubscriberRow): Subscriber {
  return {
    id: Number(r.id),
    username: r.username,
    domain: r.domain,
    password: r.password,
    ha1: r.ha1,
    ha1b: r.ha1b,
    ha1Sha256: r.ha1_sha256 === undefined ? null : r.ha1_sha256,
  };
}
