import { Args } from '@oclif/core';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { domainFlag } from '../../src/cli/sipctl/flags.js';
import { subscriberColumns, subscriberEntries } from '../../src/cli/sipctl/views.js';
import { parseUser } from '../../src/ctl/aor.js';
import { listSubscribers, showSubscriber, type SubscriberView } from '../../src/ctl/subscribers.js';

export default class Show extends CtlCommand<{ subscribers: SubscriberView[] }> {
  static override summary = 'Show a subscriber, or all of them (kamctl show)';
  static override description = `With a user: its row, exit 3 when it does not exist; the plaintext password is never printed, only whether it is stored, and the hashes (ha1, ha1b, ha1_sha256: password equivalents) only with --show-secrets, in both output modes. Without: every subscriber, as \`sipctl list\`. The JSON result is always {subscribers: [...]}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com',
    '<%= config.bin %> <%= command.id %> --json',
  ];
  static override args = { user: Args.string({ description: 'user@domain, or user with the default domain' }) };
  static override flags = { domain: domainFlag };

  async run(): Promise<{ subscribers: SubscriberView[] }> {
    const { args, flags } = await this.parse(Show);
    const ctx = this.context(flags);
    if (args.user === undefined) {
      const subscribers = await listSubscribers(ctx);
      this.printTable(subscribers, subscriberColumns(this.argv.includes('--show-secrets')));
      return { subscribers };
    }
    const s = await showSubscriber(ctx, parseUser(args.user, ctx.defaultDomain));
    this.printShow(subscriberEntries(s, this.argv.includes('--show-secrets')));
    return { subscribers: [s] };
  }
}
