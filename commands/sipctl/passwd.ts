import { Args } from '@oclif/core';
import { noReloadFlag, passwordStdinFlag } from '../../src/cli/flags.js';
import { resolvePassword, warnPasswordArgument } from '../../src/cli/prompts.js';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../src/cli/sipctl/flags.js';
import { changePassword, type SubscriberWriteResult } from '../../src/ctl/subscribers.js';

export default class Passwd extends CtlCommand<SubscriberWriteResult> {
  static override summary = "Change a subscriber's password (kamctl passwd)";
  static override description = `Recomputes every hash column (ha1, ha1b, ha1_sha256) and the plaintext column (STORE_PLAINTEXT_PW), so none is left stale. The password comes as for add (an argument gets the same warning on a terminal). Exit 3 when the user does not exist. A running sipd is told to reload.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com',
    'printf \'%s\\n\' "$PW" | <%= config.bin %> <%= command.id %> alice@example.com --password-stdin',
  ];
  static override args = {
    user: Args.string({ description: 'user@domain, or user with the default domain (asked for on a terminal)' }),
    password: Args.string({ description: 'the new password (visible in ps: prefer --password-stdin or the prompt)' }),
  };
  static override flags = { domain: domainFlag, 'password-stdin': passwordStdinFlag, 'no-reload': noReloadFlag };

  async run(): Promise<SubscriberWriteResult> {
    const { args, flags } = await this.parse(Passwd);
    const ctx = this.context(flags);
    const u = await this.user(ctx, args.user);
    if (args.password !== undefined) warnPasswordArgument();
    const password = await resolvePassword({
      value: args.password,
      stdin: flags['password-stdin'],
      question: { message: `New password for ${u.aor}` },
    });
    const r = await changePassword(ctx, u, password);
    this.log(`password of ${u.aor} changed`);
    this.reportReload(r);
    return r;
  }
}
