import { Args, Flags } from '@oclif/core';
import { ExitCode } from '../../src/shared/exit-codes.js';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { ping, type PingResult } from '../../src/ctl/ping.js';

export default class Ping extends CtlCommand<PingResult> {
  static override summary = 'Send an OPTIONS request and print the reply code and round-trip time (kamctl ping)';
  static override description = `sipctl sends the OPTIONS itself (it does not need sipd) over UDP, or TCP with ;transport=tcp in the URI, to the port in the URI or 5060; a host name is resolved with the system resolver (A/AAAA, no SRV). Exit 0 on a 2xx reply; 1 on any other final reply (the JSON result still holds code and reason, with status 1); 1 with error code NO_ANSWER when nothing answers within --timeout, TRANSPORT_ERROR when the request cannot be sent (e.g. TCP refused), RESOLVE_FAILED when the host name does not resolve; 2 for a URI that is not sip: over UDP/TCP. The From is sipctl@SIP_DOMAIN (or the local address).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> sip:127.0.0.1:5060',
    "<%= config.bin %> <%= command.id %> 'sip:proxy.example.com;transport=tcp' --timeout 2 --json",
  ];
  static override args = {
    uri: Args.string({ description: 'the SIP URI to ping (sip:host[:port][;transport=tcp])', required: true }),
  };
  static override flags = {
    timeout: Flags.integer({ summary: 'seconds to wait for a final reply', default: 5, min: 1 }),
  };

  async run(): Promise<PingResult> {
    const { args, flags } = await this.parse(Ping);
    const ctx = this.context(flags);
    const r = await ping(args.uri, { timeoutMs: flags.timeout * 1000, fromDomain: ctx.defaultDomain });
    const where = `${r.target.protocol} ${r.target.address.includes(':') ? `[${r.target.address}]` : r.target.address}:${r.target.port}`;
    this.log(`${r.code} ${r.reason} from ${r.uri} (${where}) in ${r.rttMs} ms${r.server ? ` — ${r.server}` : ''}`);
    if (r.code >= 300) process.exitCode = ExitCode.FAILED;
    return r;
  }

  /** The envelope's status is the exit status: 1 for a non-2xx reply, as for `sipctl status`. */
  protected override toSuccessJson(result: unknown): unknown {
    return { status: Number(process.exitCode ?? 0), result };
  }
}
