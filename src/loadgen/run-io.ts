/**
 * What a siptest run writes to and returns (the runner's interface to main.ts, the oclif command
 * and the workers), and SIPp's way of printing a fatal error. Apart from runner.ts so that the
 * engine's half (run-once.ts, loaded after the scenario) and the runner need not import each other.
 */
import type { SippError } from './errors.js';
import { formatTime } from './stats/format.js';
import type { RunSummary } from './stats/summary.js';

export interface RunIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  /** Original argv (for -bg). */
  argv: readonly string[];
}

export interface RunResult {
  exitCode: number;
  summary?: RunSummary;
  json: boolean;
  /** The fatal error, when the run stopped on one. */
  error?: string;
}

/** Print a fatal error as SIPp does ("<time>: message"), with siptest's location and hint. */
export function reportError(io: RunIo, err: SippError): void {
  io.stderr(`${formatTime(Date.now() * 1000)}: ${err.describe()}\n`);
}
