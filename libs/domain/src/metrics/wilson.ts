/**
 * Wilson score intervals for rates (shared/metrics.md, "Per-source comparison"): 95% by default
 * (z = 1.959964); no interval (null) when the denominator is 0.
 *
 *   p = successes / trials, z2 = z * z
 *   centre    = (p + z2 / (2n)) / (1 + z2 / n)
 *   halfWidth = z * sqrt(p (1 - p) / n + z2 / (4 n^2)) / (1 + z2 / n)
 *   interval  = [centre - halfWidth, centre + halfWidth], clamped to [0, 1] against rounding.
 */

export const WILSON_Z_95 = 1.959964;

export interface WilsonInterval {
  readonly low: number;
  readonly high: number;
}

export interface ConversionRate {
  readonly from: string;
  readonly to: string;
  /** successes / trials; null when trials is 0. */
  readonly rate: number | null;
  /** Wilson lower bound; null when trials is 0. */
  readonly low: number | null;
  /** Wilson upper bound; null when trials is 0. */
  readonly high: number | null;
}

function assertCounts(successes: number, trials: number): void {
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`trials must be a non-negative integer, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`successes must be an integer between 0 and trials (${trials}), got ${successes}`);
  }
}

/** The Wilson score interval of successes / trials, or null when trials is 0. */
export function wilsonInterval(successes: number, trials: number, z: number = WILSON_Z_95): WilsonInterval | null {
  assertCounts(successes, trials);
  if (!(z > 0) || !Number.isFinite(z)) throw new RangeError(`z must be a positive finite number, got ${z}`);
  if (trials === 0) return null;
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // The exact bounds are 0 at successes = 0 and 1 at successes = trials; pin them so rounding never
  // leaves a -1e-17 or a rate outside its own interval.
  const low = successes === 0 ? 0 : Math.min(p, Math.max(0, centre - halfWidth));
  const high = successes === trials ? 1 : Math.max(p, Math.min(1, centre + halfWidth));
  return { low, high };
}

/** A step rate from -> to with its Wilson interval; rate, low and high are null when trials is 0. */
export function conversionRate(from: string, to: string, successes: number, trials: number, z: number = WILSON_Z_95): ConversionRate {
  const interval = wilsonInterval(successes, trials, z);
  if (interval === null) return { from, to, rate: null, low: null, high: null };
  return { from, to, rate: successes / trials, low: interval.low, high: interval.high };
}
