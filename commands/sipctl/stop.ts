import { stopFlags } from '../../src/cli/daemon-flags.js';
import { stopLine } from '../../src/cli/daemon-report.js';
import { daemonTarget, sipdLocateFlags } from '../../src/cli/sipctl/daemon.js';
import { SipctlCommand } from '../../src/cli/sipctl-command.js';
import { stopDaemon, type StopResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Stop extends SipctlCommand<StopResult> {
  static override summary = 'Stop sipd gracefully and wait until it has exited (as sipd stop)';
  static override description = `The same as \`sipd stop\`: SIGTERM, then wait for the process to be gone (kamctl stop does not wait). Not running is not an error: exit 0 and result.wasRunning false, as an LSB init script's stop (kamctl exits 1 there); a stale pid file is removed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --timeout 60 --force',
  ];
  static override flags = {
    ...sipdLocateFlags,
    ...stopFlags,
  };

  async run(): Promise<StopResult> {
    const { flags } = await this.parse(Stop);
    const t = daemonTarget(this.settings(flags), flags);
    const r = await stopDaemon(sipdTarget(t.overrides), { timeoutMs: flags.timeout * 1000, force: flags.force });
    this.log(stopLine(r));
    return r;
  }
}
