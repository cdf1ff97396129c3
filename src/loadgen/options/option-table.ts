/**
 * siptest's command-line option table: SIPp's option names, meanings, units and defaults. Every
 * option SIPp 3.6.1 knows is listed; the few siptest cannot honour are `refused` with the reason,
 * so a script that uses one stops with a clear message instead of silently running differently.
 * Options may start with "-" or "--" (SIPp accepts both).
 *
 * The entries live in table/, one module per family of SIPp's -h sections; this list of families
 * is the table's order, which -h follows.
 */
import { callOptions } from './table/call.js';
import { extensionOptions } from './table/extensions.js';
import { overallOptions } from './table/overall.js';
import { performanceOptions } from './table/performance.js';
import { rateOptions } from './table/rate.js';
import { scenarioOptions } from './table/scenario.js';
import type { OptionSpec } from './table/spec.js';
import { traceOptions } from './table/trace.js';
import { transportOptions } from './table/transport.js';

export type { OptionKind, OptionSpec } from './table/spec.js';

export const optionTable: readonly OptionSpec[] = [
  ...scenarioOptions,
  ...transportOptions,
  ...overallOptions,
  ...callOptions,
  ...rateOptions,
  ...performanceOptions,
  ...traceOptions,
  ...extensionOptions,
];
const byName = new Map(optionTable.map((s) => [s.name, s]));

/** Look an argument up as SIPp does: "-name" or "--name". */
export function findOption(arg: string): OptionSpec | undefined {
  if (!arg.startsWith('-')) return undefined;
  const name = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  return byName.get(name);
}
