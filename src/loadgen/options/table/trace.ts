/** Tracing, logging and statistics options (one trio per log file). */
import type { LogFileOption, RunOptions } from '../run-options.js';
import { S, flag, int, str, timeS, bool, refuse, logName, logOverwrite, type OptionSpec } from './spec.js';

/** Each log file's -trace_X flag, X_file name and X_overwrite switch: [flag, base name, its options, what it logs]. */
const logFiles: Array<[string, string, (o: RunOptions) => LogFileOption, string]> = [
  ['trace_msg', 'message', (o) => o.messages, 'every message sent and received: <scenario>_<pid>_messages.log'],
  [
    'trace_shortmsg',
    'shortmessage',
    (o) => o.shortMessages,
    'one line per message: <scenario>_<pid>_shortmessages.log',
  ],
  ['trace_err', 'error', (o) => o.errors, 'unexpected messages and errors: <scenario>_<pid>_errors.log'],
  ['trace_calldebug', 'calldebug', (o) => o.callDebug, 'the messages of failed calls: <scenario>_<pid>_calldebug.log'],
  ['trace_screen', 'screen', (o) => o.screen, 'the screens at exit: <scenario>_<pid>_screen.log'],
  ['trace_logs', 'log', (o) => o.logs, 'the output of <log> actions: <scenario>_<pid>_logs.log'],
];

export const traceOptions: OptionSpec[] = [
  timeS(S.trace, 'f', 'Screen refresh period (default 1 s).', (o, v) => {
    o.reportFreqMs = v;
  }),
  flag(S.trace, 'trace_stat', 'Write statistics to <scenario>_<pid>_.csv every -fd (see -h stat).', (o) => {
    o.traceStat = true;
  }),
  str(S.trace, 'stat_delimiter', 'Delimiter of the statistics files (default ";").', (o, v) => {
    o.statDelimiter = v;
  }),
  str(S.trace, 'stf', 'Name of the statistics file.', (o, v) => {
    o.statFile = v;
  }),
  timeS(S.trace, 'fd', 'Statistics file period (default 60 s).', (o, v) => {
    o.dumpLogFreqMs = v;
  }),
  flag(S.trace, 'periodic_rtd', 'Reset the response-time repartitions at every statistics row.', (o) => {
    o.periodicRtd = true;
  }),
  ...logFiles.flatMap(([traceName, base, pick, what]) => [
    flag(S.trace, traceName, `Log ${what}.`, (o) => {
      pick(o).enabled = true;
    }),
    str(S.trace, `${base}_file`, `Name of the ${base} log file.`, logName(pick)),
    bool(S.trace, `${base}_overwrite`, `Overwrite the ${base} log file (default true) or append.`, logOverwrite(pick)),
  ]),
  flag(S.trace, 'trace_counts', 'Write per-message counters to <scenario>_<pid>_counts.csv.', (o) => {
    o.traceCounts = true;
  }),
  flag(
    S.trace,
    'trace_error_codes',
    'Write the codes of unexpected responses to <scenario>_<pid>_error_codes.csv.',
    (o) => {
      o.traceErrorCodes = true;
    },
  ),
  flag(S.trace, 'trace_rtt', 'Write every response time to <scenario>_<pid>_rtt.csv.', (o) => {
    o.traceRtt = true;
  }),
  int(S.trace, 'rtt_freq', 'Write the response times every this many samples (default 200).', (o, v) => {
    o.rttFreq = v;
  }),
  refuse(S.trace, 'ringbuffer_files', 1, 'log rotation is not implemented'),
  refuse(S.trace, 'ringbuffer_size', 1, 'log rotation is not implemented'),
  refuse(S.trace, 'max_log_size', 1, 'log size limits are not implemented'),
];
