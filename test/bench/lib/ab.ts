/**
 * A/B comparison of two builds in one run (issue 10's acceptance: "within noise of before, A/B in
 * one run"). The builds alternate round by round so that the machine's drift (other work on the
 * same cores) hits both alike; the report gives every round, each build's median and spread (max −
 * min over the median), and the ratio of the medians. Whether a ratio is "within noise" is read
 * against the spreads: a ratio closer to 1 than the spreads are wide says nothing changed.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** The load average now, "0.52 0.61 0.70" (1, 5, 15 minutes). */
export const loadAverage = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** (max − min) / median, in %. */
export function spreadPct(xs: number[]): number {
  return ((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100;
}

/**
 * The root of the "before" build from `--before=DIR` (or SIPKIT_BENCH_BEFORE), or undefined.
 * Throws when it is given but not built (no `relative` file under it), rather than measure
 * nothing.
 */
export function beforeRoot(argv: string[], relative: string): string | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: { before: { type: 'string' } },
  });
  const dir = typeof values.before === 'string' ? values.before : process.env.SIPKIT_BENCH_BEFORE;
  if (!dir) return undefined;
  if (!existsSync(join(dir, relative))) {
    throw new Error(`--before=${dir}: ${relative} not found there (build it first: npm run build)`);
  }
  return dir;
}

export interface AbSeries {
  /** What is measured, with its unit: "µs per message", "calls/s". */
  label: string;
  before: number[];
  after: number[];
  /** "high": more is better (a rate); "low": less is better (a time, CPU per call). */
  better: 'high' | 'low';
  digits?: number;
}

/**
 * Lines summing up one A/B series: each build's rounds, median and spread, then after / before
 * of the medians (and whether after is better or worse by that).
 */
export function abSummary(s: AbSeries): string[] {
  const d = s.digits ?? 0;
  const lines = [`${s.label}:`];
  const med: Record<'before' | 'after', number | undefined> = { before: undefined, after: undefined };
  for (const build of ['before', 'after'] as const) {
    const xs = s[build].filter((x) => Number.isFinite(x));
    if (xs.length === 0) {
      lines.push(`  ${build.padEnd(6)} no figure`);
      continue;
    }
    med[build] = median(xs);
    lines.push(
      `  ${build.padEnd(6)} median ${med[build]!.toFixed(d)}, rounds ${xs.map((x) => x.toFixed(d)).join(', ')} ` +
        `(spread ${spreadPct(xs).toFixed(1)}%)`,
    );
  }
  if (med.before && med.after) {
    const ratio = med.after / med.before;
    const better = s.better === 'high' ? ratio >= 1 : ratio <= 1;
    lines.push(
      `  after / before = ${ratio.toFixed(3)} (medians; after is ${Math.abs((ratio - 1) * 100).toFixed(1)}% ` +
        `${better ? 'better' : 'worse'})`,
    );
  }
  return lines;
}
