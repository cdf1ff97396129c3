import { Args, Flags } from '@oclif/core';
import { usageError } from '../../../src/shared/errors.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { expiresIn } from '../../../src/cli/sipctl/views.js';
import { ulAdd, type UlAddResult } from '../../../src/ctl/ul.js';

export default class UlAdd extends CtlCommand<UlAddResult> {
  static override summary = 'Add a contact to a user in the running sipd (kamctl ul add)';
  static override description = `expires is in seconds; 0 (the default, as in kamctl) makes the contact permanent. Adding a contact the user already has updates it. Needs a running sipd (exit 5).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com sip:alice@192.0.2.10:5060 3600',
    "<%= config.bin %> <%= command.id %> alice@example.com 'sip:alice@192.0.2.10;transport=tcp' --q 0.5",
  ];
  static override args = {
    user: Args.string({ description: 'user@domain, or user with the default domain', required: true }),
    contact: Args.string({ description: 'the contact URI (sip: or sips:)', required: true }),
    expires: Args.string({ description: 'seconds until it expires; 0 = permanent (default)' }),
  };
  static override flags = {
    domain: domainFlag,
    q: Flags.string({ summary: 'preference between 0 and 1 (default 1)', helpValue: 'Q' }),
  };

  async run(): Promise<UlAddResult> {
    const { args, flags } = await this.parse(UlAdd);
    const ctx = this.context(flags);
    const u = await this.user(ctx, args.user);
    let expires: number | undefined;
    if (args.expires !== undefined) {
      if (!/^\d+$/.test(args.expires))
        throw usageError(`invalid EXPIRES "${args.expires}": whole seconds, 0 = permanent`);
      expires = Number(args.expires);
    }
    let q: number | undefined;
    if (flags.q !== undefined) {
      q = Number(flags.q);
      if (!/^\d*\.?\d+$/.test(flags.q) || q < 0 || q > 1) throw usageError(`invalid --q "${flags.q}": between 0 and 1`);
    }
    const r = await ulAdd(ctx, u, args.contact, { expires, q });
    this.log(`added contact ${r.contact.address} to ${r.aor} (${expiresIn(r.contact.expires)})`);
    return r;
  }
}
