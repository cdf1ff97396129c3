import { BaseCommand } from '../../src/cli/base-command.js';
import { runSiptest } from '../../src/loadgen/runner.js';
import type { RunSummary } from '../../src/loadgen/stats/summary.js';

/**
 * The SIPp-compatible runner. `siptest <anything that is not a siptest command>` arrives here
 * with its arguments after "--"; they are parsed with SIPp's option table, not by oclif.
 */
export default class Run extends BaseCommand<RunSummary | undefined> {
  static override summary = 'Run a SIPp scenario (SIPp options: siptest [remote_host[:port]] -sn uac -r 10 ...)';
  static override description =
    'Runs a SIPp XML scenario with SIPp 3.6.1 options, statistics files and exit codes (0 all calls ' +
    'succeeded, 1 some failed, 97 internal stop, 99 no calls, 255 fatal, 254 bind error). ' +
    '"siptest -h" lists the options; "--json" prints a machine-readable summary.';
  static override strict = false;
  static override enableJsonFlag = false;
  static override examples = [
    '<%= config.bin %> -sn uas -p 5070',
    '<%= config.bin %> 127.0.0.1:5070 -sn uac -r 100 -m 1000 -trace_stat',
    '<%= config.bin %> 127.0.0.1:5070 -sf my.xml -m 10 --json',
  ];

  private exitCodeValue = 0;
  private wantsJson = false;

  override jsonEnabled(): boolean {
    return this.wantsJson;
  }

  protected override toSuccessJson(result: unknown): unknown {
    return { status: this.exitCodeValue, result };
  }

  async run(): Promise<RunSummary | undefined> {
    const argv = this.argv[0] === '--' ? this.argv.slice(1) : this.argv;
    this.wantsJson = argv.includes('--json') || argv.includes('-json');
    const r = await runSiptest(argv, {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      isTTY: Boolean(process.stdout.isTTY),
      argv,
    });
    this.exitCodeValue = r.exitCode;
    process.exitCode = r.exitCode;
    if (this.wantsJson && !r.summary) {
      this.logJson({
        status: r.exitCode,
        error: { name: 'SippError', code: 'SIPTEST', message: r.error ?? 'no summary', actions: [] },
      });
      return undefined;
    }
    return r.summary;
  }
}
