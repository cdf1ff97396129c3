import { Flags } from '@oclif/core';
import { startLines } from '../../src/cli/daemon-report.js';
import { daemonTarget, sipdStartFlags } from '../../src/cli/sipctl/daemon.js';
import { SipctlCommand } from '../../src/cli/sipctl-command.js';
import { startDaemon, type StartResult } from '../../src/ctl/daemon-control.js';
import { sipdTarget } from '../../src/cli/sipd-target.js';

export default class Start extends SipctlCommand<StartResult> {
  static override summary = 'Start sipd in the background (as sipd start)';
  static override description = `The same as \`sipd start\`: spawns a detached \`sipd run\`, waits until it reports ready and prints its pid and addresses; exit 6 when a sipd with the same run dir is already running. The run dir, data dir and database configured for sipctl (flags, SIPD_RUN_DIR, SIPD_DATA_DIR, DBENGINE/DB_PATH/--db-url) are passed to sipd, so the other sipctl commands find it; settings left at their defaults come from sipd's config file.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config /etc/sipkit/sipd.conf',
    '<%= config.bin %> <%= command.id %> --run-dir /tmp/sipd --data-dir /tmp/sipd --listen udp:127.0.0.1:5070 --json',
  ];
  static override flags = {
    ...sipdStartFlags,
    timeout: Flags.integer({ description: 'seconds to wait for sipd to report ready', default: 30, min: 1 }),
  };

  async run(): Promise<StartResult> {
    const { flags } = await this.parse(Start);
    const s = this.settings(flags);
    const t = daemonTarget(s, flags);
    t.warnings.forEach((w) => this.warn(w));
    const r = await startDaemon(sipdTarget(t.overrides), { timeoutMs: flags.timeout * 1000 });
    if (r.stalePidFile) this.warn(`replaced a stale pid file: ${r.stalePidFile}`);
    for (const line of startLines(r)) this.log(line);
    if (r.socket !== s.socket) {
      this.warn(`sipd's management socket is ${r.socket}, but sipctl is set to use ${s.socket} (${s.origins.socket})`);
    }
    return r;
  }
}
