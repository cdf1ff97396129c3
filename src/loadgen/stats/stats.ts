/**
 * One run's statistics (SIPp's CStat plus siptest's histograms): counters, response times (RTD),
 * call lengths, repartition buckets, user counters, per-message counts and received response
 * codes. Everything is cumulative; see counters.ts for how periodic values are derived.
 */
import * as hdr from './hdr.js';
import { C, COUNTER_COUNT, MSG_FIELDS } from './counters.js';

export interface StatsShape {
  rtdCount: number;
  rtdRepartitions: Array<number[] | undefined>;
  callLengthRepartition?: number[];
  counterCount: number;
  messageCount: number;
}

/** Plain-data form, for worker threads and merging. */
export interface StatsData {
  counters: number[];
  current: number;
  peak: number;
  peakTime: number;
  rtd: number[];
  rtdBuckets: number[][];
  callBuckets: number[];
  generic: number[];
  messages: number[];
  codes: Array<[number, number]>;
  errorCodes: number[];
  /** The histograms (compressed), only in a worker's last report: only the summary reads them. */
  rtdHist?: string[];
  callHist?: string;
}

const newHist = () =>
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 24 * 3600 * 1000000,
    numberOfSignificantValueDigits: 3,
  });

/** Index of the bucket for `v`: the first limit v is below, else the last (>= max). */
export function bucketOf(limits: readonly number[], v: number): number {
  for (let i = 0; i < limits.length; i++) if (v < limits[i]!) return i;
  return limits.length;
}

export class Stats {
  readonly counters = new Float64Array(COUNTER_COUNT);
  current = 0;
  peak = 0;
  peakTime = 0;
  /** Per RTD: count, sum (ms), sum of squares. */
  readonly rtd: Float64Array;
  readonly rtdBuckets: Float64Array[];
  readonly callBuckets: Float64Array;
  readonly generic: Float64Array;
  readonly messages: Float64Array;
  readonly codes = new Map<number, number>();
  /** Codes of unexpected responses since the last error_codes row. */
  errorCodes: number[] = [];
  /**
   * Response times in µs, per RTD, and call lengths in µs. Built at their first use (a call's
   * first response time, at the earliest): hdr-histogram-js is loaded and compiled then, not
   * before a run's first message (issue 15).
   */
  private hists?: { rtd: hdr.Histogram[]; call: hdr.Histogram };

  constructor(readonly shape: StatsShape) {
    this.rtd = new Float64Array(shape.rtdCount * 3);
    this.rtdBuckets = shape.rtdRepartitions.map((r) => new Float64Array(r ? r.length + 1 : 0));
    this.callBuckets = new Float64Array(shape.callLengthRepartition ? shape.callLengthRepartition.length + 1 : 0);
    this.generic = new Float64Array(shape.counterCount);
    this.messages = new Float64Array(shape.messageCount * MSG_FIELDS);
  }

  get rtdHist(): readonly hdr.Histogram[] {
    return (this.hists ??= this.newHists()).rtd;
  }

  get callHist(): hdr.Histogram {
    return (this.hists ??= this.newHists()).call;
  }

  private newHists() {
    return { rtd: Array.from({ length: this.shape.rtdCount }, newHist), call: newHist() };
  }

  add(id: number, n = 1): void {
    this.counters[id]! += n;
  }

  msg(index: number, field: number, n = 1): void {
    this.messages[index * MSG_FIELDS + field]! += n;
  }

  msgValue(index: number, field: number): number {
    return this.messages[index * MSG_FIELDS + field]!;
  }

  callCreated(incoming: boolean, nowMs: number): void {
    this.counters[incoming ? C.IncomingCallCreated : C.OutgoingCallCreated]!++;
    this.current++;
    if (this.current > this.peak) {
      this.peak = this.current;
      this.peakTime = Math.trunc(nowMs / 1000);
    }
  }

  callEnded(success: boolean): void {
    this.counters[success ? C.SuccessfulCall : C.FailedCall]!++;
    this.current--;
  }

  /** A response time sample for RTD `which` (1-based), in microseconds. */
  responseTime(which: number, us: number): void {
    const ms = Math.trunc(us / 1000);
    const i = (which - 1) * 3;
    this.rtd[i]!++;
    this.rtd[i + 1]! += ms;
    this.rtd[i + 2]! += ms * ms;
    const limits = this.shape.rtdRepartitions[which - 1];
    if (limits) this.rtdBuckets[which - 1]![bucketOf(limits, ms)]!++;
    this.rtdHist[which - 1]!.recordValue(Math.max(1, Math.round(us)));
  }

  callLength(ms: number): void {
    this.counters[C.CallLengthSum]! += ms;
    this.counters[C.CallLengthCount]!++;
    this.counters[C.CallLengthSumSq]! += ms * ms;
    const limits = this.shape.callLengthRepartition;
    if (limits) this.callBuckets[bucketOf(limits, ms)]!++;
    this.callHist.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  responseCode(code: number): void {
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  get totalCreated(): number {
    return this.counters[C.IncomingCallCreated]! + this.counters[C.OutgoingCallCreated]!;
  }

  /**
   * `histograms`: with the compressed histograms (a worker's last report). Without them, a
   * periodic report costs a few array copies instead of compressing and inflating them again.
   */
  toData(histograms = true): StatsData {
    const data: StatsData = {
      counters: [...this.counters],
      current: this.current,
      peak: this.peak,
      peakTime: this.peakTime,
      rtd: [...this.rtd],
      rtdBuckets: this.rtdBuckets.map((b) => [...b]),
      callBuckets: [...this.callBuckets],
      generic: [...this.generic],
      messages: [...this.messages],
      codes: [...this.codes],
      errorCodes: this.errorCodes.splice(0),
    };
    if (histograms) {
      data.rtdHist = this.rtdHist.map((h) => hdr.encodeIntoCompressedBase64(h));
      data.callHist = hdr.encodeIntoCompressedBase64(this.callHist);
    }
    return data;
  }

  /** Set this object to the sum of several threads' cumulative data. */
  assignSum(parts: StatsData[], ownGlobals: boolean): void {
    const keep = ownGlobals ? [...this.counters.slice(C.OutOfCallMsgs)] : undefined;
    const zero = (a: Float64Array) => a.fill(0);
    [this.counters, this.rtd, this.callBuckets, this.generic, this.messages, ...this.rtdBuckets].forEach(zero);
    this.current = 0;
    this.codes.clear();
    const histograms = parts.some((p) => p.callHist !== undefined);
    if (histograms) {
      this.rtdHist.forEach((h) => h.reset());
      this.callHist.reset();
    }
    for (const p of parts) {
      if (p.counters.length === 0) continue;
      p.counters.forEach((v, i) => (this.counters[i]! += v));
      this.current += p.current;
      this.peak = Math.max(this.peak, p.peak);
      p.rtd.forEach((v, i) => (this.rtd[i]! += v));
      p.rtdBuckets.forEach((b, j) => b.forEach((v, i) => (this.rtdBuckets[j]![i]! += v)));
      p.callBuckets.forEach((v, i) => (this.callBuckets[i]! += v));
      p.generic.forEach((v, i) => (this.generic[i]! += v));
      p.messages.forEach((v, i) => (this.messages[i]! += v));
      for (const [code, n] of p.codes) this.codes.set(code, (this.codes.get(code) ?? 0) + n);
      p.rtdHist?.forEach((s, i) => this.rtdHist[i]!.add(hdr.decodeFromCompressedBase64(s)));
      if (p.callHist) this.callHist.add(hdr.decodeFromCompressedBase64(p.callHist));
    }
    if (keep) keep.forEach((v, i) => (this.counters[C.OutOfCallMsgs + i]! += v));
    this.peak = Math.max(this.peak, this.current);
  }
}

/** A snapshot for periodic values: copies of the cumulative arrays at the last reset. */
export class Snapshot {
  counters: Float64Array;
  rtd: Float64Array;
  generic: Float64Array;
  rtdBuckets: Float64Array[];
  callBuckets: Float64Array;
  /** Time of the reset, µs since the epoch. */
  at: number;

  constructor(s: Stats, atUs: number) {
    this.counters = new Float64Array(s.counters);
    this.rtd = new Float64Array(s.rtd);
    this.generic = new Float64Array(s.generic);
    this.rtdBuckets = s.rtdBuckets.map((b) => new Float64Array(b));
    this.callBuckets = new Float64Array(s.callBuckets);
    this.at = atUs;
  }
}
