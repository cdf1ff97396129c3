import { restartFlags } from '../../src/cli/daemon-flags.js';
import { restartLines } from '../../src/cli/daemon-report.js';
import { daemonTarget, sipdStartFlags } from '../../src/cli/sipctl/daemon.js';
import { SipctlCommand } from '../../src/cli/sipctl-command.js';
import { restartDaemon, type RestartResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Restart extends SipctlCommand<RestartResult> {
  static override summary = 'Stop sipd (if running), then start it again (as sipd restart)';
  static override description = 'The same as `sipctl stop` followed by `sipctl start` with the given flags.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];
  static override flags = {
    ...sipdStartFlags,
    ...restartFlags,
  };

  async run(): Promise<RestartResult> {
    const { flags } = await this.parse(Restart);
    const t = daemonTarget(this.settings(flags), flags);
    t.warnings.forEach((w) => this.warn(w));
    const r = await restartDaemon(sipdTarget(t.overrides), { timeoutMs: flags.timeout * 1000, force: flags.force });
    for (const line of restartLines(r)) this.log(line);
    return r;
  }
}
