import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { membershipColumns } from '../../../src/cli/sipctl/views.js';
import { parseUser } from '../../../src/ctl/aor.js';
import { listMemberships, type MembershipView } from '../../../src/ctl/acl.js';

export default class AclShow extends CtlCommand<{ memberships: MembershipView[] }> {
  static override summary = 'Show group memberships, of everyone or of one user (kamctl acl show)';
  static override description = 'The JSON result is {memberships: [{aor, username, domain, group, lastModified}]}.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> alice@example.com',
  ];
  static override args = { user: Args.string({ description: 'user@domain, or user with the default domain' }) };
  static override flags = { domain: domainFlag };

  async run(): Promise<{ memberships: MembershipView[] }> {
    const { args, flags } = await this.parse(AclShow);
    const ctx = this.context(flags);
    const memberships = await listMemberships(
      ctx,
      args.user === undefined ? undefined : parseUser(args.user, ctx.defaultDomain),
    );
    this.printTable(memberships, membershipColumns);
    return { memberships };
  }
}
