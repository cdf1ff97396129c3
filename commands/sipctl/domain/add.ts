import { Args } from '@oclif/core';
import { noReloadFlag } from '../../../src/cli/flags.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { parseDomain } from '../../../src/ctl/aor.js';
import { addDomain, type DomainWriteResult } from '../../../src/ctl/domains.js';

export default class DomainAdd extends CtlCommand<DomainWriteResult> {
  static override summary = 'Add a domain sipd serves (kamctl domain add)';
  static override description =
    'Exit 4 when it is already in the table. A running sipd reloads its domain list at once (domain.reload); kamctl leaves that to you.';
  static override examples = ['<%= config.bin %> <%= command.id %> example.com'];
  static override args = { domain: Args.string({ description: 'the domain (a host name or an IP address)' }) };
  static override flags = { 'no-reload': noReloadFlag };

  async run(): Promise<DomainWriteResult> {
    const { args, flags } = await this.parse(DomainAdd);
    const ctx = this.context(flags);
    const domain = parseDomain(await this.ask(args.domain, { arg: 'DOMAIN' }, 'Domain'));
    const r = await addDomain(ctx, domain);
    this.log(`added domain ${domain}`);
    this.reportReload(r);
    return r;
  }
}
