import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { contactColumns, type ContactRow } from '../../../src/cli/sipctl/views.js';
import { parseUser } from '../../../src/ctl/aor.js';
import { ulShow, ulShowBrief, type UlBriefResult, type UlShowResult } from '../../../src/ctl/ul.js';

export default class UlShow extends CtlCommand<UlShowResult | UlBriefResult> {
  static override summary = 'Show the registered contacts, of everyone or of one user (kamctl ul show)';
  static override description = `Asks the running sipd (ul.dump, or ul.lookup for one user; exit 5 when sipd is not running, exit 3 when the user has no contacts). Columns: AoR, contact, expires in, q, received, transport, user agent. --brief lists the AoRs only. JSON: {aors: [{aor, contacts: [{address, expires, q, call_id, cseq, user_agent, received, path, socket, instance, reg_id, ruid, last_modified, transport}]}]}, with --brief {aors: [{aor}]}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> alice@example.com',
    '<%= config.bin %> <%= command.id %> --brief --json',
  ];
  static override args = { user: Args.string({ description: 'user@domain, or user with the default domain' }) };
  static override flags = {
    domain: domainFlag,
    brief: Flags.boolean({ summary: 'only the AoRs, without their contacts', default: false }),
  };

  async run(): Promise<UlShowResult | UlBriefResult> {
    const { args, flags } = await this.parse(UlShow);
    const ctx = this.context(flags);
    if (flags.brief) {
      if (args.user !== undefined) this.warn('--brief lists every AoR; the user argument is ignored');
      const r = await ulShowBrief(ctx);
      this.printTable(r.aors, [{ header: 'AOR', get: 'aor' }]);
      return r;
    }
    const r = await ulShow(ctx, args.user === undefined ? undefined : parseUser(args.user, ctx.defaultDomain));
    const rows: ContactRow[] = r.aors.flatMap((a) => a.contacts.map((c) => ({ aor: a.aor, ...c })));
    this.printTable(rows, contactColumns);
    return r;
  }
}
