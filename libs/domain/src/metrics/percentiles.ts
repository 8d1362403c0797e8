/**
 * Continuous percentiles and duration statistics (shared/metrics.md, "Time").
 *
 * `percentileCont` computes exactly what PostgreSQL `percentile_cont` and pandas `quantile()` (default
 * `linear` interpolation) compute: sort ascending, position = p * (n - 1), then interpolate linearly
 * between the values at floor(position) and ceil(position). The median of an even count is therefore the
 * mean of the two middle values. Empty sets give `null`, never 0.
 */

export interface DurationStats {
  readonly count: number;
  /** p50, continuous; null when count is 0. */
  readonly median: number | null;
  /** Arithmetic mean; null when count is 0. */
  readonly mean: number | null;
  /** p90, continuous; null when count is 0. */
  readonly p90: number | null;
}

function assertFraction(p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile must be between 0 and 1, got ${p}`);
}

function assertNumbers(values: readonly number[]): void {
  for (const v of values) {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`percentile input must be numbers, got ${String(v)}`);
  }
}

/** A sorted copy (ascending, numeric); the input is never mutated. */
function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Interpolates on an already sorted, non-empty array. */
function interpolate(sorted: readonly number[], p: number): number {
  const position = p * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  const a = sorted[lo]!;
  if (lo === hi) return a;
  const b = sorted[hi]!;
  const value = a + (b - a) * (position - lo);
  // Same formula as PostgreSQL; the clamp only guards against a last-ulp overshoot of floating point.
  return Math.min(Math.max(value, a), b);
}

/**
 * The continuous percentile `p` (0..1) of `values` (sorted or not), or null for an empty set.
 * Throws RangeError for p outside [0, 1] or NaN values.
 */
export function percentileCont(sortedOrUnsorted: readonly number[], p: number): number | null {
  assertFraction(p);
  assertNumbers(sortedOrUnsorted);
  if (sortedOrUnsorted.length === 0) return null;
  return interpolate(sortedCopy(sortedOrUnsorted), p);
}

/** Arithmetic mean, or null for an empty set. */
export function arithmeticMean(values: readonly number[]): number | null {
  assertNumbers(values);
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** count, median (p50), mean and p90 of durations (or any values); the statistics are null when count is 0. */
export function durationStats(values: readonly number[]): DurationStats {
  assertNumbers(values);
  if (values.length === 0) return { count: 0, median: null, mean: null, p90: null };
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    median: interpolate(sorted, 0.5),
    mean: arithmeticMean(sorted),
    p90: interpolate(sorted, 0.9),
  };
}
