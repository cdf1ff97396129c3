/**
 * The statistics files, column for column as SIPp 3.6.1 writes them (scripts cut them by
 * position): -trace_stat (<scenario>_<pid>_.csv, every row ending with the delimiter),
 * -trace_counts (<scenario>_<pid>_counts.csv), -trace_rtt (<scenario>_<pid>_rtt.csv) and
 * -trace_error_codes (<scenario>_<pid>_error_codes.csv).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Scenario } from '../scenario/model.js';
import { C, FAILURE_COLUMNS, M } from './counters.js';
import { cppDouble, formatTime, msToHHMMSS, msToHHMMSSus } from './format.js';
import { Snapshot, type Stats } from './stats.js';

const mean = (sum: number, n: number) => (n === 0 ? 0 : sum / n);
/** SIPp's sample standard deviation from sums (0 below two samples). */
const stdev = (sum: number, sq: number, n: number) => (n <= 1 ? 0 : Math.sqrt((n * sq - sum * sum) / (n * (n - 1))));

export function statHeader(s: Scenario, d: string): string {
  const cols = [
    'StartTime',
    'LastResetTime',
    'CurrentTime',
    'ElapsedTime(P)',
    'ElapsedTime(C)',
    'TargetRate',
    'CallRate(P)',
    'CallRate(C)',
    'IncomingCall(P)',
    'IncomingCall(C)',
    'OutgoingCall(P)',
    'OutgoingCall(C)',
    'TotalCallCreated',
    'CurrentCall',
    'SuccessfulCall(P)',
    'SuccessfulCall(C)',
    'FailedCall(P)',
    'FailedCall(C)',
  ];
  for (const [name] of FAILURE_COLUMNS) cols.push(`${name}(P)`, `${name}(C)`);
  for (const n of [
    'OutOfCallMsgs',
    'DeadCallMsgs',
    'Retransmissions',
    'AutoAnswered',
    'Warnings',
    'FatalErrors',
    'WatchdogMajor',
    'WatchdogMinor',
  ])
    cols.push(`${n}(P)`, `${n}(C)`);
  for (const r of s.rtdNames)
    cols.push(`ResponseTime${r}(P)`, `ResponseTime${r}(C)`, `ResponseTime${r}StDev(P)`, `ResponseTime${r}StDev(C)`);
  cols.push('CallLength(P)', 'CallLength(C)', 'CallLengthStDev(P)', 'CallLengthStDev(C)');
  for (const c of s.counterNames) {
    const name = /^\d+$/.test(c) ? `GenericCounter${c}` : c;
    cols.push(`${name}(P)`, `${name}(C)`);
  }
  let out = cols.map((c) => c + d).join('');
  s.rtdNames.forEach((r, i) => (out += repartitionHeader(s.rtdRepartitions[i], `ResponseTimeRepartition${r}`, d)));
  out += repartitionHeader(s.callLengthRepartition, 'CallLengthRepartition', d);
  return out;
}

function repartitionHeader(limits: number[] | undefined, name: string, d: string): string {
  if (!limits) return '';
  let out = name + d;
  for (const l of limits) out += `${name}_<${l}${d}`;
  return out + `${name}_>=${limits[limits.length - 1]}${d}`;
}

function repartitionRow(buckets: Float64Array, snap: Float64Array | undefined, d: string): string {
  if (buckets.length === 0) return '';
  let out = d;
  for (let i = 0; i < buckets.length; i++) out += `${buckets[i]! - (snap ? snap[i]! : 0)}${d}`;
  return out;
}

export interface RowInput {
  stats: Stats;
  scenario: Scenario;
  startUs: number;
  nowUs: number;
  /** Snapshot at the last row (periodic values). */
  last: Snapshot;
  targetRate: number;
  periodicRtd: boolean;
  delimiter: string;
}

export function statRow(r: RowInput): string {
  const { stats: s, last: p, delimiter: d } = r;
  const c = s.counters;
  const globalMs = Math.trunc((r.nowUs - r.startUs) / 1000);
  const localMs = Math.trunc((r.nowUs - p.at) / 1000);
  const created = c[C.IncomingCallCreated]! + c[C.OutgoingCallCreated]!;
  const createdP = created - p.counters[C.IncomingCallCreated]! - p.counters[C.OutgoingCallCreated]!;
  const f32 = (v: number) => Math.fround(v);
  const avgRate = globalMs > 0 ? f32((1000 * f32(created)) / f32(globalMs)) : 0;
  const instRate = localMs > 0 ? f32((1000 * f32(createdP)) / f32(localMs)) : 0;
  const pc = (id: number) => c[id]! - p.counters[id]!;
  const vals: string[] = [
    formatTime(r.startUs),
    formatTime(p.at),
    formatTime(r.nowUs),
    msToHHMMSS(localMs),
    msToHHMMSS(globalMs),
    cppDouble(r.targetRate),
    cppDouble(instRate),
    cppDouble(avgRate),
    String(pc(C.IncomingCallCreated)),
    String(c[C.IncomingCallCreated]),
    String(pc(C.OutgoingCallCreated)),
    String(c[C.OutgoingCallCreated]),
    String(created),
    String(s.current),
    String(pc(C.SuccessfulCall)),
    String(c[C.SuccessfulCall]),
    String(pc(C.FailedCall)),
    String(c[C.FailedCall]),
  ];
  for (const [, id] of FAILURE_COLUMNS) vals.push(String(pc(id)), String(c[id]));
  for (const id of [
    C.OutOfCallMsgs,
    C.DeadCallMsgs,
    C.Retransmissions,
    C.AutoAnswered,
    C.Warnings,
    C.FatalErrors,
    C.WatchdogMajor,
    C.WatchdogMinor,
  ])
    vals.push(String(pc(id)), String(c[id]));
  for (let i = 0; i < r.scenario.rtdNames.length; i++) {
    const [n, sum, sq] = [s.rtd[i * 3]!, s.rtd[i * 3 + 1]!, s.rtd[i * 3 + 2]!];
    const [pn, psum, psq] = [n - p.rtd[i * 3]!, sum - p.rtd[i * 3 + 1]!, sq - p.rtd[i * 3 + 2]!];
    vals.push(
      msToHHMMSSus(mean(psum, pn)),
      msToHHMMSSus(mean(sum, n)),
      msToHHMMSSus(stdev(psum, psq, pn)),
      msToHHMMSSus(stdev(sum, sq, n)),
    );
  }
  const [ln, lsum, lsq] = [c[C.CallLengthCount]!, c[C.CallLengthSum]!, c[C.CallLengthSumSq]!];
  const [pln, plsum, plsq] = [pc(C.CallLengthCount), pc(C.CallLengthSum), pc(C.CallLengthSumSq)];
  vals.push(
    msToHHMMSSus(mean(plsum, pln)),
    msToHHMMSSus(mean(lsum, ln)),
    msToHHMMSSus(stdev(plsum, plsq, pln)),
    msToHHMMSSus(stdev(lsum, lsq, ln)),
  );
  for (let i = 0; i < s.generic.length; i++) vals.push(String(s.generic[i]! - p.generic[i]!), String(s.generic[i]));
  let out = vals.map((v) => v + d).join('');
  s.rtdBuckets.forEach((b, i) => (out += repartitionRow(b, r.periodicRtd ? p.rtdBuckets[i] : undefined, d)));
  out += repartitionRow(s.callBuckets, r.periodicRtd ? p.callBuckets : undefined, d);
  return out;
}

/** -trace_counts: header and rows of per-message counters. */
export function countsHeader(s: Scenario, d: string, lossColumns: boolean): string {
  let out = `CurrentTime${d}ElapsedTime${d}`;
  s.messages.forEach((m, i) => {
    if (m.hide) return;
    if (m.send) {
      const p = m.send.isResponse ? `${i}_${m.send.code}_` : `${i}_${m.send.method}_`;
      out += `${p}Sent${d}${p}Retrans${d}`;
      if (m.retransDelay) out += `${p}Timeout${d}`;
      if (lossColumns) out += `${p}Lost${d}`;
    } else if (m.recvResponse || m.recvRequest !== undefined) {
      const p = `${i}_${m.recvResponse || m.recvRequest}_`;
      out += `${p}Recv${d}${p}Retrans${d}${p}Timeout${d}${p}Unexp${d}`;
      if (lossColumns) out += `${p}Lost${d}`;
    } else if (m.kind === 'recvCmd') out += `${i}_RecvCmd${d}${i}_RecvCmd_Timeout${d}`;
    else if (m.kind === 'sendCmd') out += `${i}_SendCmd${d}`;
    else out += `${i}_Pause_Sessions${d}${i}_Pause_Unexp${d}`;
  });
  return out;
}

export function countsRow(
  s: Scenario,
  st: Stats,
  nowUs: number,
  startUs: number,
  d: string,
  lossColumns: boolean,
): string {
  let out = `${formatTime(nowUs)}${d}${msToHHMMSSus((nowUs - startUs) / 1000)}${d}`;
  const v = (i: number, f: number) => `${st.msgValue(i, f)}${d}`;
  s.messages.forEach((m, i) => {
    if (m.hide) return;
    if (m.send) {
      out += v(i, M.Sent) + v(i, M.SentRetrans);
      if (m.retransDelay) out += v(i, M.Timeout);
      if (lossColumns) out += v(i, M.Lost);
    } else if (m.recvResponse || m.recvRequest !== undefined) {
      out += v(i, M.Recv) + v(i, M.RecvRetrans) + v(i, M.Timeout) + v(i, M.Unexp);
      if (lossColumns) out += v(i, M.Lost);
    } else if (m.kind === 'recvCmd') out += v(i, M.Recv) + v(i, M.Timeout);
    else if (m.kind === 'sendCmd') out += v(i, M.Sent);
    else out += v(i, M.Sessions) + v(i, M.Unexp);
  });
  return out;
}

/** A file written line by line (synchronously: rows survive a crash). */
export class CsvFile {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  line(text: string): void {
    writeSync(this.fd, text + '\n');
  }
  close(): void {
    closeSync(this.fd);
  }
}

export { Snapshot };
