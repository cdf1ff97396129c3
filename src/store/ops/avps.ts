/**
 * AVPs / user preferences (table `usr_preferences`, Kamailio's avpops; kamctl avp list|add|rm).
 *
 * kamctl's -T lets the operator name another table of the same shape. The name is never pasted
 * into SQL as given: it must be a plain identifier, exist in the database and have the
 * usr_preferences columns (an allow-list read from the catalog).
 */
import type { SqlValue } from '../driver.js';
import { nowDbDatetime } from '../datetime.js';
import { storeError } from '../errors.js';
import { columnNames } from '../schema/catalog.js';
import type { OpsContext } from './context.js';
import { checkInt, checkText } from './validate.js';

/** 0 str:str, 1 str:int, 2 int:str, 3 int:int (attribute name type : value type). */
export type AvpType = 0 | 1 | 2 | 3;

export interface Avp {
  id: number;
  uuid: string;
  username: string;
  domain: string;
  attribute: string;
  type: number;
  value: string;
  lastModified: string;
}

/** kamctl avp filters; every given field must match (AND). */
export interface AvpFilter {
  /** -T: a table with the usr_preferences shape. Default usr_preferences. */
  table?: string;
  uuid?: string;
  username?: string;
  domain?: string;
  attribute?: string;
  value?: string;
  type?: number;
}

export interface AvpInput {
  table?: string;
  /** Either uuid, or username + domain (kamctl: an AoR argument fills username/domain). */
  uuid?: string;
  username?: string;
  domain?: string;
  attribute: string;
  type: AvpType;
  value: string;
}

const T = 'usr_preferences';
const REQUIRED = ['uuid', 'username', 'domain', 'attribute', 'type', 'value', 'last_modified'];
const FILTER_KEYS = ['uuid', 'username', 'domain', 'attribute', 'value', 'type'] as const;
const COLS = '`id`, `uuid`, `username`, `domain`, `attribute`, `type`, `value`, `last_modified`';

/** kamctl's check_aor: "user@domain" is an AoR, anything else a uuid. */
export function parseAvpOwner(text: string): { username: string; domain: string } | { uuid: string } {
  const m = /^([-a-zA-Z0-9&=+$,;?/_.!~*'()]+)@(.+)$/.exec(text);
  return m ? { username: m[1]!, domain: m[2]! } : { uuid: text };
}

export class AvpOps {
  private readonly checkedTables = new Set<string>();
  constructor(private readonly ctx: OpsContext) {}

  async list(filter: AvpFilter = {}): Promise<Avp[]> {
    const table = await this.table(filter.table);
    const [where, params] = whereClause(filter);
    const rows = await this.ctx.d.all<Record<string, unknown>>(
      `SELECT ${COLS} FROM \`${table}\`${where} ORDER BY \`id\``,
      params,
    );
    return rows.map(toAvp);
  }

  async add(input: AvpInput): Promise<Avp> {
    const table = await this.table(input.table);
    const type = checkInt(input.type, 'The AVP type (0 str:str, 1 str:int, 2 int:str, 3 int:int)', 0, 3);
    const attribute = checkText(T, 'attribute', input.attribute, 'The attribute name', true);
    const value = checkText(T, 'value', input.value, 'The value');
    if (type & 2 && !/^-?\d+$/.test(attribute)) {
      throw storeError('DB_BAD_INPUT', `AVP type ${type} needs an integer attribute name, got "${attribute}"`);
    }
    if (type & 1 && !/^-?\d+$/.test(value)) {
      throw storeError('DB_BAD_INPUT', `AVP type ${type} needs an integer value, got "${value}"`);
    }
    const uuid = checkText(T, 'uuid', input.uuid ?? '', 'The uuid');
    const username = checkText(T, 'username', input.username ?? '', 'The user name');
    const domain = checkText(T, 'domain', input.domain ?? '', 'The domain');
    if (uuid === '' && username === '') {
      throw storeError('DB_BAD_INPUT', 'An AVP needs an owner: a uuid, or a user name and domain');
    }
    const lastModified = nowDbDatetime();
    const r = await this.ctx.d.run(
      `INSERT INTO \`${table}\` (\`uuid\`, \`username\`, \`domain\`, \`attribute\`, \`type\`, \`value\`, \`last_modified\`) ` +
        'VALUES (?, ?, ?, ?, ?, ?, ?)',
      [uuid, username, domain, attribute, type, value, lastModified],
    );
    return { id: r.lastInsertId, uuid, username, domain, attribute, type, value, lastModified };
  }

  /**
   * Deletes the AVPs matching every given filter. Unlike kamctl (which empties the table when no
   * filter is given) a remove without filters is refused unless `all` is set.
   */
  async remove(filter: AvpFilter, opts: { all?: boolean } = {}): Promise<number> {
    const table = await this.table(filter.table);
    const [where, params] = whereClause(filter);
    if (where === '' && !opts.all) {
      throw storeError(
        'DB_FILTER_REQUIRED',
        `Refusing to delete every AVP in ${table} without a filter`,
        ['Give a filter (uuid or user@domain, attribute, value, type), or ask for all explicitly'],
        { table },
      );
    }
    return (await this.ctx.d.run(`DELETE FROM \`${table}\`${where}`, params)).changes;
  }

  private async table(name = T): Promise<string> {
    if (this.checkedTables.has(name)) return name;
    const bad = (why: string) =>
      storeError('DB_BAD_INPUT', `Cannot use table "${name}" for AVPs: ${why}`, [
        `Use ${T} or a table created with the same columns`,
      ]);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) throw bad('not a plain table name');
    const { tables } = await this.ctx.facts();
    if (!tables.has(name)) {
      if (name === T) {
        throw storeError('DB_SCHEMA_MISSING', `Table ${T} is missing in ${this.ctx.d.where}`, [
          'Run "sipctl db init" to create the missing tables',
        ]);
      }
      throw bad('no such table');
    }
    const cols = await columnNames(this.ctx.d, name);
    const missing = REQUIRED.filter((c) => !cols.has(c));
    if (missing.length > 0) throw bad(`it lacks column(s) ${missing.join(', ')}`);
    this.checkedTables.add(name);
    return name;
  }
}

function whereClause(f: AvpFilter): [string, SqlValue[]] {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v === undefined) continue;
    if (k === 'type') checkInt(v, 'The AVP type filter', 0, 3);
    else if (typeof v !== 'string') throw storeError('DB_BAD_INPUT', `The ${k} filter must be text`);
    parts.push(`\`${k}\` = ?`);
    params.push(v);
  }
  return [parts.length ? ' WHERE ' + parts.join(' AND ') : '', params];
}

const toAvp = (r: Record<string, unknown>): Avp => ({
  id: Number(r.id),
  uuid: String(r.uuid),
  username: String(r.username),
  domain: String(r.domain),
  attribute: String(r.attribute),
  type: Number(r.type),
  value: String(r.value),
  lastModified: String(r.last_modified),
});
