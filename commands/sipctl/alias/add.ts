import { Args } from '@oclif/core';
import { noReloadFlag } from '../../../src/cli/flags.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { addAlias, type AliasWriteResult } from '../../../src/ctl/aliases.js';

export default class AliasAdd extends CtlCommand<AliasWriteResult> {
  static override summary = 'Add an alias of a subscriber (kamctl alias_db add)';
  static override description = `Calls to the alias reach the subscriber. The subscriber must exist (exit 3); the alias must not be a subscriber or an existing alias (exit 4). A running sipd is told to reload.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> 1001@example.com alice@example.com',
    '<%= config.bin %> <%= command.id %> 1001 alice --domain example.com',
  ];
  static override args = {
    alias: Args.string({ description: 'the alias: name@domain, or name with the default domain' }),
    user: Args.string({ description: 'the subscriber it points to' }),
  };
  static override flags = { domain: domainFlag, 'no-reload': noReloadFlag };

  async run(): Promise<AliasWriteResult> {
    const { args, flags } = await this.parse(AliasAdd);
    const ctx = this.context(flags);
    const alias = await this.user(ctx, args.alias, 'ALIAS', 'alias');
    const user = await this.user(ctx, args.user, 'USER', 'user');
    const r = await addAlias(ctx, alias, user);
    this.log(`added alias ${r.alias.alias} → ${r.alias.target}`);
    this.reportReload(r);
    return r;
  }
}
