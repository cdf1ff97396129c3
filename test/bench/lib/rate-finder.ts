/**
 * Finds the highest load rate a server handles cleanly, by stepping: each step offers one fixed
 * rate for a bounded time and says whether the run was clean. The rate grows geometrically until
 * a step fails (or shrinks until one succeeds), then bisects (geometric mean) between the highest
 * clean and the lowest failed rate until they are within `precision`, or the step or time budget
 * runs out. Pure: the probe does the measuring, so this logic is unit-tested without sockets.
 */

export interface StepOutcome {
  rate: number;
  clean: boolean;
  /** Why the step was not clean (failed calls, retransmissions, fell behind, ...). */
  reason?: string;
}

export interface SearchOptions {
  /** First rate tried. */
  start: number;
  /** Factor between steps before the first failure (> 1). */
  growth: number;
  /** Lowest and highest rates ever tried. */
  min: number;
  max: number;
  /** Stop when lowest failed / highest clean <= 1 + precision. */
  precision: number;
  maxSteps: number;
  /** Stop starting new steps after this many ms (a step in progress finishes). */
  budgetMs?: number;
  now?: () => number;
}

export type StopReason = 'precision' | 'max' | 'min' | 'steps' | 'budget';

export interface SearchResult<T extends StepOutcome> {
  /** Highest clean rate seen; 0 when no step was clean. */
  best: number;
  bestStep: T | undefined;
  /** Lowest rate that failed, Infinity when none did. */
  lowestFailed: number;
  steps: T[];
  stoppedBy: StopReason;
}

/** Rounds to a "nice" rate: integers below 100, tens below 1,000, fifties above. */
export function niceRate(x: number): number {
  if (x < 100) return Math.max(1, Math.round(x));
  if (x < 1000) return Math.round(x / 10) * 10;
  return Math.round(x / 50) * 50;
}

export async function findMaxCleanRate<T extends StepOutcome>(
  probe: (rate: number) => Promise<T>,
  o: SearchOptions,
): Promise<SearchResult<T>> {
  if (!(o.growth > 1)) throw new RangeError('growth must be > 1');
  if (!(o.min > 0 && o.max >= o.min)) throw new RangeError('need 0 < min <= max');
  const now = o.now ?? (() => Date.now());
  const t0 = now();
  const steps: T[] = [];
  let lo = 0;
  let hi = Infinity;
  let bestStep: T | undefined;
  let rate = Math.min(o.max, Math.max(o.min, niceRate(o.start)));
  let stoppedBy: StopReason = 'steps';

  while (steps.length < o.maxSteps) {
    if (o.budgetMs !== undefined && steps.length > 0 && now() - t0 >= o.budgetMs) {
      stoppedBy = 'budget';
      break;
    }
    const out = await probe(rate);
    steps.push(out);
    if (out.clean && rate > lo) {
      lo = rate;
      bestStep = out;
    } else if (!out.clean && rate < hi) {
      hi = rate;
    }

    let next: number;
    if (hi === Infinity) {
      if (rate >= o.max) {
        stoppedBy = 'max';
        break;
      }
      next = Math.min(o.max, niceRate(rate * o.growth));
    } else if (lo === 0) {
      if (rate <= o.min) {
        stoppedBy = 'min';
        break;
      }
      next = Math.max(o.min, niceRate(rate / o.growth));
    } else {
      if (hi / lo <= 1 + o.precision) {
        stoppedBy = 'precision';
        break;
      }
      next = niceRate(Math.sqrt(lo * hi));
    }
    // Rounding can land on a rate already decided: then nothing finer is left to learn.
    if (next <= lo || next >= hi || next === rate) {
      stoppedBy = 'precision';
      break;
    }
    rate = next;
  }
  return { best: lo, bestStep, lowestFailed: hi, steps, stoppedBy };
}
