import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { daemonFlags, overridesFrom } from '../../src/cli/daemon-flags.js';
import { startLines } from '../../src/cli/daemon-report.js';
import { startDaemon, type StartResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Start extends BaseCommand<StartResult> {
  static override summary = 'Start sipd in the background';
  static override description = `Spawns a detached \`sipd run\` that logs to <run dir>/sipd.log and waits until it reports
ready (listeners bound, management socket open), then prints its pid and addresses. If sipd
cannot start, prints its error and exits with its exit code. Refused (exit 6) while a sipd with
the same run dir is running; a stale pid file is replaced.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/sipkit/sipd.conf',
    '<%= config.bin %> <%= command.id %> --run-dir /tmp/sipd --data-dir /tmp/sipd --listen udp:127.0.0.1:0 --json',
  ];
  static override flags = {
    ...daemonFlags,
    timeout: Flags.integer({ description: 'seconds to wait for sipd to report ready', default: 30, min: 1 }),
  };

  async run(): Promise<StartResult> {
    const { flags } = await this.parse(Start);
    const r = await startDaemon(sipdTarget(overridesFrom(flags)), { timeoutMs: flags.timeout * 1000 });
    if (r.stalePidFile) this.warn(`replaced a stale pid file: ${r.stalePidFile}`);
    for (const line of startLines(r)) this.log(line);
    return r;
  }
}
