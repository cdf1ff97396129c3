/** Hand-written parts of sipd(8). The command list, flags and exit codes are generated. */
import { pathDefault } from '../../rc-keys.js';
import type { BinProse } from '../man-page.js';
import { colourEnvironment, outputBlocks, pathEnvironment } from './common.js';

export function sipdProse(): BinProse {
  return {
    section: 8,
    name: 'SIP registrar and stateful proxy server',
    description: [
      '`sipd` is the SIP server of sipkit: an RFC 3261 registrar with digest authentication, a location service and a stateful proxy, operated as a daemon with a pid file and a JSON-RPC management socket that `sipctl` uses.',
      'The defaults differ for root (system paths) and other users (paths under their home directory); `--data-dir`, `--run-dir` and `--db-url` have the same names and defaults in sipctl, so that `sipctl` with no flags talks to a `sipd` started with no flags by the same user.',
      ...outputBlocks('sipd'),
    ],
    files: [
      [pathDefault('configFile', 'XDG_CONFIG_HOME'), 'configuration file'],
      [
        `<data dir>/sipkit.db`,
        `the default SQLite database; the data directory is ${pathDefault('dataDir', 'XDG_DATA_HOME')}`,
      ],
      ['<run dir>/sipd.pid', `pid file; the run directory is ${pathDefault('runDir', 'XDG_RUNTIME_DIR')}`],
      ['<run dir>/sipd.sock', 'management socket (JSON-RPC 2.0 over a Unix stream socket)'],
      ['<run dir>/sipd.log', 'log file of a daemon started in the background'],
    ],
    environment: [
      ['SIPD_CONTENT_TYPE', 'When `json`, every command behaves as if `--json` was given.'],
      ...colourEnvironment,
      ...pathEnvironment,
    ],
    exitCodes: 'sipkit',
    seeAlso: ['sipctl(8)', 'siptest(1)', 'kamailio(8)'],
  };
}
