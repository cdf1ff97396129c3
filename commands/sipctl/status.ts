import { statusLines } from '../../src/cli/daemon-report.js';
import { ExitCode } from '../../src/shared/exit-codes.js';
import { daemonTarget, sipdLocateFlags } from '../../src/cli/sipctl/daemon.js';
import { SipctlCommand } from '../../src/cli/sipctl-command.js';
import { daemonStatus, type StatusResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Status extends SipctlCommand<StatusResult> {
  static override summary =
    'Show whether sipd is running, with pid, uptime, addresses and registrations (as sipd status)';
  static override description = `Exit status 0 when sipd is running, 6 when it is not (also with --json, where result.running says the same).`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = { ...sipdLocateFlags };

  async run(): Promise<StatusResult> {
    const { flags } = await this.parse(Status);
    const t = daemonTarget(this.settings(flags), flags);
    const s = await daemonStatus(sipdTarget(t.overrides));
    if (!s.running) process.exitCode = ExitCode.STATE;
    const { lines, warning } = statusLines(s);
    for (const line of lines) this.log(line);
    if (warning) this.warn(warning);
    return s;
  }

  protected override toSuccessJson(result: unknown): unknown {
    return { status: Number(process.exitCode ?? 0), result };
  }
}
