/**
 * The flags sipd's commands (and sipctl's start/stop/restart/status) share, with the names
 * scripts rely on: --config, --listen, --domain, --db-url, --data-dir, --run-dir. They override the
 * config file.
 */
import { Flags } from '@oclif/core';
import type { ConfigOverrides } from '../daemon/config/load.js';

/** Where to find a sipd: enough for stop and status. */
export const locateFlags = {
  config: Flags.string({
    description: 'config file (TOML); default /etc/sipkit/sipd.conf for root, ~/.config/sipkit/sipd.conf otherwise',
    helpValue: 'FILE',
  }),
  'run-dir': Flags.string({
    description: 'directory of the pid file, management socket and log file',
    helpValue: 'DIR',
  }),
};

/** Everything that shapes a sipd: for run, start, restart and check-config. */
export const daemonFlags = {
  ...locateFlags,
  listen: Flags.string({
    description:
      'listen address, repeatable: udp:0.0.0.0:5060, tcp:[::1]:5070, tls:0.0.0.0:5061, ws:0.0.0.0:8080, wss:0.0.0.0:8443 (tls: and wss: need [tls] certificates; port 0 = any free port; ;advertise=HOST[:PORT] sets the Via sent-by)',
    helpValue: 'PROTO:HOST:PORT',
    multiple: true,
    multipleNonGreedy: true,
  }),
  domain: Flags.string({
    description: 'SIP domain served, repeatable (default: host name, localhost and this host’s addresses)',
    helpValue: 'NAME',
    multiple: true,
    multipleNonGreedy: true,
  }),
  'db-url': Flags.string({
    description: 'database: sqlite:PATH (relative to the data dir) or mysql://user:password@host:port/db',
    helpValue: 'URL',
  }),
  'data-dir': Flags.string({ description: 'directory of the default SQLite database', helpValue: 'DIR' }),
  workers: Flags.integer({
    description: 'processes serving SIP on the same listeners (config key workers; default 1)',
    helpValue: 'N',
    min: 1,
    max: 64,
  }),
};

/** --timeout and --force of `stop` (sipd's and sipctl's). */
export const stopFlags = {
  timeout: Flags.integer({ description: 'seconds to wait for sipd to exit', default: 30, min: 1 }),
  force: Flags.boolean({ description: 'SIGKILL sipd if it has not exited after --timeout' }),
};

/** --timeout and --force of `restart` (sipd's and sipctl's). */
export const restartFlags = {
  timeout: Flags.integer({
    description: 'seconds to wait for the old sipd to exit and the new one to be ready',
    default: 30,
    min: 1,
  }),
  force: Flags.boolean({ description: 'SIGKILL the old sipd if it has not exited after --timeout' }),
};

interface FlagValues {
  config?: string;
  'run-dir'?: string;
  listen?: string[];
  domain?: string[];
  'db-url'?: string;
  'data-dir'?: string;
  workers?: number;
}

/** Parsed flags → loadConfig overrides. */
export function overridesFrom(f: FlagValues): ConfigOverrides {
  return {
    configFile: f.config,
    runDir: f['run-dir'],
    listen: f.listen,
    domains: f.domain,
    dbUrl: f['db-url'],
    dataDir: f['data-dir'],
    workers: f.workers,
  };
}
