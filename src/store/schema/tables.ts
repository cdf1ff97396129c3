/**
 * The tables sipkit uses, in Kamailio 5.x shape (utils/kamctl/{mysql,db_sqlite}/*-create.sql,
 * generated from src/lib/srdb1/schema/*.xml): same names, column types, defaults, indexes and
 * `version` rows, so Kamailio and sipkit can share one database.
 *
 * sipkit's own additions are marked and optional: `subscriber.ha1_sha256` (SHA-256 digest needs
 * a SHA-256 HA1; OpenSIPS 3.2+ uses the same column name) and a UNIQUE alias index on dbaliases
 * (Kamailio's is non-unique; sipkit checks before inserting either way). Everything works on a
 * Kamailio-created database that lacks them.
 */

/** A column type, written per dialect exactly as Kamailio's scripts write it. */
export interface ColumnType {
  mysql: string;
  sqlite: string;
  /** Maximum length in characters, for VARCHAR columns (checked before writing, on both backends). */
  maxLength?: number;
}

export interface ColumnDef {
  name: string;
  type: ColumnType;
  notNull: boolean;
  /** SQL literal of the default (e.g. "''", '0', 'NULL'); undefined = no DEFAULT clause. */
  default?: string;
  /** A sipkit addition, absent from Kamailio's scripts. */
  sipkit?: boolean;
}

export interface IndexDef {
  /** Name as in the MySQL script; SQLite prefixes it with "<table>_" (index names are global there). */
  name: string;
  columns: string[];
  /** CONSTRAINT ... UNIQUE inside CREATE TABLE (as Kamailio does). */
  unique: boolean;
  /** Non-unique in Kamailio, created UNIQUE by sipkit. */
  uniqueInSipkit?: boolean;
}

export interface TableDef {
  name: string;
  /** The table_version row Kamailio writes for this table. */
  version: number;
  /** The Kamailio script that creates it (`<module>-create.sql`). */
  script: string;
  columns: ColumnDef[];
  indexes: IndexDef[];
}

const varchar = (n: number): ColumnType => ({ mysql: `VARCHAR(${n})`, sqlite: `VARCHAR(${n})`, maxLength: n });
const int11: ColumnType = { mysql: 'INT(11)', sqlite: 'INTEGER' };
const uint: ColumnType = { mysql: 'INT UNSIGNED', sqlite: 'INTEGER' };
const datetime: ColumnType = { mysql: 'DATETIME', sqlite: 'TIMESTAMP WITHOUT TIME ZONE' };
const float10_2: ColumnType = { mysql: 'FLOAT(10,2)', sqlite: 'REAL' };
/** The `id` column every Kamailio table starts with. */
const ID: ColumnDef = {
  name: 'id',
  type: { mysql: 'INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY', sqlite: 'INTEGER PRIMARY KEY' },
  notNull: true,
};

/** A VARCHAR column; `dflt` null = no DEFAULT clause. */
const str = (name: string, n: number, dflt: string | null = "''", notNull = true): ColumnDef => ({
  name,
  type: varchar(n),
  notNull,
  ...(dflt === null ? {} : { default: dflt }),
});
const num = (name: string, dflt = '0', type = int11): ColumnDef => ({ name, type, notNull: true, default: dflt });
const LAST_MODIFIED: ColumnDef = {
  name: 'last_modified',
  type: datetime,
  notNull: true,
  default: "'2000-01-01 00:00:01'",
};

export const VERSION_TABLE: TableDef = {
  name: 'version',
  version: 1,
  script: 'standard',
  columns: [ID, str('table_name', 32, null), num('table_version', '0', uint)],
  indexes: [{ name: 'table_name_idx', columns: ['table_name'], unique: true }],
};

export const SUBSCRIBER: TableDef = {
  name: 'subscriber',
  version: 7,
  script: 'auth_db',
  columns: [
    ID,
    str('username', 64),
    str('domain', 64),
    str('password', 64),
    str('ha1', 128),
    str('ha1b', 128),
    { ...str('ha1_sha256', 64), sipkit: true },
  ],
  indexes: [
    { name: 'account_idx', columns: ['username', 'domain'], unique: true },
    { name: 'username_idx', columns: ['username'], unique: false },
  ],
};

export const LOCATION: TableDef = {
  name: 'location',
  version: 9,
  script: 'usrloc',
  columns: [
    ID,
    str('ruid', 64),
    str('username', 64),
    str('domain', 64, 'NULL', false),
    str('contact', 512),
    str('received', 128, 'NULL', false),
    str('path', 512, 'NULL', false),
    { name: 'expires', type: datetime, notNull: true, default: "'2030-05-28 21:32:15'" },
    num('q', '1.0', float10_2),
    str('callid', 255, "'Default-Call-ID'"),
    num('cseq', '1'),
    LAST_MODIFIED,
    num('flags'),
    num('cflags'),
    str('user_agent', 255),
    str('socket', 64, 'NULL', false),
    { name: 'methods', type: int11, notNull: false, default: 'NULL' },
    str('instance', 255, 'NULL', false),
    num('reg_id'),
    num('server_id'),
    num('connection_id'),
    num('keepalive'),
    num('partition'),
  ],
  indexes: [
    { name: 'ruid_idx', columns: ['ruid'], unique: true },
    { name: 'account_contact_idx', columns: ['username', 'domain', 'contact'], unique: false },
    { name: 'expires_idx', columns: ['expires'], unique: false },
    { name: 'tcpcon_idx', columns: ['connection_id'], unique: false },
    { name: 'connection_idx', columns: ['server_id', 'connection_id'], unique: false },
  ],
};

export const LOCATION_ATTRS: TableDef = {
  name: 'location_attrs',
  version: 1,
  script: 'usrloc',
  columns: [
    ID,
    str('ruid', 64),
    str('username', 64),
    str('domain', 64, 'NULL', false),
    str('aname', 64),
    num('atype'),
    str('avalue', 512),
    LAST_MODIFIED,
  ],
  indexes: [
    { name: 'account_record_idx', columns: ['username', 'domain', 'ruid'], unique: false },
    { name: 'last_modified_idx', columns: ['last_modified'], unique: false },
  ],
};

export const DBALIASES: TableDef = {
  name: 'dbaliases',
  version: 1,
  script: 'alias_db',
  columns: [ID, str('alias_username', 64), str('alias_domain', 64), str('username', 64), str('domain', 64)],
  indexes: [
    { name: 'alias_user_idx', columns: ['alias_username'], unique: false },
    { name: 'alias_idx', columns: ['alias_username', 'alias_domain'], unique: false, uniqueInSipkit: true },
    { name: 'target_idx', columns: ['username', 'domain'], unique: false },
  ],
};

export const GRP: TableDef = {
  name: 'grp',
  version: 2,
  script: 'group',
  columns: [ID, str('username', 64), str('domain', 64), str('grp', 64), LAST_MODIFIED],
  indexes: [{ name: 'account_group_idx', columns: ['username', 'domain', 'grp'], unique: true }],
};

export const USR_PREFERENCES: TableDef = {
  name: 'usr_preferences',
  version: 2,
  script: 'avpops',
  columns: [
    ID,
    str('uuid', 64),
    str('username', 255, '0'), // sic: Kamailio's default for this VARCHAR is the number 0
    str('domain', 64),
    str('attribute', 32),
    num('type'),
    str('value', 128),
    LAST_MODIFIED,
  ],
  indexes: [
    { name: 'ua_idx', columns: ['uuid', 'attribute'], unique: false },
    { name: 'uda_idx', columns: ['username', 'domain', 'attribute'], unique: false },
  ],
};

export const DOMAIN: TableDef = {
  name: 'domain',
  version: 2,
  script: 'domain',
  columns: [ID, str('domain', 64, null), str('did', 64, 'NULL', false), LAST_MODIFIED],
  indexes: [{ name: 'domain_idx', columns: ['domain'], unique: true }],
};

export const DOMAIN_ATTRS: TableDef = {
  name: 'domain_attrs',
  version: 1,
  script: 'domain',
  columns: [
    ID,
    str('did', 64, null),
    str('name', 32, null),
    { name: 'type', type: uint, notNull: true },
    str('value', 255, null),
    LAST_MODIFIED,
  ],
  indexes: [{ name: 'domain_attrs_idx', columns: ['did', 'name'], unique: false }],
};

/** Every table sipkit manages, in creation order (`version` first). */
export const TABLES: readonly TableDef[] = [
  VERSION_TABLE,
  SUBSCRIBER,
  LOCATION,
  LOCATION_ATTRS,
  DBALIASES,
  GRP,
  USR_PREFERENCES,
  DOMAIN,
  DOMAIN_ATTRS,
];

export const TABLE_NAMES: readonly string[] = TABLES.map((t) => t.name);

export function tableDef(name: string): TableDef {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`internal: unknown table ${name}`);
  return t;
}

/** Maximum character length of a VARCHAR column, or undefined. */
export function maxLength(table: string, column: string): number | undefined {
  return tableDef(table).columns.find((c) => c.name === column)?.type.maxLength;
}
