import { BaseCommand } from '../../src/cli/base-command.js';
import { locateFlags, overridesFrom, stopFlags } from '../../src/cli/daemon-flags.js';
import { stopLine } from '../../src/cli/daemon-report.js';
import { stopDaemon, type StopResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Stop extends BaseCommand<StopResult> {
  static override summary = 'Stop sipd gracefully and wait until it has exited';
  static override description = `Sends SIGTERM: sipd stops accepting new work, lets pending transactions finish (up to
timers.drain_ms), closes its sockets and exits. This command waits for the process to be gone.
Not running is not an error: exit 0 and result.wasRunning false, as an LSB init script's stop; a stale pid
file is removed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --timeout 60 --force',
  ];
  static override flags = {
    ...locateFlags,
    ...stopFlags,
  };

  async run(): Promise<StopResult> {
    const { flags } = await this.parse(Stop);
    const r = await stopDaemon(sipdTarget(overridesFrom(flags)), {
      timeoutMs: flags.timeout * 1000,
      force: flags.force,
    });
    this.log(stopLine(r));
    return r;
  }
}
