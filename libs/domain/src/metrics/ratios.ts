/**
 * Safe ratios for the waterfall (shared/metrics.md, "Waterfall"): every ratio is null when its denominator
 * is 0, never 0 or NaN.
 *
 *   conversion = advanced / entered
 *   leakage    = (rejected + lost) / entered
 *   recycling  = recycled / entered
 *
 * By count the tally holds visit counts; by value it holds the value sums of the same visits.
 */

/** numerator / denominator, or null when the denominator is 0. */
export function safeRatio(numerator: number, denominator: number): number | null {
  if (Number.isNaN(numerator) || Number.isNaN(denominator)) throw new RangeError('ratio of NaN');
  return denominator === 0 ? null : numerator / denominator;
}

/** The exit-kind tally of a stage's visits in a period: counts, or value sums. */
export interface ExitTally {
  readonly entered: number;
  readonly advanced: number;
  readonly recycled: number;
  readonly rejected: number;
  readonly lost: number;
  readonly open: number;
}

export interface StageRatios {
  readonly conversion: number | null;
  readonly leakage: number | null;
  readonly recycling: number | null;
}

export function conversionRatio(tally: ExitTally): number | null {
  return safeRatio(tally.advanced, tally.entered);
}

export function leakageRatio(tally: ExitTally): number | null {
  return safeRatio(tally.rejected + tally.lost, tally.entered);
}

export function recyclingRatio(tally: ExitTally): number | null {
  return safeRatio(tally.recycled, tally.entered);
}

/** conversion, leakage and recycling of one tally. */
export function stageRatios(tally: ExitTally): StageRatios {
  return { conversion: conversionRatio(tally), leakage: leakageRatio(tally), recycling: recyclingRatio(tally) };
}

/** The ratios by count and by value of one stage and period. */
export function stageRatiosByCountAndValue(counts: ExitTally, values: ExitTally): { byCount: StageRatios; byValue: StageRatios } {
  return { byCount: stageRatios(counts), byValue: stageRatios(values) };
}
