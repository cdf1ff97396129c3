import { BaseCommand } from '../../src/cli/base-command.js';
import { daemonFlags, overridesFrom, restartFlags } from '../../src/cli/daemon-flags.js';
import { restartLines } from '../../src/cli/daemon-report.js';
import { restartDaemon, type RestartResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Restart extends BaseCommand<RestartResult> {
  static override summary = 'Stop sipd (if running), then start it again';
  static override description = 'The same as `sipd stop` followed by `sipd start` with the given flags.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/sipkit/sipd.conf',
  ];
  static override flags = {
    ...daemonFlags,
    ...restartFlags,
  };

  async run(): Promise<RestartResult> {
    const { flags } = await this.parse(Restart);
    const r = await restartDaemon(sipdTarget(overridesFrom(flags)), {
      timeoutMs: flags.timeout * 1000,
      force: flags.force,
    });
    for (const line of restartLines(r)) this.log(line);
    return r;
  }
}
