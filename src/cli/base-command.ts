/**
 * Base of every sipd, sipctl and siptest command: a global --json flag (oclif's), a JSON envelope
 * `{status, result}` / `{status, error}`, and ONE exit code for both output modes. oclif's default
 * catch() turns a custom exit code into 1 under --json; ours computes it with exitCodeOf().
 */
import { Command, type Interfaces } from '@oclif/core';
import { actionsOf, errorCodeOf, exitCodeOf } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { surplusArgsOf, unexpectedArguments } from './unexpected-args.js';
import { renderModeOf, renderShow, renderTable, stderrColors, type Column, type ShowEntries } from './output.js';

export interface ErrorJson {
  status: number;
  error: { name: string; code: string; message: string; actions: string[] };
}

/** oclif's FlagOutput / ArgOutput (not re-exported by @oclif/core). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Outputs = { [name: string]: any };

export abstract class BaseCommand<T> extends Command {
  static override enableJsonFlag = true;

  abstract override run(): Promise<T>;

  /**
   * oclif fills a missing argument from piped stdin (racing a 10 ms timer), which would swallow
   * `--password-stdin` input and make `producer | sipctl ...` behave differently from run to run.
   * Arguments come from the command line only; stdin is read when a command asks for it.
   */
  protected override async parse<F extends Outputs, B extends Outputs, A extends Outputs>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const args = (options ?? (this.ctor as unknown as Interfaces.Input<F, B, A>)).args ?? {};
    for (const arg of Object.values(args)) (arg as { ignoreStdin?: boolean }).ignoreStdin = true;
    return super.parse(options, argv);
  }

  /** Print rows as a table (TTY: cli-table3, else aligned plain columns). Silent under --json. */
  protected printTable<R>(rows: readonly R[], columns: readonly Column<R>[]): void {
    if (this.jsonEnabled()) return;
    const text = renderTable(rows, columns, renderModeOf(process.stdout));
    if (text) this.log(text);
  }

  /** Print one record as aligned `key: value` lines. Silent under --json. */
  protected printShow(entries: ShowEntries): void {
    if (this.jsonEnabled()) return;
    const text = renderShow(entries, renderModeOf(process.stdout));
    if (text) this.log(text);
  }

  protected override toSuccessJson(result: unknown): unknown {
    return { status: 0, result };
  }

  protected override toErrorJson(err: unknown): ErrorJson {
    const e = err as Error;
    return {
      status: exitCodeOf(err),
      error: {
        name: e?.name ?? 'Error',
        code: errorCodeOf(err),
        message: e?.message ?? String(err),
        actions: actionsOf(err),
      },
    };
  }

  protected override async catch(caught: Error & { exitCode?: number }): Promise<void> {
    const surplus = surplusArgsOf(caught);
    const err = surplus ? unexpectedArguments(this.config.bin, this.id?.replaceAll(':', ' ') ?? '', surplus) : caught;
    const code = exitCodeOf(err);
    process.exitCode = code;
    // this.exit(n) throws an ExitError: the exit code is all it carries.
    if ((err as { code?: unknown }).code === 'EEXIT') return;
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(err));
      return;
    }
    const c = stderrColors();
    const lines = [`${c.red('Error:')} ${err.message}`];
    // A StoreError's message already ends with its first action (src/store/errors.ts): say it once.
    for (const a of actionsOf(err).filter((a) => !err.message.endsWith(a))) lines.push(`  ${c.dim('→')} ${a}`);
    if (code === ExitCode.INTERNAL && err.stack) lines.push(c.dim(err.stack));
    process.stderr.write(lines.join('\n') + '\n');
  }
}
