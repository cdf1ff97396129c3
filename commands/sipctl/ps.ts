import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { processes, type ProcessRow } from '../../src/ctl/runtime.js';

export default class Ps extends CtlCommand<{ processes: ProcessRow[] }> {
  static override summary = "List sipd's processes (kamctl ps)";
  static override description =
    'sipd runs as one process. Needs a running sipd (exit 5). JSON: {processes: [{idx, pid, description}]}.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];

  async run(): Promise<{ processes: ProcessRow[] }> {
    const { flags } = await this.parse(Ps);
    const r = await processes(this.context(flags));
    this.printTable(r.processes, [
      { header: 'IDX', get: 'idx', align: 'right' },
      { header: 'PID', get: 'pid', align: 'right' },
      { header: 'DESCRIPTION', get: 'description' },
    ]);
    return r;
  }
}
