/**
 * sipctl's settings: the resource-file keys (kamctlrc/openserctlrc names), the flag overriding each,
 * its default and what it means. ONE table, used by the flag help texts (src/cli/flags.ts), the
 * resolver (src/cli/rc.ts) and the man page (src/cli/docs). Path defaults are computed from
 * src/shared/paths.ts, the same functions sipd uses, so the documentation cannot drift from them.
 */
import { defaultPaths } from '../shared/paths.js';

export const SYSTEM_RC = '/etc/sipkit/sipctlrc';
export const USER_RC_NAME = '.sipctlrc';

export const RC_KEYS = [
  'SIP_DOMAIN',
  'DBENGINE',
  'DBHOST',
  'DBPORT',
  'DBNAME',
  'DBRWUSER',
  'DBRWPW',
  'DB_PATH',
  'SIPD_DATA_DIR',
  'SIPD_RUN_DIR',
  'SIPD_SOCKET',
  'VERIFY_ACL',
  'ACL_GROUPS',
  'STORE_PLAINTEXT_PW',
] as const;
export type RcKey = (typeof RC_KEYS)[number];

export const isRcKey = (k: string): k is RcKey => (RC_KEYS as readonly string[]).includes(k);

export const DEFAULT_DBHOST = 'localhost';
export const DEFAULT_DBPORT = 3306;
export const DEFAULT_DBNAME = 'sipkit';
export const DEFAULT_DBRWUSER = 'sipkit';
/** kamctl's default whitelist of group names for `acl grant`. */
export const DEFAULT_ACL_GROUPS = ['local', 'ld', 'int', 'voicemail', 'free-pstn'];

export interface SettingDoc {
  key: RcKey;
  /** The sipctl flag that overrides the key, if any (without the leading dashes). */
  flag?: string;
  /** The default, in words. */
  default: string;
  description: string;
}

/** "X for root; for other users Y, or Z when $VAR is unset", computed from paths.ts. */
export function pathDefault(pick: 'configFile' | 'dataDir' | 'runDir', xdgVar: string): string {
  const root = defaultPaths({}, true)[pick];
  const xdg = defaultPaths({ HOME: '~', [xdgVar]: `$${xdgVar}` }, false)[pick];
  const home = defaultPaths({ HOME: '~' }, false)[pick];
  return `${root} for root; for other users ${xdg}, or ${home} when $${xdgVar} is unset`;
}

/** Every key, in the order the man page lists them. */
export function settingDocs(): SettingDoc[] {
  return [
    {
      key: 'SIP_DOMAIN',
      default: 'none',
      description: 'domain added to a user name given without @domain',
    },
    {
      key: 'DBENGINE',
      default: 'SQLITE',
      description:
        'database engine: SQLITE (the file DB_PATH) or MYSQL (MySQL/MariaDB at DBHOST:DBPORT, database DBNAME); ignored when --db-url is given',
    },
    { key: 'DBHOST', default: DEFAULT_DBHOST, description: 'MySQL/MariaDB server host' },
    { key: 'DBPORT', default: String(DEFAULT_DBPORT), description: 'MySQL/MariaDB server port' },
    { key: 'DBNAME', default: DEFAULT_DBNAME, description: 'MySQL/MariaDB database name' },
    { key: 'DBRWUSER', default: DEFAULT_DBRWUSER, description: 'MySQL/MariaDB user with read/write access' },
    {
      key: 'DBRWPW',
      default: 'none',
      description: 'password of DBRWUSER (keep the file mode 0600 when it holds a password)',
    },
    {
      key: 'DB_PATH',
      default: '<data dir>/sipkit.db',
      description: 'SQLite database file (a relative path is in the data dir)',
    },
    {
      key: 'SIPD_DATA_DIR',
      flag: 'data-dir',
      default: pathDefault('dataDir', 'XDG_DATA_HOME'),
      description: "sipd's data directory, where the default SQLite database lives",
    },
    {
      key: 'SIPD_RUN_DIR',
      flag: 'run-dir',
      default: pathDefault('runDir', 'XDG_RUNTIME_DIR'),
      description: "sipd's run directory: pid file, management socket and log file",
    },
    {
      key: 'SIPD_SOCKET',
      flag: 'socket',
      default: '<run dir>/sipd.sock',
      description: "sipd's management socket (JSON-RPC over a Unix socket)",
    },
    {
      key: 'VERIFY_ACL',
      default: '1',
      description: '1: acl grant accepts only the group names in ACL_GROUPS; 0: any name',
    },
    {
      key: 'ACL_GROUPS',
      default: `"${DEFAULT_ACL_GROUPS.join(' ')}"`,
      description: 'space-separated group names allowed when VERIFY_ACL is 1',
    },
    {
      key: 'STORE_PLAINTEXT_PW',
      default: '0',
      description: '1: also store the plaintext password next to the HA1 hashes (kamctl defaults to 1)',
    },
  ];
}

/** The documentation of one key. */
export function settingDoc(key: RcKey): SettingDoc {
  const doc = settingDocs().find((d) => d.key === key);
  if (!doc) throw new Error(`no documentation for ${key}`);
  return doc;
}
