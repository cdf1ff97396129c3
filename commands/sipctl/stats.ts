import { Args } from '@oclif/core';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { statistics } from '../../src/ctl/runtime.js';

export default class Stats extends CtlCommand<{ stats: Record<string, number> }> {
  static override summary = "Show sipd's statistics, all or some (kamctl stats)";
  static override description = `Each SELECTOR is a group (core, core:, usrloc...), a statistic (core.rcv_requests) or a bare statistic name; none means all. An unknown one is exit 3. Needs a running sipd (exit 5). JSON: {stats: {"group.name": value}}.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> usrloc',
    '<%= config.bin %> <%= command.id %> core.rcv_requests tm --json',
  ];
  static override strict = false;
  static override args = { selector: Args.string({ description: 'group or statistic name (repeatable)' }) };

  async run(): Promise<{ stats: Record<string, number> }> {
    const { argv, flags } = await this.parse(Stats);
    const r = await statistics(this.context(flags), argv as string[]);
    this.printTable(Object.entries(r.stats), [
      { header: 'STATISTIC', get: (e) => e[0] },
      { header: 'VALUE', get: (e) => e[1], align: 'right' },
    ]);
    return r;
  }
}
