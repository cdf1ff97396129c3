import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { reloadDomains } from '../../../src/ctl/domains.js';

export default class DomainReload extends CtlCommand<{ domains: string[] }> {
  static override summary = 'Make the running sipd re-read the domain table (kamctl domain reload)';
  static override description =
    'Needs a running sipd (exit 5 otherwise). JSON: {domains: [...]}, the domains served now.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];

  async run(): Promise<{ domains: string[] }> {
    const { flags } = await this.parse(DomainReload);
    const r = await reloadDomains(this.context(flags));
    this.log(`sipd serves: ${r.domains.join(', ') || '(nothing)'}`);
    return r;
  }
}
