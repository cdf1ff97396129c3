/**
 * The machine-readable summary printed with --json: what SIPp's screens and CSV files say, plus
 * latency percentiles from HDR histograms (response times per RTD and call lengths).
 */
import type { Histogram } from './hdr.js';
import type { Scenario } from '../scenario/model.js';
import { C, FAILURE_COLUMNS, M } from './counters.js';
import type { Stats } from './stats.js';

export interface Latency {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface RunSummary {
  scenario: string;
  exitCode: number;
  elapsedMs: number;
  calls: {
    created: number;
    incoming: number;
    outgoing: number;
    successful: number;
    failed: number;
    current: number;
    peak: number;
    ratePerSecond: number;
  };
  failures: Record<string, number>;
  retransmissions: number;
  outOfCallMessages: number;
  deadCallMessages: number;
  autoAnswered: number;
  warnings: number;
  fatalErrors: number;
  responseCodes: Record<string, number>;
  responseTimes: Record<string, Latency>;
  callLength: Latency;
  counters: Record<string, number>;
  messages: Array<Record<string, number | string>>;
  error?: string;
  workers?: number;
  /** RTP (runs with media sockets): the audio port bound; packets and bytes received, echoed, sent. */
  rtp?: {
    port: number;
    receivedPackets: number;
    receivedBytes: number;
    echoedPackets: number;
    echoedBytes: number;
    sentPackets: number;
    sentBytes: number;
  };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** What meanOf reads of hdr-histogram-js's JsHistogram (public methods its typings leave out). */
interface Buckets {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
  valueFromIndex(i: number): number;
  medianEquivalentValue(v: number): number;
}

/**
 * The histogram's mean, as its own `mean` getter computes it (each recorded bucket's median
 * equivalent value times its count), in one plain loop over the counts: the getter walks them
 * with an iterator that builds an object per bucket step, which cost ~40 ms per run at exit
 * (a fixed cost of every siptest run, beside ~80 ms of its whole start-up).
 */
export function meanOf(h: Histogram): number {
  if (h.totalCount === 0) return 0;
  const b = h as unknown as Buckets;
  let total = 0;
  for (let i = 0; i < b.countsArrayLength; i++) {
    const c = b.getCountAtIndex(i);
    if (c !== 0) total += b.medianEquivalentValue(b.valueFromIndex(i)) * c;
  }
  return total / h.totalCount;
}

export function latency(h: Histogram): Latency {
  const ms = (us: number) => round(us / 1000);
  if (h.totalCount === 0) return { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 };
  return {
    count: h.totalCount,
    meanMs: ms(meanOf(h)),
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    maxMs: ms(h.maxValue),
  };
}

export function buildSummary(s: Scenario, st: Stats, exitCode: number, elapsedMs: number, error?: string): RunSummary {
  const c = st.counters;
  const failures: Record<string, number> = {};
  for (const [name, id] of FAILURE_COLUMNS) failures[name.replace(/^Failed/, '')] = c[id]!;
  const messages = s.messages.map((m): Record<string, number | string> => {
    const v = (f: number) => st.msgValue(m.index, f);
    if (m.send)
      return {
        index: m.index,
        send: m.send.isResponse ? String(m.send.code) : m.send.method!,
        sent: v(M.Sent),
        retransmissions: v(M.SentRetrans),
        timeouts: v(M.Timeout),
        lost: v(M.Lost),
      };
    if (m.kind === 'recv')
      return {
        index: m.index,
        recv: m.recvResponse ? String(m.recvResponse) : m.recvRequest!,
        received: v(M.Recv),
        retransmissions: v(M.RecvRetrans),
        timeouts: v(M.Timeout),
        unexpected: v(M.Unexp),
        lost: v(M.Lost),
      };
    if (m.kind === 'pause')
      return {
        index: m.index,
        pause: m.pause?.describe() ?? `$${m.pauseVariable?.name}`,
        sessions: v(M.Sessions),
        unexpected: v(M.Unexp),
      };
    if (m.kind === 'sendCmd') return { index: m.index, sendCmd: m.cmdDest ?? '', sent: v(M.Sent) };
    if (m.kind === 'recvCmd')
      return { index: m.index, recvCmd: m.cmdSrc ?? '', received: v(M.Recv), timeouts: v(M.Timeout) };
    return { index: m.index, nop: m.display ?? '' };
  });
  const created = c[C.IncomingCallCreated]! + c[C.OutgoingCallCreated]!;
  return {
    scenario: s.fileBase,
    exitCode,
    elapsedMs: Math.round(elapsedMs),
    calls: {
      created,
      incoming: c[C.IncomingCallCreated]!,
      outgoing: c[C.OutgoingCallCreated]!,
      successful: c[C.SuccessfulCall]!,
      failed: c[C.FailedCall]!,
      current: st.current,
      peak: st.peak,
      ratePerSecond: elapsedMs > 0 ? round((created * 1000) / elapsedMs) : 0,
    },
    failures,
    retransmissions: c[C.Retransmissions]!,
    outOfCallMessages: c[C.OutOfCallMsgs]!,
    deadCallMessages: c[C.DeadCallMsgs]!,
    autoAnswered: c[C.AutoAnswered]!,
    warnings: c[C.Warnings]!,
    fatalErrors: c[C.FatalErrors]!,
    responseCodes: Object.fromEntries([...st.codes].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
    responseTimes: Object.fromEntries(s.rtdNames.map((n, i) => [n, latency(st.rtdHist[i]!)])),
    callLength: latency(st.callHist),
    counters: Object.fromEntries(s.counterNames.map((n, i) => [n, st.generic[i]!])),
    messages,
    ...(error ? { error } : {}),
  };
}
