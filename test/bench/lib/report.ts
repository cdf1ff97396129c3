/**
 * The bench's result table: per server every round, the median of the rounds and their spread
 * ((max − min) / median), and sipd / Kamailio of the medians. Medians, not the best round: on a
 * shared machine the best round is the luckiest, and luck is not what the ratio should measure.
 */
import Table from 'cli-table3';
import { abSummary, median, spreadPct } from './ab.js';

export interface SessionFigures {
  server: string;
  round: number;
  /** Highest clean REGISTER-with-digest rate, per second (0: none clean). */
  registerPerS: number;
  /** Server CPU (% of one core) during the best clean REGISTER step. */
  registerCpuPct?: number;
  /** Highest clean call-setup rate through the record-routing stateful proxy, per second. */
  callsPerS: number;
  callsCpuPct?: number;
  /** Server CPU ms per 1,000 calls at the fixed rate (null: that run was not clean). */
  cpuMsPer1000Calls: number | null;
  /**
   * The system (kernel) part of cpuMsPer1000Calls: system calls, the loopback network's delivery
   * to the receiver, wake-ups. What is left is the server's own code (for sipd: JavaScript, V8
   * and Node's event loop).
   */
  sysMsPer1000Calls?: number | null;
  fixedRateClean: boolean;
  /** INVITE→200 percentiles (ms) at half of this server's own highest clean call rate. */
  p50Ms?: number | null;
  p99Ms?: number | null;
  /** Group memory (lib/memory.ts), MB: started and idle; peak under load; 10 s after the load (2 s with --quick). */
  memIdleMb?: number | null;
  memPeakMb?: number | null;
  memAfterMb?: number | null;
}

export interface Metric {
  label: string;
  pick: (f: SessionFigures) => number | null;
  /** "high": more is better; "low": less is better. */
  better: 'high' | 'low';
  digits: number;
}

const orNull = (v: number | null | undefined) => (v === undefined || v === null || !Number.isFinite(v) ? null : v);

export const METRICS: Metric[] = [
  { label: 'REGISTER/s (digest auth)', pick: (f) => f.registerPerS || null, better: 'high', digits: 0 },
  { label: 'calls/s (RR, stateful)', pick: (f) => f.callsPerS || null, better: 'high', digits: 0 },
  { label: 'CPU ms / 1,000 calls', pick: (f) => f.cpuMsPer1000Calls, better: 'low', digits: 1 },
  {
    label: '  of which user (own code)',
    pick: (f) =>
      f.cpuMsPer1000Calls === null || orNull(f.sysMsPer1000Calls) === null
        ? null
        : f.cpuMsPer1000Calls - f.sysMsPer1000Calls!,
    better: 'low',
    digits: 1,
  },
  { label: '  of which system (kernel)', pick: (f) => orNull(f.sysMsPer1000Calls), better: 'low', digits: 1 },
  { label: 'INVITE→200 p50 ms (½ max)', pick: (f) => orNull(f.p50Ms), better: 'low', digits: 0 },
  { label: 'INVITE→200 p99 ms (½ max)', pick: (f) => orNull(f.p99Ms), better: 'low', digits: 0 },
  { label: 'memory MB, idle', pick: (f) => orNull(f.memIdleMb), better: 'low', digits: 0 },
  { label: 'memory MB, peak', pick: (f) => orNull(f.memPeakMb), better: 'low', digits: 0 },
  { label: 'memory MB, after load', pick: (f) => orNull(f.memAfterMb), better: 'low', digits: 0 },
];

const fmt = (v: number | null, digits = 0) =>
  v === null ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The median and spread (%) of the figures that exist, or nulls. */
export function medianOf(values: Array<number | null>): { median: number | null; spreadPct: number | null } {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return { median: null, spreadPct: null };
  const m = median(xs);
  return { median: m, spreadPct: m > 0 ? spreadPct(xs) : null };
}

/**
 * The table as text. Columns: each server's rounds, its median and spread, then sipd / kamailio
 * of the medians when both ran (for CPU, latency and memory, > 1 means sipd needs more).
 */
export function resultTable(figures: SessionFigures[], servers: string[], rounds: number, color = false): string {
  const head = ['metric'];
  for (const s of servers) {
    for (let r = 1; r <= rounds; r++) head.push(`${s} #${r}`);
    head.push(`${s} median`, 'spread');
  }
  const ratio = servers.includes('sipd') && servers.includes('kamailio');
  if (ratio) head.push('sipd / kamailio');
  const table = new Table({ head, style: color ? {} : { head: [], border: [] } });
  for (const m of METRICS) {
    const row: string[] = [m.label];
    const medians: Record<string, number | null> = {};
    for (const s of servers) {
      const mine = figures.filter((f) => f.server === s);
      for (let r = 1; r <= rounds; r++) {
        const f = mine.find((x) => x.round === r);
        row.push(f ? fmt(m.pick(f), m.digits) : '');
      }
      const { median: med, spreadPct: spread } = medianOf(mine.map((f) => m.pick(f)));
      medians[s] = med;
      row.push(fmt(med, m.digits), spread === null ? '—' : `${spread.toFixed(0)}%`);
    }
    if (ratio) {
      const a = medians.sipd;
      const b = medians.kamailio;
      row.push(a != null && b != null && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
    }
    table.push(row);
  }
  return table.toString();
}

/**
 * One build's sipd against another's (`--before`): every metric's rounds, medians, spreads and
 * after / before of the medians (lib/ab.ts).
 */
export function abReport(figures: SessionFigures[], before: string, after: string): string[] {
  const lines = [`\n${after} (after) against ${before} (before):`];
  for (const m of METRICS) {
    const of = (server: string) =>
      figures
        .filter((f) => f.server === server)
        .map((f) => m.pick(f))
        .filter((v): v is number => v !== null);
    lines.push(
      ...abSummary({
        label: m.label,
        before: of(before),
        after: of(after),
        better: m.better,
        digits: m.digits,
      }),
    );
  }
  return lines;
}
