/**
 * What an entry of siptest's option table is (OptionSpec), the -h sections, and the builders the
 * family modules of this folder write their entries with. The builders only return entries; the
 * order of the table is the order of option-table.ts's list of families (it is -h's order).
 */
import type { LogFileOption, RunOptions } from '../run-options.js';
import { parseBool, parseDouble, parseLong, parseTime } from '../values.js';

export type OptionKind =
  'flag' | 'int' | 'float' | 'bool' | 'string' | 'time-s' | 'time-ms' | 'pair' | 'exit' | 'refused' | 'custom';

export interface OptionSpec {
  name: string;
  section: string;
  /** Argument shown in -h ("" for flags). */
  arg: string;
  help: string;
  kind: OptionKind;
  /** Number of values that follow the option (0, 1 or 2). */
  arity: number;
  apply?: (o: RunOptions, values: string[], name: string) => void;
  /** For refused options: why. */
  refusal?: string;
}

/** The -h sections, SIPp's headings. */
export const S = {
  scenario: 'Scenario file options',
  ip: 'IP, port and protocol options',
  overall: 'SIPp overall behavior options',
  call: 'Call behavior options',
  inj: 'Injection file options',
  rtp: 'RTP behaviour options',
  rate: 'Call rate options',
  retrans: 'Retransmission and timeout options',
  pcc: 'Third-party call control options',
  perf: 'Performance and watchdog options',
  trace: 'Tracing, logging and statistics options',
  ext: 'siptest extensions',
};

/** An entry; arity defaults from the kind (flags and exits 0, pairs 2, others 1). */
export function opt(spec: Omit<OptionSpec, 'arity'> & { arity?: number }): OptionSpec {
  const arity = spec.arity ?? (spec.kind === 'flag' || spec.kind === 'exit' ? 0 : spec.kind === 'pair' ? 2 : 1);
  return { ...spec, arity };
}
export const flag = (section: string, name: string, help: string, set: (o: RunOptions) => void) =>
  opt({ name, section, arg: '', help, kind: 'flag', apply: (o) => set(o) });
export const int = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'int', help, kind: 'int', apply: (o, [v], n) => set(o, parseLong(v!, n)) });
export const float = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'float', help, kind: 'float', apply: (o, [v], n) => set(o, parseDouble(v!, n)) });
export const str = (section: string, name: string, help: string, set: (o: RunOptions, v: string) => void) =>
  opt({ name, section, arg: 'text', help, kind: 'string', apply: (o, [v]) => set(o, v!) });
export const timeMs = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'time', help, kind: 'time-ms', apply: (o, [v], n) => set(o, parseTime(v!, n, 1)) });
export const timeS = (section: string, name: string, help: string, set: (o: RunOptions, v: number) => void) =>
  opt({ name, section, arg: 'time', help, kind: 'time-s', apply: (o, [v], n) => set(o, parseTime(v!, n, 1000)) });
export const bool = (section: string, name: string, help: string, set: (o: RunOptions, v: boolean) => void) =>
  opt({ name, section, arg: 'bool', help, kind: 'bool', apply: (o, [v], n) => set(o, parseBool(v!, n)) });
/** An option SIPp has and siptest cannot honour: using it stops with `refusal` as the reason. */
export const refuse = (section: string, name: string, arity: number, refusal: string) =>
  opt({
    name,
    section,
    arg: arity ? 'value' : '',
    help: `Not supported by siptest: ${refusal}`,
    kind: 'refused',
    arity,
    refusal,
  });
export const logName = (pick: (o: RunOptions) => LogFileOption) => (o: RunOptions, v: string) => {
  const l = pick(o);
  l.name = v;
};
export const logOverwrite = (pick: (o: RunOptions) => LogFileOption) => (o: RunOptions, v: boolean) => {
  pick(o).overwrite = v;
};
