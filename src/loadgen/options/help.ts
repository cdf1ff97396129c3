/**
 * siptest's -h and -h stat texts, laid out like SIPp's (an option column and wrapped
 * descriptions), generated from the option table so they never drift from what is accepted.
 */
import { optionTable } from './option-table.js';

const WIDTH = 100;

function wrap(text: string, indent: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line.length + word.length + 1 > WIDTH - indent && line) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

export function helpText(): string {
  const lines = [
    '',
    'Usage:',
    '',
    '  siptest remote_host[:remote_port] [options]',
    '',
    "  siptest runs SIPp scenarios with SIPp's options, statistics files and exit codes.",
    '  "siptest --help" lists its other commands (scenario dump, scenario validate).',
    '',
    'Example:',
    '',
    '   Run the built-in server (uas) scenario:',
    '     siptest -sn uas -p 5070',
    '   On the same host, run the built-in client (uac) scenario against it:',
    '     siptest -sn uac 127.0.0.1:5070 -r 100 -m 1000',
    '',
    '  Available options:',
  ];
  let section = '';
  for (const o of optionTable) {
    if (o.section !== section) {
      section = o.section;
      lines.push('', '', `*** ${section}:`, '');
    }
    const head = `   -${o.name}`.padEnd(20) + ': ';
    const body = wrap(o.arg ? `(${o.arg}) ${o.help}` : o.help, 22);
    lines.push(head + body[0], ...body.slice(1).map((l) => ' '.repeat(22) + l));
  }
  lines.push(
    '',
    '',
    'Signal handling:',
    '',
    '   USR1: soft exit: no new calls; running calls finish, then siptest exits.',
    '   USR2: dump the screens to <scenario_name>_<pid>_screen.log.',
    '',
    'Exit codes:',
    '',
    '    0: All calls were successful',
    '    1: At least one call failed (also: bad option or scenario, found before any traffic)',
    '   97: Exit on internal command (int_cmd stop_now), or -timeout with no call processed',
    '   99: Normal exit without calls processed (-h, -v, -sd)',
    '  255: Fatal error',
    '  254: Fatal error binding a socket',
    '',
  );
  return lines.join('\n');
}

export function helpStatText(): string {
  return [
    '',
    '  -trace_stat writes <scenario_name>_<pid>_.csv (or the -stf file): a header line, then one',
    '  line every -fd period, one at the start and two at the end. Fields end with the delimiter',
    '  (-stat_delimiter, default ";"), in this order:',
    '',
    '  StartTime, LastResetTime, CurrentTime (date<TAB>time<TAB>epoch), ElapsedTime(P/C) HH:MM:SS,',
    '  TargetRate (or -users), CallRate(P/C), IncomingCall(P/C), OutgoingCall(P/C), TotalCallCreated,',
    '  CurrentCall, SuccessfulCall(P/C), FailedCall(P/C), the Failed<reason>(P/C) pairs',
    '  (CannotSendMessage, MaxUDPRetrans, TcpConnect, TcpClosed, UnexpectedMessage, CallRejected,',
    '  CmdNotSent, RegexpDoesntMatch, RegexpShouldntMatch, RegexpHdrNotFound, OutboundCongestion,',
    '  TimeoutOnRecv, TimeoutOnSend, TestDoesntMatch, TestShouldntMatch, StrcmpDoesntMatch,',
    '  StrcmpShouldntMatch), OutOfCallMsgs, DeadCallMsgs, Retransmissions, AutoAnswered, Warnings,',
    '  FatalErrors, WatchdogMajor, WatchdogMinor (P/C each), ResponseTime<n>(P/C) and',
    '  ResponseTime<n>StDev(P/C) per response-time measure (HH:MM:SS:uuuuuu), CallLength(P/C),',
    '  CallLengthStDev(P/C), one (P/C) pair per counter="..." name, then the ResponseTimeRepartition<n>',
    '  and CallLengthRepartition buckets.',
    '',
    '  (P) is periodic, since the previous line; (C) is cumulative, since the start.',
    '',
  ].join('\n');
}
