import { SippError } from '../errors.js';
import type { RunOptions } from '../options/run-options.js';
import type { RunIo, RunOnceExtras, RunResult, loadScenarios } from '../runner.js';

export async function runTcp(
  _o: RunOptions,
  _l: ReturnType<typeof loadScenarios>,
  _io: RunIo,
  _e: RunOnceExtras,
): Promise<RunResult> {
  throw new SippError('-t t1/tn is not implemented yet');
}
