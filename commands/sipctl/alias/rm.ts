import { Args } from '@oclif/core';
import { noReloadFlag } from '../../../src/cli/flags.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { removeAlias, type AliasWriteResult } from '../../../src/ctl/aliases.js';

export default class AliasRm extends CtlCommand<AliasWriteResult> {
  static override summary = 'Remove an alias (kamctl alias_db rm)';
  static override description = 'Exit 3 when there is no such alias. A running sipd is told to reload.';
  static override examples = ['<%= config.bin %> <%= command.id %> 1001@example.com'];
  static override args = {
    alias: Args.string({ description: 'the alias: name@domain, or name with the default domain' }),
  };
  static override flags = { domain: domainFlag, 'no-reload': noReloadFlag };

  async run(): Promise<AliasWriteResult> {
    const { args, flags } = await this.parse(AliasRm);
    const ctx = this.context(flags);
    const alias = await this.user(ctx, args.alias, 'ALIAS', 'alias');
    const r = await removeAlias(ctx, alias);
    this.log(`removed alias ${r.alias.alias} (it pointed to ${r.alias.target})`);
    this.reportReload(r);
    return r;
  }
}
