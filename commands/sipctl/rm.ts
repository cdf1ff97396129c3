import { Args } from '@oclif/core';
import { noReloadFlag, yesFlag } from '../../src/cli/flags.js';
import { confirmOrCancel } from '../../src/cli/prompts.js';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../src/cli/sipctl/flags.js';
import { removeSubscriber, type RemovalPlan, type RemoveResult } from '../../src/ctl/subscribers.js';

const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

function question(p: RemovalPlan): string {
  const extra = [
    p.aliases ? n(p.aliases, 'alias', 'aliases') : '',
    p.groups ? n(p.groups, 'group membership') : '',
    p.preferences ? n(p.preferences, 'AVP') : '',
  ].filter(Boolean);
  return `Remove subscriber ${p.subscriber.aor}${extra.length ? `, its ${extra.join(', ')}` : ''} and its registered contacts?`;
}

export default class Rm extends CtlCommand<RemoveResult> {
  static override summary = 'Remove a subscriber with its aliases, groups, AVPs and contacts (kamctl rm)';
  static override description = `In one database transaction: the subscriber, its group memberships (grp), the aliases pointing to it (dbaliases), its AVPs (usr_preferences) and its stored contacts (location); then a running sipd drops its live contacts (ul.rm) and reloads its cache. Asks for confirmation on a terminal; without a terminal --yes is required (exit 2 otherwise). Exit 3 when the user does not exist.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com',
    '<%= config.bin %> <%= command.id %> alice@example.com --yes --json',
  ];
  static override args = {
    user: Args.string({ description: 'user@domain, or user with the default domain (asked for on a terminal)' }),
  };
  static override flags = { domain: domainFlag, yes: yesFlag, 'no-reload': noReloadFlag };

  async run(): Promise<RemoveResult> {
    const { args, flags } = await this.parse(Rm);
    const ctx = this.context(flags);
    const u = await this.user(ctx, args.user);
    const r = await removeSubscriber(ctx, u, (plan) => confirmOrCancel({ message: question(plan), yes: flags.yes }));
    const d = r.removed;
    const live = d.liveContacts === null ? 'sipd not running' : n(d.liveContacts, 'live contact');
    this.log(
      `removed subscriber ${u.aor} (${n(d.aliases, 'alias', 'aliases')}, ${n(d.groups, 'group membership')}, ` +
        `${n(d.preferences, 'AVP')}, ${n(d.storedContacts, 'stored contact')}, ${live})`,
    );
    this.reportReload(r);
    return r;
  }
}
