/** The bench's result table: per server and round, best of rounds, and the sipd/Kamailio ratio. */
import Table from 'cli-table3';
import { abSummary } from './ab.js';

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
  fixedRateClean: boolean;
}

export interface Metric {
  label: string;
  pick: (f: SessionFigures) => number | null;
  /** "high": more is better (best = max); "low": less is better (best = min). */
  better: 'high' | 'low';
}

export const METRICS: Metric[] = [
  { label: 'REGISTER/s (digest auth)', pick: (f) => f.registerPerS || null, better: 'high' },
  { label: 'calls/s (RR, stateful)', pick: (f) => f.callsPerS || null, better: 'high' },
  { label: 'CPU ms / 1,000 calls', pick: (f) => f.cpuMsPer1000Calls, better: 'low' },
];

export function bestOf(values: Array<number | null>, better: 'high' | 'low'): number | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  return better === 'high' ? Math.max(...xs) : Math.min(...xs);
}

const fmt = (v: number | null, digits = 0) =>
  v === null ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * The table as text. Columns: each server's rounds, its best, then sipd/kamailio of the bests
 * when both ran (for CPU, > 1 means sipd spends more per call).
 */
export function resultTable(figures: SessionFigures[], servers: string[], rounds: number, color = false): string {
  const head = ['metric'];
  for (const s of servers) {
    for (let r = 1; r <= rounds; r++) head.push(`${s} #${r}`);
    head.push(`${s} best`);
  }
  const ratio = servers.includes('sipd') && servers.includes('kamailio');
  if (ratio) head.push('sipd / kamailio');
  const table = new Table({ head, style: color ? {} : { head: [], border: [] } });
  for (const m of METRICS) {
    const row: string[] = [m.label];
    const bests: Record<string, number | null> = {};
    for (const s of servers) {
      const mine = figures.filter((f) => f.server === s);
      for (let r = 1; r <= rounds; r++) {
        const f = mine.find((x) => x.round === r);
        row.push(f ? fmt(m.pick(f), m.better === 'low' ? 1 : 0) : '');
      }
      bests[s] = bestOf(
        mine.map((f) => m.pick(f)),
        m.better,
      );
      row.push(fmt(bests[s]!, m.better === 'low' ? 1 : 0));
    }
    if (ratio) {
      const a = bests.sipd;
      const b = bests.kamailio;
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
        digits: m.better === 'low' ? 1 : 0,
      }),
    );
  }
  return lines;
}
