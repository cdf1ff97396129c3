import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { avpFilterArgs, avpFilterFlags, avpFilterOf } from '../../../src/cli/sipctl/flags.js';
import { avpColumns } from '../../../src/cli/sipctl/views.js';
import { listAvps } from '../../../src/ctl/avps.js';
import type { Avp } from '../../../src/store/index.js';

export default class AvpList extends CtlCommand<{ avps: Avp[] }> {
  static override summary = 'List AVPs (user preferences), filtered as kamctl avp list';
  static override description = `Every given filter must match. The owner, attribute and value may also be given as arguments, in that order (kamctl's -u, -a, -v). -u takes user@domain (the username and domain columns) or anything else as a uuid, as kamctl does. JSON: {avps: [{id, uuid, username, domain, attribute, type, value, lastModified}]}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -u alice@example.com -a callfwd',
    '<%= config.bin %> <%= command.id %> alice@example.com callfwd',
  ];
  static override args = avpFilterArgs;
  static override flags = { ...avpFilterFlags };

  async run(): Promise<{ avps: Avp[] }> {
    const { args, flags } = await this.parse(AvpList);
    const avps = await listAvps(this.context(flags), avpFilterOf(flags, args));
    this.printTable(avps, avpColumns);
    return { avps };
  }
}
