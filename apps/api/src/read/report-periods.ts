import { ValidationError, periodStart, periodsBetween, type Period, type PeriodGranularity } from '../../../../libs/domain/src/index.js';

/** The most periods one report answers (e.g. ~2.7 years of days); beyond, the caller picks a coarser granularity. */
export const MAX_REPORT_PERIODS = 1000;

/** The shortest a period of each granularity can be (DST days are 23 hours): bounds the count before generating. */
const HOUR_MS = 3_600_000;
const MIN_PERIOD_MS: Record<PeriodGranularity, number> = {
  DAY: 23 * HOUR_MS,
  WEEK: 7 * 24 * HOUR_MS - HOUR_MS,
  MONTH: 28 * 24 * HOUR_MS - HOUR_MS,
  QUARTER: 89 * 24 * HOUR_MS - HOUR_MS,
  YEAR: 365 * 24 * HOUR_MS - HOUR_MS,
};

/** Every read query's range is half-open [from, to) and must not be empty (BAD_USER_INPUT on `to`). */
export function assertReportRange(from: Date, to: Date): void {
  if (!(from instanceof Date) || Number.isNaN(from.getTime())) throw new ValidationError('from', 'from must be a valid date-time');
  if (!(to instanceof Date) || Number.isNaN(to.getTime())) throw new ValidationError('to', 'to must be a valid date-time');
  if (!(from.getTime() < to.getTime())) {
    throw new ValidationError('to', `to (${to.toISOString()}) must be later than from (${from.toISOString()}): periods are half-open [from, to)`);
  }
}

/** The periods overlapping [from, to), cut in the definition's time zone; at most MAX_REPORT_PERIODS of them. */
export function reportPeriods(from: Date, to: Date, granularity: PeriodGranularity, timeZone: string): Period[] {
  assertReportRange(from, to);
  const tooMany = () =>
    new ValidationError('granularity', `[from, to) spans more than ${MAX_REPORT_PERIODS} ${granularity} periods; narrow the range or choose a coarser granularity`);
  // Refuse absurd ranges before generating their periods.
  if ((to.getTime() - from.getTime()) / MIN_PERIOD_MS[granularity] > MAX_REPORT_PERIODS + 2) throw tooMany();
  const periods = periodsBetween(from, to, granularity, timeZone);
  if (periods.length > MAX_REPORT_PERIODS) throw tooMany();
  return periods;
}

/**
 * Whether [from, to) is made of whole local days of `timeZone`: then every (clipped) period is a range of day
 * starts, and the daily aggregates answer exactly; otherwise the queries fall back to the row tables.
 */
export function isWholeLocalDays(from: Date, to: Date, timeZone: string): boolean {
  return periodStart(from, 'DAY', timeZone).getTime() === from.getTime() && periodStart(to, 'DAY', timeZone).getTime() === to.getTime();
}

/**
 * The periods' bounds clipped to [from, to): periods are reported whole, but only what happened inside the
 * requested range is counted, so the first and last buckets start and end at `from` and `to`.
 */
export function clippedBounds(periods: readonly Period[], from: Date, to: Date): { starts: Date[]; ends: Date[] } {
  const clip = (date: Date) => new Date(Math.min(Math.max(date.getTime(), from.getTime()), to.getTime()));
  return { starts: periods.map((p) => clip(p.start)), ends: periods.map((p) => clip(p.end)) };
}
