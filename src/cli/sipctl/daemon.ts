/**
 * sipctl's start/stop/restart/status drive sipd through the same functions as `sipd start|stop|
 * restart|status` (src/ctl/daemon-control.ts). sipctl's own settings decide where: a run
 * dir, data dir or database set in sipctlrc, the environment or a flag is passed on to sipd, so
 * the sipd started is the one the other sipctl commands then talk to. Settings left at their
 * defaults are not passed, so sipd's config file still decides, exactly as for `sipd start`.
 */
import { Flags } from '@oclif/core';
import type { ConfigOverrides } from '../../daemon/config/load.js';
import { daemonFlags } from '../daemon-flags.js';
import type { SipctlSettings } from '../rc.js';

/** The flags of sipd's daemon commands that sipctl's connection flags do not already cover. */
export const sipdLocateFlags = { config: daemonFlags.config };
export const sipdStartFlags = {
  config: daemonFlags.config,
  listen: daemonFlags.listen,
  domain: Flags.string({
    description: 'SIP domain sipd serves, repeatable (passed to sipd --domain; not the default domain of users)',
    helpValue: 'NAME',
    multiple: true,
    multipleNonGreedy: true,
  }),
};

export interface DaemonTarget {
  overrides: ConfigOverrides;
  /** Things the user should know (a database URL not passed on because it holds a password). */
  warnings: string[];
}

export function daemonTarget(
  s: SipctlSettings,
  flags: { config?: string; listen?: string[]; domain?: string[]; 'db-url'?: string },
): DaemonTarget {
  const o = s.origins;
  const warnings: string[] = [];
  const set = (origin: string) => origin !== 'default';
  let dbUrl: string | undefined;
  // The database follows from the data dir unless a URL, DBENGINE or DB_PATH chose it.
  if (set(o.dbUrl) && o.dbUrl !== o.dataDir) {
    const secret = s.db.kind === 'mysql' && s.db.password !== '';
    // A password from a resource file must not end up on sipd's command line (ps shows it).
    if (secret && !flags['db-url']) {
      warnings.push(
        `the database from ${o.dbUrl} is not passed to sipd because it holds a password (ps would show it): set db_url in sipd's config file`,
      );
    } else dbUrl = s.dbUrl;
  }
  return {
    overrides: {
      configFile: flags.config,
      listen: flags.listen,
      domains: flags.domain,
      ...(set(o.runDir) ? { runDir: s.runDir } : {}),
      ...(set(o.dataDir) ? { dataDir: s.dataDir } : {}),
      ...(dbUrl !== undefined ? { dbUrl } : {}),
    },
    warnings,
  };
}
