import { BaseCommand } from '../../src/cli/base-command.js';
import { locateFlags, overridesFrom } from '../../src/cli/daemon-flags.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { daemonStatus, type StatusResult } from '../../src/daemon/lifecycle/control.js';

export default class Status extends BaseCommand<StatusResult> {
  static override summary = 'Show whether sipd is running, with pid, uptime, addresses and registrations';
  static override description = `Exit status 0 when sipd is running, 6 when it is not (also with --json, where
result.running says the same).`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];
  static override flags = { ...locateFlags };

  async run(): Promise<StatusResult> {
    const { flags } = await this.parse(Status);
    const s = await daemonStatus(overridesFrom(flags));
    if (!s.running) {
      process.exitCode = ExitCode.STATE;
      this.log(s.stalePidFile ? `sipd is not running (stale pid file: ${s.stalePidFile})` : 'sipd is not running');
      return s;
    }
    this.log(`sipd is running (pid ${s.pid})`);
    if (s.mgmtError) {
      this.warn(`no details: ${s.mgmtError}`);
      return s;
    }
    this.log(`  version        ${s.version}`);
    this.log(`  up since       ${s.startedAt} (${s.uptime} s)`);
    for (const l of s.listen ?? []) this.log(`  listening on   ${l}`);
    this.log(`  registrations  ${s.registrations} (${s.registeredUsers} users)`);
    this.log(`  socket         ${s.socket}`);
    return s;
  }

  protected override toSuccessJson(result: unknown): unknown {
    return { status: Number(process.exitCode ?? 0), result };
  }
}
