import { Args } from '@oclif/core';
import { noReloadFlag } from '../../../src/cli/flags.js';
import { usageError } from '../../../src/shared/errors.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../../src/cli/sipctl/flags.js';
import { grantGroups, type GrantResult } from '../../../src/ctl/acl.js';

export default class AclGrant extends CtlCommand<GrantResult> {
  static override summary = 'Put a subscriber in one or more groups (kamctl acl grant)';
  static override description = `With VERIFY_ACL=1 (the default) only the names in ACL_GROUPS are accepted (default "local ld int voicemail free-pstn"); any other name refuses the whole command with exit 2 before anything changes. The user must be a subscriber (exit 3); a group it is already in is a conflict (exit 4). A running sipd is told to reload.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com local ld',
    'VERIFY_ACL=0 <%= config.bin %> <%= command.id %> alice@example.com vip',
  ];
  static override strict = false;
  static override args = {
    user: Args.string({ description: 'user@domain, or user with the default domain' }),
    groups: Args.string({ description: 'one or more group names' }),
  };
  static override flags = { domain: domainFlag, 'no-reload': noReloadFlag };

  async run(): Promise<GrantResult> {
    const { args, argv, flags } = await this.parse(AclGrant);
    const ctx = this.context(flags);
    const u = await this.user(ctx, args.user);
    const groups = (argv as string[]).slice(1);
    if (groups.length === 0)
      throw usageError('missing argument GROUPS', ['name at least one group: sipctl acl grant USER GROUP...']);
    const r = await grantGroups(ctx, u, groups);
    this.log(`${u.aor} is now in ${r.granted.map((g) => g.group).join(', ')}`);
    this.reportReload(r);
    return r;
  }
}
