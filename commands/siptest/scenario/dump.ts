import { Args } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { notFound } from '../../../src/shared/errors.js';
import { builtinScenarios } from '../../../src/loadgen/scenario/builtin.js';

export default class ScenarioDump extends BaseCommand<{ name: string; xml: string }> {
  static override summary = 'Print a built-in scenario (the same text as "siptest -sd <name>" and "sipp -sd <name>")';
  static override args = {
    name: Args.string({ description: `one of: ${[...builtinScenarios.keys()].join(', ')}`, required: true }),
  };
  static override examples = ['<%= config.bin %> scenario dump uac > my-uac.xml'];

  async run(): Promise<{ name: string; xml: string }> {
    const { args } = await this.parse(ScenarioDump);
    const xml = builtinScenarios.get(args.name);
    if (xml === undefined)
      throw notFound(`No built-in scenario '${args.name}'`, 'NO_SCENARIO', [
        `choose one of: ${[...builtinScenarios.keys()].join(', ')}`,
      ]);
    if (!this.jsonEnabled()) process.stdout.write(xml);
    return { name: args.name, xml };
  }
}
