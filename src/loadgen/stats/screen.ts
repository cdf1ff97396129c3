/**
 * SIPp's screen 1, the scenario screen (ScreenPrinter::draw_scenario_screen in SIPp 3.6.1): the
 * run's figures, then every message with its Messages/Retrans/Timeout/Unexpected counts; and the
 * footer every screen ends with. screens.ts picks the screen; the others have their own files.
 */
import { sprintf } from './sprintf.js';
import type { Scenario, ScenarioMessage } from '../scenario/model.js';
import { C, M } from './counters.js';
import type { Snapshot, Stats } from './stats.js';

export interface ScreenState {
  scenario: Scenario;
  stats: Stats;
  mode: 'client' | 'server';
  /** 3PCC: SIPp's bottom line for the role ("3PCC Mode - Controller A side"...). */
  twinBanner?: string;
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
  /** Since the last screen report (SIPp's ms_since_last_tick). */
  sinceReportMs: number;
  /** Scheduling cycles since the last screen report (SIPp's scheduling_loops). */
  schedulingLoops: number;
  /** Start of the run, now, and the counters at the last screen report (the "periodic" values), µs. */
  startUs: number;
  nowUs: number;
  pd: Snapshot;
  /** RTP sent from pcap files: packets in all, bytes since the last report. */
  rtp: { packets: number; periodBytes: number };
  running: number;
  paused: number;
  woken: number;
  openSockets: number;
  lastError: string;
  last: boolean;
  quitting: boolean;
  /** Traffic paused with "p". */
  trafficPaused: boolean;
  lossColumns: boolean;
}

/** The body of the scenario screen, after its title. */
export function scenarioScreenBody(s: ScreenState): string[] {
  const lines = [...runLines(s), ...callCountLines(s)];
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
  return lines;
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
  const st = s.stats;
  const since = s.sinceReportMs;
  const lines = ['', periodLine(s)];
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
  // SIPp built with pcap play (the Debian sip-tester is) always prints the RTP line; in a period of
  // 0 ms (the screens at exit) it leaves the buffer as it was, repeating the open-sockets line.
  const rtp = `${s.rtp.packets} Total RTP pckts sent `;
  const rate = `${Math.floor(s.rtp.periodBytes / since)}.${sprintf('%03d', s.rtp.periodBytes % since)}`;
  lines.push(since > 0 ? sprintf('  %-38s  %s last period RTP rate (kB/s)', rtp, rate) : lines[lines.length - 1]!);
  lines.push('');
  return lines;
}

/** New calls in the period (or the call limit reached) and the scheduler resolution: ms per scheduling cycle. */
function periodLine(s: ScreenState): string {
  const since = s.sinceReportMs;
  const created = s.stats.totalCreated;
  const periodCreated = created - s.pd.counters[C.IncomingCallCreated]! - s.pd.counters[C.OutgoingCallCreated]!;
  const left =
    created < s.stopAfter
      ? `${periodCreated} new calls during ${Math.floor(since / 1000)}.${sprintf('%03d', since % 1000)} s period`
      : sprintf('Call limit %d hit, %0.1f s period ', s.stopAfter, since / 100);
  const resolution = `${Math.floor(since / Math.max(s.schedulingLoops, 1))} ms scheduler resolution`;
  return sprintf('  %-38s  %-37s', left, resolution);
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
  } else if (m.kind === 'recvCmd') {
    line = sprintf('    [ Received Command ]         %-9d %-9s %-9s %-9s', v(M.Recv), '', '', '');
  } else if (m.kind === 'sendCmd') {
    line = sprintf('        [ Sent Command ]         %-9d %-9s           %-9s', v(M.Sent), '', '');
  } else line = m.display ? ` ${m.display}` : '              [ NOP ]              ';
  return line;
}

/** The last-error line and the footer, after every screen. */
export function finishScreen(lines: string[], s: ScreenState): string[] {
  if (!s.last && s.lastError) {
    const text = s.lastError.replace(/^([^:]*:){3}\s*/, '');
    lines.push(text.length > 60 ? `Last Error: ${text.slice(0, 60)}...` : `Last Error: ${text}`);
  }
  if (s.last) lines.push('------------------------------ Test Terminated --------------------------------');
  else if (s.quitting) lines.push('------- Waiting for active calls to end. Press [q] again to force exit. -------');
  else if (s.trafficPaused)
    lines.push('----------------- Traffic Paused - Press [p] again to resume ------------------');
  else if (s.twinBanner) lines.push(s.twinBanner);
  else if (s.mode === 'client')
    lines.push('------ [+|-|*|/]: Adjust rate ---- [q]: Soft exit ---- [p]: Pause traffic -----');
  else lines.push('------------------------------ SIPp Server Mode -------------------------------');
  return lines;
}
