import { Args, Flags } from '@oclif/core';
import { noReloadFlag } from '../../../src/cli/flags.js';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { addAvp, type AvpAddResult } from '../../../src/ctl/avps.js';

export default class AvpAdd extends CtlCommand<AvpAddResult> {
  static override summary = 'Add an AVP (kamctl avp add)';
  static override description = `OWNER is user@domain (stored in username and domain) or a uuid. TYPE: 0 str:str, 1 str:int, 2 int:str, 3 int:int (an int part must be an integer). A running sipd is told to reload.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> alice@example.com callfwd 0 sip:bob@example.com',
    '<%= config.bin %> <%= command.id %> -T usr_preferences 7f3a-uuid 100 3 42',
  ];
  static override args = {
    owner: Args.string({ description: 'user@domain, or a uuid', required: true }),
    attribute: Args.string({ description: 'attribute name', required: true }),
    type: Args.string({ description: '0 str:str, 1 str:int, 2 int:str, 3 int:int', required: true }),
    value: Args.string({ description: 'the value', required: true }),
  };
  static override flags = {
    table: Flags.string({ char: 'T', summary: 'table with the usr_preferences columns', helpValue: 'TABLE' }),
    'no-reload': noReloadFlag,
  };

  async run(): Promise<AvpAddResult> {
    const { args, flags } = await this.parse(AvpAdd);
    const r = await addAvp(this.context(flags), { table: flags.table, ...args });
    this.log(`added AVP ${r.avp.id}: ${r.avp.attribute} = ${r.avp.value}`);
    this.reportReload(r);
    return r;
  }
}
