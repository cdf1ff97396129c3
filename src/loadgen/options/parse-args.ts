/**
 * Parsing siptest's (SIPp's) command line: `siptest [remote_host[:port]] [options]`. Like SIPp it
 * makes two passes: the first rejects unknown options and missing values and acts on -h, -v and
 * -sd at once (exit 99); the second applies the values. Order of options does not matter.
 */
import { SippError, SippExit, UnsupportedFeatures, usageError } from '../errors.js';
import { findOption } from './option-table.js';
import { defaultRunOptions, type RunOptions } from './run-options.js';

export type ParsedCommandLine =
  | { kind: 'help'; topic: 'main' | 'stat' }
  | { kind: 'version' }
  | { kind: 'dump'; name: string }
  | { kind: 'run'; options: RunOptions };

export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  if (argv.length === 0) return { kind: 'help', topic: 'main' };
  // Pass 0: unknown options, missing values, options that exit at once.
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const spec = findOption(arg);
    if (!spec) {
      if (!arg.startsWith('-')) continue;
      throw new SippError(
        `Invalid argument: '${arg}'.\nUse 'siptest -h' for details`,
        SippExit.FAILED,
        undefined,
        `siptest accepts SIPp's options; "siptest -h" lists them`,
      );
    }
    if (i + spec.arity >= argv.length)
      throw usageError(`Missing argument for param '${arg}'.\nUse 'siptest -h' for details`);
    if (spec.name === 'h' || spec.name === 'help')
      return { kind: 'help', topic: argv[i + 1] === 'stat' ? 'stat' : 'main' };
    if (spec.name === 'v') return { kind: 'version' };
    if (spec.name === 'sd') return { kind: 'dump', name: argv[i + 1]! };
    i += spec.arity;
  }
  // Pass 1: values. Options siptest cannot honour are all listed together at the end.
  const o = defaultRunOptions();
  const refused: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const spec = findOption(arg);
    if (!spec) {
      o.remoteHost = arg;
      continue;
    }
    const values = argv.slice(i + 1, i + 1 + spec.arity);
    i += spec.arity;
    if (spec.kind === 'refused') {
      refused.push(`Option ${arg} is not supported by siptest: ${spec.refusal}.`);
      continue;
    }
    try {
      spec.apply?.(o, values, arg);
    } catch (e) {
      if (!(e instanceof SippError) || !e.message.includes('not supported by siptest')) throw e;
      refused.push(e.message);
    }
  }
  if (o.secureWebSocket) {
    if (o.transport !== 'ws') throw usageError('-wss makes a WebSocket run secure: use it with -t w1 or -t wn');
    o.transport = 'wss';
  }
  if (refused.length) throw new UnsupportedFeatures(refused, o);
  if ((o.slaveCfgFile !== undefined) !== (o.masterName !== undefined || o.slaveName !== undefined))
    throw new SippError('-slave_cfg option must be used with -slave or -master option', SippExit.FATAL);
  if (o.scenarioFile !== undefined && o.scenarioName !== undefined) throw usageError('Use either -sf or -sn, not both');
  if (o.oocScenarioFile !== undefined && o.oocScenarioName !== undefined)
    throw usageError('Use either -oocsf or -oocsn, not both');
  return { kind: 'run', options: o };
}
