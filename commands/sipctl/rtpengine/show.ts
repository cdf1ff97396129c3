import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { rtpengineShow, type RtpengineShowResult } from '../../../src/ctl/rtpengine.js';

export default class RtpengineShow extends CtlCommand<RtpengineShowResult> {
  static override summary = "Show sipd's rtpengine instances: state, weight, calls";
  static override description =
    'Asks the running sipd (rtpengine.show; exit 5 when sipd is not running, exit 1 when it runs without [rtpengine] sockets). Columns: socket, weight, enabled, up, calls, last error. JSON: {mode, on_failure, sessions, instances: [{socket, weight, enabled, up, sessions, lastError}]}.';
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json'];

  async run(): Promise<RtpengineShowResult> {
    const { flags } = await this.parse(RtpengineShow);
    const r = await rtpengineShow(this.context(flags));
    this.printTable(r.instances, [
      { header: 'SOCKET', get: 'socket' },
      { header: 'WEIGHT', get: 'weight', align: 'right' },
      { header: 'ENABLED', get: (i) => (i.enabled ? 'yes' : 'no') },
      { header: 'UP', get: (i) => (i.up ? 'yes' : 'no') },
      { header: 'CALLS', get: 'sessions', align: 'right' },
      { header: 'LAST ERROR', get: 'lastError' },
    ]);
    return r;
  }
}
