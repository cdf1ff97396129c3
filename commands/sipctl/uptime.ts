import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { formatDuration } from '../../src/ctl/monitor.js';
import { uptime } from '../../src/ctl/runtime.js';
import type { UptimeResult } from '../../src/mgmt/results.js';

export default class Uptime extends CtlCommand<UptimeResult> {
  static override summary = 'Show how long sipd has been running (kamctl uptime)';
  static override description =
    "Needs a running sipd (exit 5). JSON: core.uptime's {now, up_since, uptime (s), now_ms, started_ms, uptime_ms}.";
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<UptimeResult> {
    const { flags } = await this.parse(Uptime);
    const r = await uptime(this.context(flags));
    this.printShow([
      ['now', r.now],
      ['up since', r.up_since],
      ['uptime', `${formatDuration(r.uptime)} (${r.uptime} s)`],
    ]);
    return r;
  }
}
