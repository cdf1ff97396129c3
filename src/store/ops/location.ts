/**
 * Registered contacts (table `location`, Kamailio's usrloc), for sipd to persist bindings across
 * restarts and for sipctl to show them. Rows are keyed by `ruid` (unique per binding, as in
 * usrloc). Times are unix seconds in the API and local 'YYYY-MM-DD HH:MM:SS' DATETIMEs in the
 * table, as Kamailio writes them; expires 0 means permanent and is stored as usrloc stores it
 * (the DATETIME of time 0), so Kamailio and sipkit agree on which rows never expire.
 */
import type { Queryable, SqlValue } from '../driver.js';
import { PERMANENT_BEFORE, expiresFromDb, expiresToDb, fromDbDatetime, toDbDatetime } from '../datetime.js';
import { storeError } from '../errors.js';
import type { OpsContext } from './context.js';
import { checkInt, checkText } from './validate.js';

export interface Contact {
  ruid: string;
  username: string;
  /** null when the registrar runs without domains (usrloc use_domain=0). */
  domain: string | null;
  contact: string;
  received: string | null;
  path: string | null;
  /** Unix seconds; 0 = permanent. */
  expires: number;
  /** 0..1, two decimals (FLOAT(10,2) in Kamailio's MySQL schema). */
  q: number;
  callid: string;
  cseq: number;
  /** Unix seconds. */
  lastModified: number;
  flags: number;
  cflags: number;
  userAgent: string;
  socket: string | null;
  methods: number | null;
  instance: string | null;
  regId: number;
  serverId: number;
  connectionId: number;
  keepalive: number;
  partition: number;
}

/** What save() needs; everything else defaults like the Kamailio columns (lastModified: now). */
export type ContactInput = Pick<Contact, 'ruid' | 'username' | 'contact' | 'expires'> & Partial<Contact>;

const T = 'location';
/** API field → column, in Kamailio's column order. */
const FIELDS: ReadonlyArray<[keyof Contact, string]> = [
  ['ruid', 'ruid'],
  ['username', 'username'],
  ['domain', 'domain'],
  ['contact', 'contact'],
  ['received', 'received'],
  ['path', 'path'],
  ['expires', 'expires'],
  ['q', 'q'],
  ['callid', 'callid'],
  ['cseq', 'cseq'],
  ['lastModified', 'last_modified'],
  ['flags', 'flags'],
  ['cflags', 'cflags'],
  ['userAgent', 'user_agent'],
  ['socket', 'socket'],
  ['methods', 'methods'],
  ['instance', 'instance'],
  ['regId', 'reg_id'],
  ['serverId', 'server_id'],
  ['connectionId', 'connection_id'],
  ['keepalive', 'keepalive'],
  ['partition', 'partition'],
];
const COLS = FIELDS.map(([, c]) => '`' + c + '`').join(', ');
const UPDATABLE = FIELDS.filter(([f]) => f !== 'ruid').map(([, c]) => c);

const UPSERT = {
  sqlite:
    `INSERT INTO \`location\` (${COLS}) VALUES (${FIELDS.map(() => '?').join(', ')}) ON CONFLICT(\`ruid\`) DO UPDATE SET ` +
    UPDATABLE.map((c) => `\`${c}\` = excluded.\`${c}\``).join(', '),
  mysql:
    `INSERT INTO \`location\` (${COLS}) VALUES (${FIELDS.map(() => '?').join(', ')}) ON DUPLICATE KEY UPDATE ` +
    UPDATABLE.map((c) => `\`${c}\` = VALUES(\`${c}\`)`).join(', '),
};

/** One change of a batch (sipd's group commit of its location service). */
export type LocationChange =
  | { op: 'save'; contact: ContactInput }
  | { op: 'deleteRuid'; ruid: string }
  | { op: 'deleteAor'; username: string; domain: string | null };

export class LocationOps {
  constructor(private readonly ctx: OpsContext) {}

  /**
   * Applies changes in order in one transaction (one commit for many registrations). A change
   * whose contact is invalid (e.g. a value longer than its column) is left out and returned with
   * its error; the others are applied. With `atomic`, such a change throws instead and nothing is
   * applied (sipd's group commit: all of a batch or nothing).
   */
  async apply(
    changes: readonly LocationChange[],
    opts: { atomic?: boolean } = {},
  ): Promise<Array<{ change: LocationChange; error: unknown }>> {
    const failed: Array<{ change: LocationChange; error: unknown }> = [];
    const statements: Array<[string, SqlValue[]]> = [];
    const upsert = UPSERT[this.ctx.d.dialect];
    for (const ch of changes) {
      if (ch.op === 'save') {
        try {
          const c = normalise(ch.contact);
          statements.push([upsert, FIELDS.map(([f]) => toColumnValue(f, c[f]))]);
        } catch (error) {
          if (opts.atomic) throw error;
          failed.push({ change: ch, error });
        }
      } else if (ch.op === 'deleteRuid') statements.push(['DELETE FROM `location` WHERE `ruid` = ?', [ch.ruid]]);
      else {
        const [where, params] = aorWhere(ch.username, ch.domain);
        statements.push([`DELETE FROM \`location\` WHERE ${where.join(' AND ')}`, params]);
      }
    }
    if (statements.length > 0)
      await this.ctx.d.transaction(async (q) => {
        for (const [sql, params] of statements) await q.run(sql, params);
      });
    return failed;
  }

  /** Throws the error save() would throw for this contact's values (lengths, NULs, ranges). */
  check(input: ContactInput): void {
    normalise(input);
  }

  /** Inserts the binding, or updates every column of the row with the same ruid. */
  async save(input: ContactInput): Promise<Contact> {
    const c = normalise(input);
    const values = FIELDS.map(([f]) => toColumnValue(f, c[f]));
    await this.ctx.d.run(UPSERT[this.ctx.d.dialect], values);
    return c;
  }

  async deleteByRuid(ruid: string): Promise<number> {
    return (await this.ctx.d.run('DELETE FROM `location` WHERE `ruid` = ?', [ruid])).changes;
  }

  /** Every binding of an AoR, or the one(s) with this contact URI (kamctl ul rm user [contact]). */
  async deleteByAor(username: string, domain: string | null, contact?: string): Promise<number> {
    const [where, params] = aorWhere(username, domain);
    if (contact !== undefined) {
      where.push('`contact` = ?');
      params.push(contact);
    }
    return (await this.ctx.d.run(`DELETE FROM \`location\` WHERE ${where.join(' AND ')}`, params)).changes;
  }

  /** Deletes bindings that expired at or before `now` (unix seconds); permanent ones stay. */
  async deleteExpired(now = Math.floor(Date.now() / 1000)): Promise<number> {
    return (
      await this.ctx.d.run('DELETE FROM `location` WHERE `expires` <= ? AND `expires` >= ?', [
        toDbDatetime(now),
        PERMANENT_BEFORE,
      ])
    ).changes;
  }

  /** Bindings of one AoR, highest q first. */
  async list(username: string, domain: string | null): Promise<Contact[]> {
    const [where, params] = aorWhere(username, domain);
    return this.select(this.ctx.d, ` WHERE ${where.join(' AND ')} ORDER BY \`q\` DESC, \`id\``, params);
  }

  /** Every binding (sipd loads these at start-up), by AoR, highest q first. */
  async listAll(): Promise<Contact[]> {
    return this.select(this.ctx.d, ' ORDER BY `username`, `domain`, `q` DESC, `id`', []);
  }

  private async select(q: Queryable, tail: string, params: SqlValue[]): Promise<Contact[]> {
    const rows = await q.all<Record<string, unknown>>(`SELECT ${COLS} FROM \`location\`${tail}`, params);
    return rows.map(fromRow);
  }
}

function aorWhere(username: string, domain: string | null): [string[], SqlValue[]] {
  return domain === null
    ? [['`username` = ?', '`domain` IS NULL'], [username]]
    : [
        ['`username` = ?', '`domain` = ?'],
        [username, domain],
      ];
}

function normalise(i: ContactInput): Contact {
  const opt = (col: string, v: string | null | undefined, label: string) =>
    v === null || v === undefined ? null : checkText(T, col, v, label);
  const int = (v: number | undefined, label: string, dflt = 0) => (v === undefined ? dflt : checkInt(v, label));
  const q = i.q === undefined ? 1 : i.q;
  if (typeof q !== 'number' || !Number.isFinite(q) || q < -1 || q > 1) {
    throw storeError('DB_BAD_INPUT', `q must be a number between -1 and 1, got ${String(q)}`);
  }
  return {
    ruid: checkText(T, 'ruid', i.ruid, 'The ruid', true),
    username: checkText(T, 'username', i.username, 'The user name', true),
    domain: opt('domain', i.domain, 'The domain'),
    contact: checkText(T, 'contact', i.contact, 'The contact URI', true),
    received: opt('received', i.received, 'The received address'),
    path: opt('path', i.path, 'The Path'),
    expires: Math.max(0, checkInt(i.expires, 'expires (unix seconds, 0 = permanent)', 0, 253402300799)),
    q: Math.round(q * 100) / 100,
    callid: checkText(T, 'callid', i.callid ?? 'Default-Call-ID', 'The Call-ID'),
    cseq: int(i.cseq, 'cseq', 1),
    lastModified:
      i.lastModified === undefined
        ? Math.floor(Date.now() / 1000)
        : checkInt(i.lastModified, 'lastModified', 0, 253402300799),
    flags: int(i.flags, 'flags'),
    cflags: int(i.cflags, 'cflags'),
    userAgent: checkText(T, 'user_agent', i.userAgent ?? '', 'The User-Agent'),
    socket: opt('socket', i.socket, 'The socket'),
    methods: i.methods === null || i.methods === undefined ? null : checkInt(i.methods, 'methods'),
    instance: opt('instance', i.instance, 'The instance'),
    regId: int(i.regId, 'regId'),
    serverId: int(i.serverId, 'serverId'),
    connectionId: int(i.connectionId, 'connectionId'),
    keepalive: int(i.keepalive, 'keepalive'),
    partition: int(i.partition, 'partition'),
  };
}

function toColumnValue(field: keyof Contact, v: Contact[keyof Contact]): SqlValue {
  if (field === 'expires') return expiresToDb(v as number);
  if (field === 'lastModified') return toDbDatetime(v as number);
  return v as SqlValue;
}

function fromRow(r: Record<string, unknown>): Contact {
  const s = (k: string) => String(r[k]);
  const ns = (k: string) => (r[k] === null || r[k] === undefined ? null : String(r[k]));
  const n = (k: string) => Number(r[k]);
  return {
    ruid: s('ruid'),
    username: s('username'),
    domain: ns('domain'),
    contact: s('contact'),
    received: ns('received'),
    path: ns('path'),
    expires: expiresFromDb(s('expires')),
    // MySQL returns FLOAT(10,2) through the binary protocol as a single-precision float.
    q: Math.round(n('q') * 100) / 100,
    callid: s('callid'),
    cseq: n('cseq'),
    lastModified: fromDbDatetime(s('last_modified')) || 0,
    flags: n('flags'),
    cflags: n('cflags'),
    userAgent: s('user_agent'),
    socket: ns('socket'),
    methods: r.methods === null || r.methods === undefined ? null : n('methods'),
    instance: ns('instance'),
    regId: n('reg_id'),
    serverId: n('server_id'),
    connectionId: n('connection_id'),
    keepalive: n('keepalive'),
    partition: n('partition'),
  };
}
