import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../../src/cli/base-command.js';
import { CliError } from '../../../src/shared/errors.js';
import { ExitCode } from '../../../src/shared/exit-codes.js';
import { SippError } from '../../../src/loadgen/errors.js';
import { validateScenarioFile, type ScenarioReport } from '../../../src/loadgen/scenario/report.js';

export default class ScenarioValidate extends BaseCommand<ScenarioReport> {
  static override summary = 'Check a SIPp scenario file without sending anything (file:line errors)';
  static override description =
    'Loads the scenario exactly as a run would (XML, elements, attributes, keywords, labels, variables ' +
    'used at least twice, response-time measures, transactions) and reports the first error with its ' +
    'file and line, or a summary and warnings (unknown attributes). Exit 1 when it is invalid.';
  static override args = { file: Args.string({ description: 'scenario XML file', required: true }) };
  static override flags = {
    key: Flags.string({ description: 'define a -key keyword: name=value', multiple: true }),
    inf: Flags.string({ description: 'injection file (-inf), for [fieldN] checks', multiple: true }),
  };
  static override examples = [
    '<%= config.bin %> scenario validate my-uac.xml',
    '<%= config.bin %> scenario validate reg.xml --inf users.csv',
  ];

  async run(): Promise<ScenarioReport> {
    const { args, flags } = await this.parse(ScenarioValidate);
    const keys = new Map<string, string>();
    for (const k of flags.key ?? []) {
      const eq = k.indexOf('=');
      keys.set(eq < 0 ? k : k.slice(0, eq), eq < 0 ? '' : k.slice(eq + 1));
    }
    let report: ScenarioReport;
    try {
      report = validateScenarioFile(args.file, keys, flags.inf ?? []);
    } catch (e) {
      if (e instanceof SippError)
        throw new CliError(
          e.where ? `${e.where}: ${e.message}` : e.message,
          ExitCode.FAILED,
          'INVALID_SCENARIO',
          e.hint ? [e.hint] : [],
        );
      throw e;
    }
    if (!this.jsonEnabled()) {
      this.log(`${args.file}: valid ${report.mode} scenario "${report.name}", ${report.messages} messages`);
      for (const w of report.warnings) this.log(`warning: ${w}`);
    }
    return report;
  }
}
