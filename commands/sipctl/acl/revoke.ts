import { Args } from '@oclif/core';
import { noReloadFlag } from '../../../src/cli/flags.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { revokeGroups, type RevokeResult } from '../../../src/ctl/acl.js';

export default class AclRevoke extends CtlCommand<RevokeResult> {
  static override summary = 'Take a subscriber out of a group, or of all its groups (kamctl acl revoke)';
  static override description =
    'With a group: exit 3 when the user is not in it. Without: every membership of the user (none is not an error). A running sipd is told to reload.';
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com ld',
    '<%= config.bin %> <%= command.id %> alice@example.com',
  ];
  static override args = {
    user: Args.string({ description: 'user@domain, or user with the default domain' }),
    group: Args.string({ description: 'the group (default: all of them)' }),
  };
  static override flags = { domain: domainFlag, 'no-reload': noReloadFlag };

  async run(): Promise<RevokeResult> {
    const { args, flags } = await this.parse(AclRevoke);
    const ctx = this.context(flags);
    const u = await this.user(ctx, args.user);
    const r = await revokeGroups(ctx, u, args.group);
    this.log(
      r.group === null ? `${u.aor} removed from ${r.revoked} group(s)` : `${u.aor} removed from group ${r.group}`,
    );
    this.reportReload(r);
    return r;
  }
}
