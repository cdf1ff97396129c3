import { SippError } from '../errors.js';
import type { RunOptions } from '../options/run-options.js';
import type { RunIo, RunResult } from '../runner.js';
import type { Scenario } from '../scenario/model.js';

export async function runWorkers(
  _o: RunOptions,
  _argv: readonly string[],
  _io: RunIo,
  _main: Scenario,
): Promise<RunResult> {
  throw new SippError('-workers is not implemented yet');
}
