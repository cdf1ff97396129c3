/**
 * SIPp's text screens: the scenario screen (messages with Messages/Retrans/Timeout/Unexpected
 * counts), the statistics screen and the repartition screen. Shown live on a TTY, written to the
 * screen log with -trace_screen, and printed once at the end of a run.
 */
import { sprintf } from './sprintf.js';
import type { Scenario, ScenarioMessage } from '../scenario/model.js';
import { C, M } from './counters.js';
import { formatTime, msToHHMMSSus } from './format.js';
import type { Snapshot, Stats } from './stats.js';

export interface ScreenState {
  scenario: Scenario;
  stats: Stats;
  mode: 'client' | 'server';
  rate: number;
  ratePeriodMs: number;
  durationMs: number;
  users: number;
  localPort: number;
  clockMs: number;
  remote?: string;
  transport: string;
  stopAfter: number;
  limit: number;
  sinceReportMs: number;
  periodCreated: number;
  running: number;
  paused: number;
  woken: number;
  openSockets: number;
  lastError: string;
  last: boolean;
  quitting: boolean;
  lossColumns: boolean;
}

export function scenarioScreen(s: ScreenState): string[] {
  const lines = ['------------------------------ Scenario Screen -------- [1-9]: Change Screen --'];
  lines.push(...runLines(s), ...callCountLines(s));
  lines.push(
    s.lossColumns
      ? '                                 Messages  Retrans   Timeout   Unexp.    Lost'
      : '                                 Messages  Retrans   Timeout   Unexpected-Msg',
  );
  for (const m of s.scenario.messages) {
    if (m.hide) continue;
    lines.push(messageLine(s, m));
    if (m.crlf) lines.push('');
  }
  return finishScreen(lines, s);
}

/** The run's heading and figures: port, time, total calls, and (client) the rate or users and the remote host. */
function runLines(s: ScreenState): string[] {
  const lines: string[] = [];
  const st = s.stats;
  const total = st.totalCreated;
  const t = `${sprintf('%6d', Math.floor(s.clockMs / 1000))}.${sprintf('%02d', Math.floor((s.clockMs % 1000) / 10))} s`;
  if (s.mode === 'server') {
    lines.push('  Port   Total-time  Total-calls  Transport');
    lines.push(sprintf('  %-5d %s     %8d  %s', s.localPort, t, total, s.transport));
  } else if (s.users >= 0) {
    lines.push('  Users (length)   Port   Total-time  Total-calls  Remote-host');
    lines.push(
      sprintf(
        '  %d (%d ms)   %-5d %s     %8d  %s(%s)',
        s.users,
        s.durationMs,
        s.localPort,
        t,
        total,
        s.remote ?? '',
        s.transport,
      ),
    );
  } else {
    lines.push('  Call rate (length)   Port   Total-time  Total-calls  Remote-host');
    lines.push(
      sprintf(
        '  %3.1f(%d ms)/%5.3fs   %-5d %s     %8d  %s(%s)',
        s.rate,
        s.durationMs,
        s.ratePeriodMs / 1000,
        s.localPort,
        t,
        total,
        s.remote ?? '',
        s.transport,
      ),
    );
  }
  return lines;
}

/** Calls created in the period, current and peak calls, the scheduler's lists, discarded messages, sockets. */
function callCountLines(s: ScreenState): string[] {
  const lines: string[] = [];
  const st = s.stats;
  const total = st.totalCreated;
  lines.push('');
  const since = s.sinceReportMs;
  const left =
    total < s.stopAfter
      ? `${s.periodCreated} new calls during ${Math.floor(since / 1000)}.${sprintf('%03d', since % 1000)} s period`
      : sprintf('Call limit %d hit, %0.1f s period ', s.stopAfter, since / 100);
  lines.push(sprintf('  %-38s  %-37s', left, `${since} ms scheduler resolution`));
  const calls = s.mode === 'server' ? `${st.current} calls` : `${st.current} calls (limit ${s.limit})`;
  lines.push(sprintf('  %-38s  Peak was %d calls, after %d s', calls, st.peak, st.peakTime));
  lines.push(`  ${s.running} Running, ${s.paused} Paused, ${s.woken} Woken up`);
  const dead = `${st.counters[C.DeadCallMsgs]} dead call msg (discarded)`;
  lines.push(
    s.mode === 'client'
      ? sprintf('  %-38s  %d out-of-call msg (discarded)', dead, st.counters[C.OutOfCallMsgs]!)
      : sprintf('  %-38s', dead),
  );
  lines.push(
    sprintf('  %-38s  %d/%d/%d %s errors (send/recv/cong)', `${s.openSockets} open sockets`, 0, 0, 0, s.transport),
  );
  lines.push('');
  return lines;
}

/** One line of the message table: what the message is, then its counters. */
function messageLine(s: ScreenState, m: ScenarioMessage): string {
  const st = s.stats;
  const server = s.mode === 'server';
  const v = (f: number) => st.msgValue(m.index, f);
  const lost = s.lossColumns && v(M.Lost) ? String(v(M.Lost)) : '';
  const rtd = m.startRtd ? ` B-RTD${m.startRtd} ` : m.stopRtd ? ` E-RTD${m.stopRtd} ` : '        ';
  let line: string;
  if (m.send) {
    const what = m.send.isResponse ? String(m.send.code) : m.send.method!;
    line = server ? sprintf('  <---------- %-10s ', what) : sprintf('  %10s ----------> ', what);
    line += rtd;
    line += m.retransDelay
      ? sprintf('%-9d %-9d %-9d %-9s %-9s', v(M.Sent), v(M.SentRetrans), v(M.Timeout), '', lost)
      : sprintf('%-9d %-9d %-9s %-9s %-9s', v(M.Sent), v(M.SentRetrans), '', '', lost);
  } else if (m.recvResponse || m.recvRequest !== undefined) {
    const what = m.recvResponse ? String(m.recvResponse) : m.recvRequest!;
    line = server ? sprintf('  ----------> %-10s ', what) : sprintf('  %10s <---------- ', what);
    line += rtd + sprintf('%-9d %-9d %-9d %-9d %-9s', v(M.Recv), v(M.RecvRetrans), v(M.Timeout), v(M.Unexp), lost);
  } else if (m.kind === 'pause') {
    const desc = m.pause ? m.pause.describe() : `$${m.pauseVariable?.name}`;
    const len = Math.max(desc.length, 9);
    const lb = server
      ? sprintf('  [%9s] Pause%*s', desc, Math.max(0, 23 - len), '')
      : sprintf('       Pause [%9s]%*s', desc, Math.max(0, 18 - len), '');
    line = sprintf('%s%-9d                     %-9d', lb, v(M.Sessions), v(M.Unexp));
  } else line = m.display ? ` ${m.display}` : '              [ NOP ]              ';
  return line;
}

function finishScreen(lines: string[], s: ScreenState): string[] {
  if (!s.last && s.lastError) {
    const text = s.lastError.replace(/^([^:]*:){3}\s*/, '');
    lines.push(text.length > 60 ? `Last Error: ${text.slice(0, 60)}...` : `Last Error: ${text}`);
  }
  if (s.last) lines.push('------------------------------ Test Terminated --------------------------------');
  else if (s.quitting) lines.push('------- Waiting for active calls to end. Press [q] again to force exit. -------');
  else if (s.mode === 'client')
    lines.push('------ [+|-|*|/]: Adjust rate ---- [q]: Soft exit ---- [p]: Pause traffic -----');
  else lines.push('------------------------------ SIPp Server Mode -------------------------------');
  return lines;
}

export function statsScreen(s: ScreenState, startUs: number, pd: Snapshot, nowUs: number): string[] {
  const st = s.stats;
  const c = st.counters;
  const lines = ['----------------------------- Statistics Screen ------- [1-9]: Change Screen --'];
  const txt = (a: string, b: string) => lines.push(sprintf('  %-22.22s | %-52.52s ', a, b));
  const col = (a: string, b: string, d: string) => lines.push(sprintf('  %-22.22s | %-25.25s | %-24.24s ', a, b, d));
  const two = (a: string, b: number, d: number) =>
    lines.push(sprintf('  %-22.22s | %8d                  | %8d                 ', a, b, d));
  const cross = () => lines.push('-------------------------+---------------------------+--------------------------');
  txt('Start Time  ', formatTime(startUs));
  txt('Last Reset Time', formatTime(pd.at));
  txt('Current Time', formatTime(nowUs));
  cross();
  lines.push('  Counter Name           | Periodic value            | Cumulative value');
  cross();
  const globalMs = (nowUs - startUs) / 1000;
  const localMs = (nowUs - pd.at) / 1000;
  col('Elapsed Time', msToHHMMSSus(localMs), msToHHMMSSus(globalMs));
  const created = st.totalCreated;
  const createdP = created - pd.counters[C.IncomingCallCreated]! - pd.counters[C.OutgoingCallCreated]!;
  const rate = (n: number, ms: number) => (ms >= 1 ? (1000 * n) / Math.trunc(ms) : 0);
  lines.push(
    sprintf(
      '  %-22.22s | %8.3f cps              | %8.3f cps             ',
      'Call Rate',
      rate(createdP, localMs),
      rate(created, globalMs),
    ),
  );
  cross();
  const p = (id: number) => c[id]! - pd.counters[id]!;
  two('Incoming calls created', p(C.IncomingCallCreated), c[C.IncomingCallCreated]!);
  two('Outgoing calls created', p(C.OutgoingCallCreated), c[C.OutgoingCallCreated]!);
  lines.push(sprintf('  %-22.22s |                           | %8d                 ', 'Total Calls created', created));
  lines.push(sprintf('  %-22.22s | %8d                  |                          ', 'Current Calls', st.current));
  if (s.scenario.counterNames.length) cross();
  s.scenario.counterNames.forEach((n, i) => two(`Counter ${n}`, st.generic[i]! - pd.generic[i]!, st.generic[i]!));
  cross();
  two('Successful call', p(C.SuccessfulCall), c[C.SuccessfulCall]!);
  two('Failed call', p(C.FailedCall), c[C.FailedCall]!);
  cross();
  const mean = (sum: number, n: number) => (n ? sum / n : 0);
  s.scenario.rtdNames.forEach((r, i) => {
    const [n, sum] = [st.rtd[i * 3]!, st.rtd[i * 3 + 1]!];
    col(
      `Response Time ${r}`,
      msToHHMMSSus(mean(sum - pd.rtd[i * 3 + 1]!, n - pd.rtd[i * 3]!)),
      msToHHMMSSus(mean(sum, n)),
    );
  });
  col(
    'Call Length',
    msToHHMMSSus(mean(p(C.CallLengthSum), p(C.CallLengthCount))),
    msToHHMMSSus(mean(c[C.CallLengthSum]!, c[C.CallLengthCount]!)),
  );
  return finishScreen(lines, s);
}

export function repartitionScreen(s: ScreenState): string[] {
  const lines = ['---------------------------- Repartition Screen ------- [1-9]: Change Screen --'];
  const detail = (limits: number[] | undefined, buckets: Float64Array) => {
    if (!limits) {
      lines.push(sprintf('  %-77.77s', '  <No repartion defined>'));
      return;
    }
    limits.forEach((l, i) =>
      lines.push(sprintf('    %10d ms <= n < %10d ms : %10d', i === 0 ? 0 : limits[i - 1]!, l, buckets[i]!)),
    );
    lines.push(sprintf('    %14.14s n >= %10d ms : %10d', '', limits[limits.length - 1]!, buckets[limits.length]!));
  };
  if (s.scenario.rtdNames.length === 0) lines.push(sprintf('  %-77.77s', '  <No repartion defined>'));
  else {
    lines.push(sprintf('  %-77.77s', `Average Response Time Repartition ${s.scenario.rtdNames[0]}`));
    detail(s.scenario.rtdRepartitions[0], s.stats.rtdBuckets[0]!);
    lines.push(sprintf('  %-77.77s', 'Average Call Length Repartition'));
    detail(s.scenario.callLengthRepartition, s.stats.callBuckets);
  }
  return finishScreen(lines, s);
}
