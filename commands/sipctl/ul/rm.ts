import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { ulRm, type UlRmResult } from '../../../src/ctl/ul.js';

export default class UlRm extends CtlCommand<UlRmResult> {
  static override summary = "Remove a user's contacts, or one of them, from the running sipd (kamctl ul rm)";
  static override description = 'Exit 3 when there is nothing to remove; exit 5 when sipd is not running.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com',
    '<%= config.bin %> <%= command.id %> alice@example.com sip:alice@192.0.2.10:5060',
  ];
  static override args = {
    user: Args.string({ description: 'user@domain, or user with the default domain', required: true }),
    contact: Args.string({ description: 'only this contact URI (default: all of them)' }),
  };
  static override flags = { domain: domainFlag };

  async run(): Promise<UlRmResult> {
    const { args, flags } = await this.parse(UlRm);
    const ctx = this.context(flags);
    const u = await this.user(ctx, args.user);
    const r = await ulRm(ctx, u, args.contact);
    this.log(r.contact === null ? `removed ${r.removed} contact(s) of ${r.aor}` : `removed ${r.contact} from ${r.aor}`);
    return r;
  }
}
