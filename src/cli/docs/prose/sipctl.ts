/** Hand-written parts of sipctl(8). The command list, flags and exit codes are generated. */
import { pathDefault, settingDocs, SYSTEM_RC } from '../../rc-keys.js';
import type { BinProse } from '../man-page.js';
import { colourEnvironment, outputBlocks, pathEnvironment } from './common.js';

export function sipctlProse(): BinProse {
  const keys = settingDocs();
  return {
    section: 8,
    name: 'administration tool for the sipd SIP server',
    description: [
      '`sipctl` administers `sipd` and its database, in the tradition of `openserctl` and `kamctl`. It talks to a running sipd over its management socket and reads and writes the database sipd uses (SQLite by default, or MySQL/MariaDB with a Kamailio-compatible schema).',
      'With no flags and no resource file, sipctl uses the same directories as a `sipd` started with no flags by the same user, so the two find each other: the management socket `<run dir>/sipd.sock` and the database `<data dir>/sipkit.db`.',
      ...outputBlocks('sipctl'),
      'Questions (a missing argument, a password, a confirmation) are asked only when both stdin and stdout are terminals. Otherwise sipctl never waits for input: a missing argument is a usage error (exit status 2) that names the argument or flag to pass, and a command that needs a confirmation needs `--yes`. A password can come from the first line of stdin with `--password-stdin`, so that it does not appear in `ps` or the shell history.',
    ],
    sections: [
      {
        title: 'Configuration',
        blocks: [
          `Settings are read from \`${SYSTEM_RC}\`, then from \`~/.sipctlrc\`, then from environment variables of the same names, then from the flags \`--db-url\`, \`--data-dir\`, \`--run-dir\` and \`--socket\`; a later source wins. \`sipctl config\` shows the result and where each value came from.`,
          'The files use the syntax of kamctlrc: `KEY=value` lines, values in single or double quotes, `#` comments, `$NAME` expansion of earlier keys and environment variables. They are read, never executed: a line that would need a shell (command substitution, a command, a test) is a usage error naming the file and line. Keys of kamctlrc that sipctl does not use are ignored; other unknown keys give a warning.',
          'Keys (default in brackets):',
          {
            list: keys.map((k) => [
              `\`${k.key}\``,
              `${k.description}${k.flag ? ` (flag \`--${k.flag}\`)` : ''} [${k.default}]`,
            ]),
          },
          {
            pre: 'SIP_DOMAIN=example.com\nDBENGINE=MYSQL\nDBHOST=127.0.0.1\nDBNAME=kamailio\nDBRWUSER=kamailio\nDBRWPW="kamailiorw"',
          },
        ],
      },
    ],
    files: [
      [SYSTEM_RC, 'system-wide resource file'],
      ['~/.sipctlrc', 'per-user resource file, read after the system one'],
      [
        '<run dir>/sipd.sock',
        `sipd's management socket; the run directory is ${pathDefault('runDir', 'XDG_RUNTIME_DIR')}`,
      ],
      [
        '<data dir>/sipkit.db',
        `the default SQLite database; the data directory is ${pathDefault('dataDir', 'XDG_DATA_HOME')}`,
      ],
    ],
    environment: [
      [keys.map((k) => k.key).join(', '), 'Override the resource files (see CONFIGURATION); flags override them.'],
      ['SIPCTL_CONTENT_TYPE', 'When `json`, every command behaves as if `--json` was given.'],
      ...colourEnvironment,
      ...pathEnvironment.filter(([n]) => n !== 'XDG_CONFIG_HOME'),
    ],
    exitCodes: 'sipkit',
    examples: [
      'Which database and socket will sipctl use?',
      { pre: '$ sipctl config' },
      'The same as JSON, for a script:',
      { pre: "$ sipctl config --json | jq -r '.result.socket'" },
    ],
    seeAlso: ['sipd(8)', 'siptest(1)', 'kamctl(8)'],
  };
}
