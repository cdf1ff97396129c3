import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../src/cli/sipctl/ctl-command.js';
import { rawCall, rpcParams } from '../../src/ctl/runtime.js';

export default class Rpc extends CtlCommand<unknown> {
  static override summary = 'Call a management method of sipd and print its result (kamctl rpc, also as fifo)';
  static override description = `Parameters are typed as kamctl types them: one that reads as a number is sent as a number, the prefix s: forces a string (s:123) and i: an integer. --params-json sends a JSON array (positional) or object (named parameters) as is. The result is printed as JSON; with --json it is the result of the envelope. sipd's errors keep their exit codes (unknown method 2, not found 3, ...). \`sipctl rpc system.listMethods\` lists the methods, \`sipctl rpc system.methodHelp METHOD\` describes one.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> core.uptime',
    '<%= config.bin %> <%= command.id %> ul.lookup alice@example.com',
    '<%= config.bin %> <%= command.id %> stats.fetch usrloc: --json',
    `<%= config.bin %> <%= command.id %> ul.add --params-json '{"aor":"alice@example.com","contact":"sip:alice@192.0.2.1","expires":60}'`,
  ];
  // kamctl users type `kamctl fifo METHOD` (the FIFO's heir is the management socket).
  static override aliases = ['fifo'];
  static override strict = false;
  static override args = {
    method: Args.string({ description: 'method name, e.g. core.uptime', required: true }),
    params: Args.string({ description: 'parameters (repeatable)' }),
  };
  static override flags = {
    'params-json': Flags.string({ summary: 'the parameters as one JSON array or object', helpValue: 'JSON' }),
    timeout: Flags.integer({ summary: 'seconds to wait for the answer', default: 30, min: 1 }),
  };

  async run(): Promise<unknown> {
    const { args, argv, flags } = await this.parse(Rpc);
    const params = rpcParams((argv as string[]).slice(1), flags['params-json']);
    const result = await rawCall(this.context(flags), args.method, params, flags.timeout * 1000);
    this.log(typeof result === 'string' ? result : JSON.stringify(result ?? null, null, 2));
    // oclif prints the envelope only for a truthy result: print it for 0, '', false and null too.
    if (!result && this.jsonEnabled()) this.logJson(this.toSuccessJson(result ?? null));
    return result;
  }
}
