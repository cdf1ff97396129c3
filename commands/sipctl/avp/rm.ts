import { Flags } from '@oclif/core';
import { noReloadFlag, yesFlag } from '../../../src/cli/flags.js';
import { confirmOrCancel } from '../../../src/cli/prompts.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { avpFilterArgs, avpFilterFlags, avpFilterOf } from '../../../src/cli/sipctl/flags.js';
import { removeAvps, type AvpRmResult } from '../../../src/ctl/avps.js';

export default class AvpRm extends CtlCommand<AvpRmResult> {
  static override summary = 'Remove the AVPs matching the filters (kamctl avp rm)';
  static override description = `The owner, attribute and value may also be given as arguments, in that order (kamctl's -u, -a, -v). kamctl empties the whole table when no filter is given; sipctl refuses (exit 2) unless --all is given, and then asks for confirmation on a terminal (--yes without one). A filter that matches nothing is exit 3. A running sipd is told to reload.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> -u alice@example.com -a callfwd',
    '<%= config.bin %> <%= command.id %> alice@example.com callfwd',
    '<%= config.bin %> <%= command.id %> --all --yes',
  ];
  static override args = avpFilterArgs;
  static override flags = {
    ...avpFilterFlags,
    all: Flags.boolean({ summary: 'delete every AVP of the table (no filter)', default: false }),
    yes: yesFlag,
    'no-reload': noReloadFlag,
  };

  async run(): Promise<AvpRmResult> {
    const { args, flags } = await this.parse(AvpRm);
    const ctx = this.context(flags);
    const table = flags.table ?? 'usr_preferences';
    const r = await removeAvps(ctx, avpFilterOf(flags, args), {
      all: flags.all,
      confirmAll: () => confirmOrCancel({ message: `Delete every AVP in ${table}?`, yes: flags.yes }),
    });
    this.log(`removed ${r.removed} AVP(s)`);
    this.reportReload(r);
    return r;
  }
}
