/**
 * Kamailio's own SQL scripts (Debian kamailio 5.x: /usr/share/kamailio/{mysql,db_sqlite}), used
 * to build databases exactly as `kamdbctl create` would. SIPKIT_KAMAILIO_SQL_DIR overrides the
 * base directory. Absent scripts skip the tests with a message, or fail them under CI=true
 * (.ci/run installs kamailio-mysql-modules and kamailio-sqlite-modules).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCi } from './mysql.js';

export type KamailioDialect = 'mysql' | 'db_sqlite';

const base = () => process.env.SIPKIT_KAMAILIO_SQL_DIR ?? '/usr/share/kamailio';

/** The modules whose scripts create the tables sipkit uses, in kamdbctl's order. */
export const KAMAILIO_MODULES = ['standard', 'auth_db', 'usrloc', 'alias_db', 'group', 'avpops', 'domain'] as const;

export function kamailioScript(dialect: KamailioDialect, module: string): string {
  return readFileSync(join(base(), dialect, `${module}-create.sql`), 'utf8');
}

export function kamailioScriptsMissing(dialect: KamailioDialect): string | null {
  const missing = KAMAILIO_MODULES.filter((m) => !existsSync(join(base(), dialect, `${m}-create.sql`)));
  return missing.length === 0
    ? null
    : `Kamailio's ${dialect} scripts not found in ${join(base(), dialect)} (${missing.join(', ')}); ` +
        'install kamailio-mysql-modules and kamailio-sqlite-modules';
}

/** Like mysqlAvailable(): registers a skipped (or, under CI, failing) test when scripts are absent. */
export function kamailioScriptsAvailable(dialect: KamailioDialect, what: string): boolean {
  const reason = kamailioScriptsMissing(dialect);
  if (reason === null) return true;
  test(what, (t) => {
    if (isCi()) throw new Error(`${reason}; CI=true requires the compatibility tests to run`);
    t.skip(reason);
  });
  return false;
}

/** All of sipkit's tables as Kamailio creates them, as one SQL text (statements end with ";"). */
export function kamailioSchemaSql(dialect: KamailioDialect): string {
  return KAMAILIO_MODULES.map((m) => kamailioScript(dialect, m)).join('\n');
}
