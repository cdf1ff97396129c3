/**
 * Flags shared by sipctl commands, defined once so that names, help texts and defaults agree.
 * --db-url, --data-dir and --run-dir have the same names and meaning as sipd's (src/cli/
 * daemon-flags.ts; a unit test keeps them aligned): a script can pass one set to both. The
 * defaults shown in help come from rc-keys.ts, which also feeds the man page.
 */
import { Flags } from '@oclif/core';
import { settingDoc, type RcKey } from './rc-keys.js';

const DB_URL_FORMAT = 'sqlite:PATH or mysql://USER:PASSWORD@HOST:PORT/DATABASE';

/** " (default: …; or KEY in sipctlrc / the environment)": the one wording of a flag's default. */
const rcDefault = (key: RcKey) => `default: ${settingDoc(key).default}; or ${key} in sipctlrc or the environment`;

// --- sipctl ------------------------------------------------------------------------------------------

const CONNECTION = 'CONNECTION';

/**
 * The flags every sipctl command that touches sipd or the database takes (SipctlCommand puts them
 * in baseFlags). They override the resource files and the environment; see src/cli/rc.ts.
 */
export const connectionFlags = {
  'db-url': Flags.string({
    summary: `database URL: ${DB_URL_FORMAT}`,
    description: `Overrides DBENGINE, DBHOST, DBPORT, DBNAME, DBRWUSER, DBRWPW and DB_PATH. A relative SQLite path is in the data directory, as in sipd. Default: built from those keys, else the SQLite file <data dir>/sipkit.db, the database sipd uses by default.`,
    helpValue: 'URL',
    helpGroup: CONNECTION,
  }),
  'data-dir': Flags.string({
    summary: `sipd's data directory (${rcDefault('SIPD_DATA_DIR')})`,
    helpValue: 'DIR',
    helpGroup: CONNECTION,
  }),
  'run-dir': Flags.string({
    summary: `sipd's run directory (${rcDefault('SIPD_RUN_DIR')})`,
    helpValue: 'DIR',
    helpGroup: CONNECTION,
  }),
  socket: Flags.string({
    summary: `sipd's management socket (${rcDefault('SIPD_SOCKET')})`,
    helpValue: 'PATH',
    helpGroup: CONNECTION,
  }),
};

/** --yes / -y: confirm without asking. Without a terminal, commands that ask need it. */
export const yesFlag = Flags.boolean({
  char: 'y',
  default: false,
  summary: 'answer yes to the confirmation (required when stdin or stdout is not a terminal)',
});

/** --no-reload: skip telling a running sipd to reload its caches after a database change. */
export const noReloadFlag = Flags.boolean({
  default: false,
  summary: 'do not tell a running sipd to reload its caches after the change',
});

/**
 * --show-secrets: let password hashes (ha1, ha1b, ha1_sha256) into --json output, which otherwise
 * never carries them (src/cli/secrets.ts). Every sipctl command takes it.
 */
export const showSecretsFlag = Flags.boolean({
  default: false,
  summary: 'include password hashes (ha1, ha1b, ha1_sha256) in --json output; left out by default',
  helpGroup: 'GLOBAL',
});

/** --password-stdin: read the password from the first line of stdin (see prompts.ts). */
export const passwordStdinFlag = Flags.boolean({
  default: false,
  summary: 'read the password from the first line of stdin (keeps it out of ps and shell history)',
});
