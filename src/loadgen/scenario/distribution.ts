/**
 * Pause lengths and <sample> values: fixed, uniform and the statistical distributions SIPp offers
 * with GSL (normal, lognormal, exponential, weibull, pareto, gpareto, gamma, negbin), sampled with
 * Math.random. `quantile(0.99)` feeds the scenario's expected length (for the default -l) and the
 * sanity check, as SIPp's cdfInv.
 */
export interface Distribution {
  sample(): number;
  quantile(p: number): number;
  /** Short text for the scenario screen ("500ms", "uniform 10/20"...): SIPp's timeDescr. */
  describe(): string;
  /** The parameters as numbers, for the variables screen's <sample> line: SIPp's textDescr. */
  text(): string;
}

/** C's "%lf" and "%.3lf". */
const lf = (v: number) => v.toFixed(6);
const lf3 = (v: number) => v.toFixed(3);

/** SIPp's time_string(): a pretty-printed duration. */
export function timeString(ms: number): string {
  if (ms < 10000) {
    if (Math.trunc(ms + 0.9999) === Math.trunc(ms)) return `${Math.trunc(ms)}ms`;
    return ms < 1000 ? `${ms.toFixed(2)}ms` : `${ms.toFixed(1)}ms`;
  }
  if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.trunc(ms / 1000);
  const s = total % 60;
  const m = Math.trunc(total / 60);
  if (ms < 3600000) return `${m}:${String(s).padStart(2, '0')}`;
  return `${Math.trunc(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** Standard normal quantile (Acklam's rational approximation). */
function normInv(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (
      (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
      ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1)
    );
  }
  if (q > 1 - 0.02425) return -normInv(1 - q);
  const r = q - 0.5;
  const t = r * r;
  return (
    ((((((a[0]! * t + a[1]!) * t + a[2]!) * t + a[3]!) * t + a[4]!) * t + a[5]!) * r) /
    (((((b[0]! * t + b[1]!) * t + b[2]!) * t + b[3]!) * t + b[4]!) * t + 1)
  );
}

function gaussian(): number {
  let u = 0;
  while (u === 0) u = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * Math.random());
}

/** Marsaglia–Tsang gamma(k, theta). */
function gammaSample(k: number, theta: number): number {
  if (k < 1) return gammaSample(k + 1, theta) * Math.pow(Math.random(), 1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = gaussian();
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const u = Math.random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * theta;
  }
}

function poisson(lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian()));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= Math.random();
  } while (p > l);
  return k - 1;
}

const fixed = (v: number, desc?: string): Distribution => ({
  sample: () => v,
  quantile: () => v,
  describe: () => desc ?? timeString(v),
  text: () => lf(v),
});

export function makeDistribution(name: string, p: Record<string, number>): Distribution | undefined {
  switch (name) {
    case 'fixed':
      return fixed(p.value!);
    case 'uniform': {
      const { min, max } = p as { min: number; max: number };
      return {
        sample: () => min + (max - min) * Math.random(),
        quantile: (q) => min + (max - min) * q,
        describe: () => `${timeString(min)}/${timeString(max)}`,
        text: () => `${lf(min)}/${lf(max)}`,
      };
    }
    case 'normal': {
      const { mean, stdev } = p as { mean: number; stdev: number };
      return {
        sample: () => mean + stdev * gaussian(),
        quantile: (q) => mean + stdev * normInv(q),
        describe: () => `N(${timeString(mean)},${timeString(stdev)})`,
        text: () => `N(${lf3(mean)},${lf3(stdev)})`,
      };
    }
    case 'lognormal': {
      const { mean, stdev } = p as { mean: number; stdev: number };
      return {
        sample: () => Math.exp(mean + stdev * gaussian()),
        quantile: (q) => Math.exp(mean + stdev * normInv(q)),
        describe: () => `LN(${mean},${stdev})`,
        text: () => `LN(${lf3(mean)},${lf3(stdev)})`,
      };
    }
    case 'exponential': {
      const mean = p.mean!;
      return {
        sample: () => -mean * Math.log(1 - Math.random()),
        quantile: (q) => -mean * Math.log(1 - q),
        describe: () => `Exp(${timeString(mean)})`,
        text: () => `Exp(${lf(mean)})`,
      };
    }
    case 'weibull': {
      const { lambda, k } = p as { lambda: number; k: number };
      const inv = (q: number) => lambda * Math.pow(-Math.log(1 - q), 1 / k);
      return {
        sample: () => inv(Math.random()),
        quantile: inv,
        describe: () => `Wb(${lambda},${k})`,
        text: () => `Wb(${lf3(lambda)},${lf3(k)})`,
      };
    }
    case 'pareto': {
      const { k, x_m } = p as { k: number; x_m: number };
      const inv = (q: number) => x_m * Math.pow(1 - q, -1 / k);
      return {
        sample: () => inv(Math.random()),
        quantile: inv,
        describe: () => `P(${k},${x_m})`,
        text: () => `P(${lf3(k)},${lf3(x_m)})`,
      };
    }
    case 'gpareto': {
      const { shape, scale, location } = p as { shape: number; scale: number; location: number };
      const inv = (q: number) =>
        shape === 0 ? location - scale * Math.log(1 - q) : location + (scale * (Math.pow(1 - q, -shape) - 1)) / shape;
      return {
        sample: () => inv(Math.random()),
        quantile: inv,
        describe: () => `GP(${shape},${scale},${location})`,
        // SIPp's CGPareto::textDescr reads "P(", like the plain Pareto.
        text: () => `P(${lf3(shape)},${lf3(scale)},${lf3(location)})`,
      };
    }
    case 'gamma': {
      const { k, theta } = p as { k: number; theta: number };
      // Wilson–Hilferty approximation of the gamma quantile.
      const inv = (q: number) => k * theta * Math.pow(1 - 1 / (9 * k) + normInv(q) * Math.sqrt(1 / (9 * k)), 3);
      return {
        sample: () => gammaSample(k, theta),
        quantile: inv,
        describe: () => `G(${k},${theta})`,
        text: () => `G(${lf3(k)},${lf3(theta)})`,
      };
    }
    case 'negbin': {
      const { n, p: prob } = p as { n: number; p: number };
      const mean = (n * (1 - prob)) / prob;
      const sd = Math.sqrt(mean / prob);
      return {
        sample: () => poisson(gammaSample(n, (1 - prob) / prob)),
        quantile: (q) => Math.max(0, mean + sd * normInv(q)),
        describe: () => `NB(${n},${prob})`,
        // SIPp prints p first, then n.
        text: () => `NB(${lf3(prob)},${lf3(n)})`,
      };
    }
    default:
      return undefined;
  }
}

/** Parameters each distribution needs, for the loader. */
export const DISTRIBUTION_PARAMS: Record<string, string[]> = {
  fixed: ['value'],
  uniform: ['min', 'max'],
  normal: ['mean', 'stdev'],
  lognormal: ['mean', 'stdev'],
  exponential: ['mean'],
  weibull: ['lambda', 'k'],
  pareto: ['k', 'x_m'],
  gpareto: ['shape', 'scale', 'location'],
  gamma: ['k', 'theta'],
  negbin: ['n', 'p'],
};

export { fixed as fixedDistribution };
