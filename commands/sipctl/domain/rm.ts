import { Args } from '@oclif/core';
import { noReloadFlag } from '../../../src/cli/flags.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { parseDomain } from '../../../src/ctl/aor.js';
import { removeDomain, type DomainWriteResult } from '../../../src/ctl/domains.js';

export default class DomainRm extends CtlCommand<DomainWriteResult> {
  static override summary = 'Remove a domain from the domain table (kamctl domain rm)';
  static override description =
    "Exit 3 when it is not in the table. Subscribers of the domain are kept. A running sipd reloads its domain list at once; domains from sipd's own configuration stay served.";
  static override examples = ['<%= config.bin %> <%= command.id %> example.com'];
  static override args = { domain: Args.string({ description: 'the domain' }) };
  static override flags = { 'no-reload': noReloadFlag };

  async run(): Promise<DomainWriteResult> {
    const { args, flags } = await this.parse(DomainRm);
    const ctx = this.context(flags);
    const domain = parseDomain(await this.ask(args.domain, { arg: 'DOMAIN' }, 'Domain'));
    const r = await removeDomain(ctx, domain);
    this.log(`removed domain ${domain}`);
    this.reportReload(r);
    return r;
  }
}
