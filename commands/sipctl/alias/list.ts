import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { aliasColumns } from '../../../src/cli/sipctl/views.js';
import { parseUser } from '../../../src/ctl/aor.js';
import { listAliases, type AliasView } from '../../../src/ctl/aliases.js';

export default class AliasList extends CtlCommand<{ aliases: AliasView[] }> {
  static override summary = "List the aliases, or a subscriber's aliases (kamctl alias_db list)";
  static override description =
    'Unlike kamctl, listing every alias never asks for confirmation. The JSON result is {aliases: [...]}.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> alice@example.com --json',
  ];
  static override args = { user: Args.string({ description: 'only the aliases pointing to this subscriber' }) };
  static override flags = { domain: domainFlag };

  async run(): Promise<{ aliases: AliasView[] }> {
    const { args, flags } = await this.parse(AliasList);
    const ctx = this.context(flags);
    const aliases = await listAliases(
      ctx,
      args.user === undefined ? undefined : parseUser(args.user, ctx.defaultDomain),
    );
    this.printTable(aliases, aliasColumns);
    return { aliases };
  }
}
