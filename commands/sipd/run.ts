import { Flags } from '@oclif/core';
import { BaseCommand } from '../../src/cli/base-command.js';
import { daemonFlags, overridesFrom } from '../../src/cli/daemon-flags.js';
import { runDaemon, type RunResult } from '../../src/daemon/lifecycle/run.js';

export default class Run extends BaseCommand<RunResult> {
  static override summary = 'Run sipd in the foreground, logging to stderr';
  static override description = `Serves until SIGTERM or SIGINT (graceful stop: no new work, drain, exit) or core.shutdown.
SIGHUP reopens the log file. Writes the pid file and opens the management socket in the run dir,
like \`sipd start\`, so sipctl finds it. Use this under systemd (Type=simple) or in a terminal.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --listen udp:127.0.0.1:5070 --listen tcp:127.0.0.1:5070 --domain example.com',
  ];
  static override flags = {
    ...daemonFlags,
    'log-file': Flags.string({ description: 'log to this file instead of stderr', helpValue: 'FILE', hidden: true }),
  };

  async run(): Promise<RunResult> {
    const { flags } = await this.parse(Run);
    const r = await runDaemon({ ...overridesFrom(flags), logFile: flags['log-file'] });
    if (!this.jsonEnabled() && !flags['log-file'])
      this.logToStderr(`sipd stopped (${r.stoppedBy}) after ${(r.uptimeMs / 1000).toFixed(1)} s`);
    return r;
  }
}
