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
      'The commands keep the names and arguments of kamctl: `add`, `passwd`, `rm`, `show`, `alias`, `acl`, `ul`, `online`, `avp`, `domain`, `ps`, `uptime`, `stats`, `monitor`, `ping`, `rpc`, `tls`, `db`, `start`, `stop`, `restart`. Commands on registered contacts and runtime state (`ul`, `online`, `ps`, `uptime`, `stats`, `monitor`, `rpc`, `domain reload`) ask the running sipd and exit with status 5 when it is not running. Commands that change the database (subscribers, aliases, groups, AVPs, domains) work without sipd; when sipd runs, it is told to reload its cache afterwards (`cache.reload`, or `domain.reload` for domains), so the change takes effect at once. A sipd that is not running is not an error (it reads the database when it starts; the JSON result says `"reloaded": false` with a `reloadNote`); `--no-reload` skips the reload. If sipd runs but cannot be told (permission, an error), the command fails with the exit status of that error and says that the database was changed and how to reload.',
    ],
    sections: [
      {
        title: 'Users and domains',
        blocks: [
          'A user argument is `user@domain`, `sip:user@domain`, or a bare `user`, which gets the default domain: `--domain`, else `SIP_DOMAIN`. A bare user with neither is a usage error (exit status 2), as in kamctl. Domains are lower-cased (host names are case-insensitive); the user part is kept as typed. For `avp`, an owner with `@domain` is a user and anything else a uuid, as kamctl decides.',
          'Passwords are stored as kamctl stores them: `ha1` = MD5(`user:domain:password`) and `ha1b` = MD5(`user@domain:domain:password`) (the realm is the domain), plus `ha1_sha256` where the column exists. The plaintext column is filled only with `STORE_PLAINTEXT_PW=1`; sipctl never prints it.',
          "A password given as an argument (`sipctl add alice@example.com s3cret`, kamctl's habit) works, but other local users can read it in `ps`; when stderr is a terminal, sipctl says so in a one-line warning. `--password-stdin` or the prompt keep it private. The hashes are password equivalents (each answers digest challenges as the user): `--json` output never contains `ha1`, `ha1b`, `ha1_sha256` (nor a `password` field) unless `--show-secrets` is given; the human output of `show` and `db show` prints them as kamctl does.",
        ],
      },
      {
        title: 'TLS and connections',
        blocks: [
          '`sipctl tls` lists the certificates sipd serves over TLS: the default one and one per `[[tls.domain]]` server name (SNI), each with subject, subjectAltName, issuer, validity, days left, SHA-256 fingerprint and files. With sipd running it shows what sipd loaded (at start, or at the last SIGHUP: a renewed file on disk shows only after `kill -HUP`); otherwise it reads the files the configuration names (`--config`) and its first line says so. A certificate that expires within 30 days, has expired or cannot be read is warned about on stderr; with `--check-expiry DAYS` the threshold is DAYS and such a certificate makes the exit status 1 (the JSON result names them in `expiring`), so that a cron job or a monitoring check can run `sipctl tls --check-expiry 21`.',
          '`sipctl ps` shows each SIP listener with its open connections, connections opened and closed since start, failed TLS handshakes and connections refused at the `[tcp]` caps; `sipctl ps --connections` lists every open TCP, TLS, WS and WSS connection: peer, local address, who opened it, age, idle time, messages each way, how long a registration keeps it open (KEPT) and its RFC 5923 aliases. `sipctl stats net:` has the per-transport totals (`net.tls_open`, `net.tls_opened`, `net.tls_closed`, the same for tcp).',
        ],
      },
      {
        title: 'Differences from kamctl',
        blocks: [
          {
            list: [
              [
                '`rm`',
                'also removes the AVPs and the stored contacts, and asks for confirmation (`--yes` without a terminal).',
              ],
              ['`avp rm`', 'without a filter refuses (exit 2) unless `--all` is given; kamctl empties the table.'],
              [
                '`acl grant`',
                'refuses the whole command when a group is not in `ACL_GROUPS` (with `VERIFY_ACL=1`), and requires the user to exist; kamctl skips the group, or asks.',
              ],
              ['`alias list`', 'never asks before listing every alias.'],
              [
                '`ping`',
                'sends the OPTIONS itself and prints the reply code and the round-trip time; exit 0 on a 2xx reply, 1 on any other reply or none.',
              ],
              [
                '`stop`',
                'waits until sipd has exited; a sipd that is not running is exit 0 (kamctl: 1), as for an LSB init script.',
              ],
              ['`domain add|rm`', 'make a running sipd reload at once.'],
              ['`fifo`', 'is `rpc` (the management socket replaces the FIFO).'],
              [
                '`avp list|rm`',
                'take the owner, attribute and value as arguments too (`sipctl avp rm alice@example.com callfwd`), besides `-u`, `-a` and `-v`.',
              ],
              [
                '`db connect`',
                'runs `sqlite3` or `mariadb`/`mysql` with the password in MYSQL_PWD (not in ps); `--print` or `--json` print the command instead.',
              ],
              ['`db smatch`', 'takes the value as a query parameter; `db nmatch` is the same command.'],
              [
                '`sets`, `setn`',
                "are not provided: sipkit's subscriber table holds only the name, domain and password hashes, which `passwd` keeps consistent with each other. Per-user attributes are AVPs: `sipctl avp add alice@example.com ATTR 0 VALUE` (a string, as sets) or type 1 (a number, as setn).",
              ],
              [
                '`rpid`',
                "is not provided: Kamailio 5.x's subscriber table has no rpid column (kamctl's rpid fails on it too). Keep it as an AVP (`sipctl avp add alice@example.com rpid 0 '<sip:+4930123@example.com>'`) and set the header in a route (`ctx.setHeader`).",
              ],
            ],
          },
        ],
      },
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
      'Start sipd, add two subscribers (the password from a pipe, so it is not in ps) and an alias:',
      {
        pre: '$ sipctl start\n$ printf \'%s\\n\' "$PW" | sipctl add alice@example.com --password-stdin\n$ sipctl add bob@example.com\n$ sipctl alias add 1001@example.com alice@example.com',
      },
      'Who is registered, and from where:',
      { pre: '$ sipctl ul show\n$ sipctl online' },
      'Remove a subscriber with everything that belongs to it, from a script:',
      { pre: '$ sipctl rm bob@example.com --yes --json' },
      'Is the proxy answering?',
      { pre: '$ sipctl ping sip:proxy.example.com && echo up' },
      'Certificates about to expire (exit status 1 if one expires within 21 days), and the open connections:',
      {
        pre: '$ sipctl tls --check-expiry 21 || mail -s "renew the TLS certificate" root </dev/null\n$ sipctl ps --connections',
      },
      'Watch the counters, or log one sample a minute:',
      { pre: '$ sipctl monitor\n$ sipctl monitor --interval 60 --json >> sipd-stats.jsonl' },
    ],
    seeAlso: ['sipd(8)', 'siptest(1)', 'kamctl(8)', 'kamdbctl(8)'],
  };
}
