import { Args, Flags } from '@oclif/core';
import { readUsersFile } from '../../src/cli/sipctl/users-file.js';
import { addSubscribersFromCsv, type BulkAddResult } from '../../src/ctl/bulk-add.js';
import { noReloadFlag, passwordStdinFlag } from '../../src/cli/flags.js';
import { resolvePassword, warnPasswordArgument } from '../../src/cli/prompts.js';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../src/cli/sipctl/flags.js';
import { addSubscriber, type SubscriberAddResult } from '../../src/ctl/subscribers.js';

export default class Add extends CtlCommand<SubscriberAddResult | BulkAddResult> {
  static override summary = 'Add a subscriber (kamctl add)';
  static override description = `Stores ha1 = MD5(user:domain:password), ha1b = MD5(user@domain:domain:password) (the realm is the domain, as kamctl computes them) and, where the column exists, ha1_sha256. The plaintext password is stored only with STORE_PLAINTEXT_PW=1. The password comes from the argument (kamctl's habit; other local users see it in ps, and on a terminal a warning on stderr says so), from the first line of stdin with --password-stdin, or from a hidden prompt asked twice on a terminal; without a terminal a missing password is a usage error. Refused (exit 4) when the user exists or is an alias. A running sipd is told to reload (cache.reload). Works without sipd: the SQLite database is created on first use. A domain sipd does not serve (a running sipd's domain list; else the domain table and sipd's configuration) gets a warning on stderr saying how to add it (JSON: result.warnings); the subscriber is added anyway.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com',
    'printf \'%s\\n\' "$PW" | <%= config.bin %> <%= command.id %> alice@example.com --password-stdin',
    '<%= config.bin %> <%= command.id %> --from-file users.csv --domain example.com',
    'printf \'alice@example.com,s3cret\\nbob@example.com,"a,b"\\n\' | <%= config.bin %> <%= command.id %> --from-file -',
    '<%= config.bin %> <%= command.id %> alice --domain example.com --json < pw.txt --password-stdin',
  ];
  static override args = {
    user: Args.string({ description: 'user@domain, or user with the default domain (asked for on a terminal)' }),
    password: Args.string({ description: 'the password (visible in ps: prefer --password-stdin or the prompt)' }),
  };
  static override flags = {
    domain: domainFlag,
    'password-stdin': passwordStdinFlag,
    'no-reload': noReloadFlag,
    'from-file': Flags.string({
      summary: 'add every subscriber of a CSV file (- = stdin) in one transaction',
      description:
        'One subscriber per line: user[@domain],password (a user without @domain gets --domain or SIP_DOMAIN). Fields may be double-quoted ("" is a quote), so a password can hold a comma. A header line user,password is optional; empty lines and # comments are skipped; columns after the password (an email address) are ignored. All or nothing: the first bad row (invalid, already a subscriber or an alias, listed twice) fails the command with its line number (exit 2 or 4) and nothing is added.',
      helpValue: 'FILE|-',
    }),
  };

  async run(): Promise<SubscriberAddResult | BulkAddResult> {
    const { args, flags } = await this.parse(Add);
    const ctx = this.context(flags);
    if (flags['from-file'] !== undefined) {
      const { text, source } = await readUsersFile(flags['from-file'], {
        args,
        passwordStdin: flags['password-stdin'],
      });
      const r = await addSubscribersFromCsv(ctx, text, source);
      this.log(`added ${r.added} subscribers (${r.domains.join(', ')}) from ${source} in one transaction`);
      this.reportWarnings(r.warnings);
      this.reportReload(r);
      return r;
    }
    const u = await this.user(ctx, args.user);
    if (args.password !== undefined) warnPasswordArgument();
    const password = await resolvePassword({
      value: args.password,
      stdin: flags['password-stdin'],
      question: { message: `Password for ${u.aor}` },
    });
    const r = await addSubscriber(ctx, u, password);
    this.log(`added subscriber ${u.aor}`);
    this.reportWarnings(r.warnings);
    this.reportReload(r);
    return r;
  }
}
