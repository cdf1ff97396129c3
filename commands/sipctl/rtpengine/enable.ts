import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { rtpengineSetEnabled } from '../../../src/ctl/rtpengine.js';

export default class RtpengineEnable extends CtlCommand<{ sockets: string[] }> {
  static override summary = 'Use rtpengine instances for new calls again';
  static override description =
    'Undoes `sipctl rtpengine disable`; one instance or all. Exit 3 for an unknown socket, 5 when sipd is not running. JSON: {sockets: [...]}.';
  static override examples = ['<%= config.bin %> <%= command.id %> udp:127.0.0.1:2223'];
  static override args = { socket: Args.string({ description: 'one instance, as configured (default: all)' }) };

  async run(): Promise<{ sockets: string[] }> {
    const { args, flags } = await this.parse(RtpengineEnable);
    const r = await rtpengineSetEnabled(this.context(flags), true, args.socket);
    this.log(`enabled ${r.sockets.join(', ')}`);
    return r;
  }
}
