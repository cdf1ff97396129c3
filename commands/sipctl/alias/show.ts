import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { aliasColumns } from '../../../src/cli/sipctl/views.js';
import { parseUser } from '../../../src/ctl/aor.js';
import { listAliases, showAlias, type AliasView } from '../../../src/ctl/aliases.js';

export default class AliasShow extends CtlCommand<{ aliases: AliasView[] }> {
  static override summary = 'Show what an alias points to, or every alias (kamctl alias_db show)';
  static override description =
    'With an alias: the subscriber it points to (exit 3 when there is no such alias). Without: every alias. The JSON result is {aliases: [...]}.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> 1001@example.com',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override args = {
    alias: Args.string({ description: 'the alias: name@domain, or name with the default domain' }),
  };
  static override flags = { domain: domainFlag };

  async run(): Promise<{ aliases: AliasView[] }> {
    const { args, flags } = await this.parse(AliasShow);
    const ctx = this.context(flags);
    const aliases =
      args.alias === undefined
        ? await listAliases(ctx)
        : [await showAlias(ctx, parseUser(args.alias, ctx.defaultDomain, 'alias'))];
    this.printTable(aliases, aliasColumns);
    return { aliases };
  }
}
