import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { rtpenginePing, type RtpenginePingResult } from '../../../src/ctl/rtpengine.js';
import { failed } from '../../../src/shared/errors.js';

export default class RtpenginePing extends CtlCommand<RtpenginePingResult> {
  static override summary = "Ping sipd's rtpengine instances (ng ping)";
  static override description =
    'sipd sends each instance (or the one named) an ng ping; an answer brings an instance that was down back into use. Exit 1 when an instance did not answer, 3 for an unknown socket, 5 when sipd is not running. JSON: {instances: [{socket, up, ms, error}]}.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> udp:127.0.0.1:2223',
  ];
  static override args = { socket: Args.string({ description: 'one instance, as configured (default: all)' }) };

  async run(): Promise<RtpenginePingResult> {
    const { args, flags } = await this.parse(RtpenginePing);
    const r = await rtpenginePing(this.context(flags), args.socket);
    this.printTable(r.instances, [
      { header: 'SOCKET', get: 'socket' },
      { header: 'UP', get: (i) => (i.up ? 'yes' : 'no') },
      { header: 'MS', get: 'ms', align: 'right' },
      { header: 'ERROR', get: 'error' },
    ]);
    const down = r.instances.filter((i) => !i.up);
    if (down.length > 0) throw failed(`no answer from ${down.map((i) => i.socket).join(', ')}`, 'RTPENGINE_DOWN');
    return r;
  }
}
