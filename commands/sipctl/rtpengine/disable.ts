import { Args } from '@oclif/core';
import { CtlCommand } from '../../../src/cli/sipctl/ctl-command.js';
import { rtpengineSetEnabled } from '../../../src/ctl/rtpengine.js';

export default class RtpengineDisable extends CtlCommand<{ sockets: string[] }> {
  static override summary = 'Stop using rtpengine instances for new calls';
  static override description =
    'Calls already relayed stay on their instance; one instance or all. Exit 3 for an unknown socket, 5 when sipd is not running. JSON: {sockets: [...]}.';
  static override examples = ['<%= config.bin %> <%= command.id %> udp:127.0.0.1:2223'];
  static override args = { socket: Args.string({ description: 'one instance, as configured (default: all)' }) };

  async run(): Promise<{ sockets: string[] }> {
    const { args, flags } = await this.parse(RtpengineDisable);
    const r = await rtpengineSetEnabled(this.context(flags), false, args.socket);
    this.log(`disabled ${r.sockets.join(', ')}`);
    return r;
  }
}
