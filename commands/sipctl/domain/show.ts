import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainColumns } from '../../../src/cli/sipctl/views.js';
import { showDomains, type DomainShowResult } from '../../../src/ctl/domains.js';

export default class DomainShow extends CtlCommand<DomainShowResult> {
  static override summary = 'Show the domain table and what the running sipd serves (kamctl domain showdb + show)';
  static override description = `JSON: {domains: [{domain, did, lastModified}], served: [...]} where served is the list a running sipd serves (its configured domains plus the table), or null when sipd is not running.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<DomainShowResult> {
    const { flags } = await this.parse(DomainShow);
    const r = await showDomains(this.context(flags));
    this.printTable(r.domains, domainColumns(r.served));
    if (r.served) this.log(`sipd serves: ${r.served.join(', ') || '(nothing)'}`);
    else this.log('sipd is not running');
    return r;
  }
}
