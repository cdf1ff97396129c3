import { BaseCommand } from '../../src/cli/base-command.js';
import { locateFlags, overridesFrom } from '../../src/cli/daemon-flags.js';
import { statusLines } from '../../src/cli/daemon-report.js';
import { ExitCode } from '../../src/shared/exit-codes.js';
import { daemonStatus, type StatusResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Status extends BaseCommand<StatusResult> {
  static override summary = 'Show whether sipd is running, with pid, uptime, addresses and registrations';
  static override description = `Exit status 0 when sipd is running, 6 when it is not (also with --json, where
result.running says the same).`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = { ...locateFlags };

  async run(): Promise<StatusResult> {
    const { flags } = await this.parse(Status);
    const s = await daemonStatus(sipdTarget(overridesFrom(flags)));
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
