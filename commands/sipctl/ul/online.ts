import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { ulOnline } from '../../../src/ctl/ul.js';

export default class UlOnline extends CtlCommand<{ aors: string[] }> {
  static override summary = 'List the users registered now, one per line (kamctl online)';
  static override description = 'The unique AoRs with at least one contact in the running sipd. JSON: {aors: [...]}.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<{ aors: string[] }> {
    const { flags } = await this.parse(UlOnline);
    const r = await ulOnline(this.context(flags));
    for (const a of r.aors) this.log(a);
    return r;
  }
}
