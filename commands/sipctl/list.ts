import { Flags } from '@oclif/core';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { subscriberColumns } from '../../src/cli/sipctl/views.js';
import { parseDomain } from '../../src/ctl/aor.js';
import { listSubscribers, type SubscriberView } from '../../src/ctl/subscribers.js';

export default class List extends CtlCommand<{ subscribers: SubscriberView[] }> {
  static override summary = 'List the subscribers';
  static override description = `Every subscriber, ordered by domain and user, or only those of one domain; the HA1 column only with --show-secrets. The JSON result is {subscribers: [...]}, the same shape as show.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --domain example.com --json',
  ];
  static override flags = {
    domain: Flags.string({ summary: 'only the subscribers of this domain', helpValue: 'DOMAIN' }),
  };

  async run(): Promise<{ subscribers: SubscriberView[] }> {
    const { flags } = await this.parse(List);
    const ctx = this.context({ ...flags, domain: undefined });
    const subscribers = await listSubscribers(ctx, flags.domain ? { domain: parseDomain(flags.domain) } : {});
    this.printTable(subscribers, subscriberColumns(this.argv.includes('--show-secrets')));
    return { subscribers };
  }
}
