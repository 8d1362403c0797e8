/**
 * Calendar periods cut in a time zone, half-open [start, end): local day, ISO week (Monday 00:00), month, quarter
 * and year. A period starts at the first instant of its first local day — local midnight, or the end of the gap
 * where midnight does not exist (America/Santiago's spring-forward Sunday starts at 01:00) — and ends where the
 * next one starts, so periods tile the time line without overlap and DST days are 23 or 25 hours long.
 *
 * Keys: DAY '2024-03-31', WEEK '2024-W13' (ISO week-numbering year, so 2024-12-30 is in '2025-W01'),
 * MONTH '2024-03', QUARTER '2024-Q1', YEAR '2024'.
 */
import { CalendarConfigError } from './errors.js';
import { ZoneDays } from './zone-days.js';
import { civilFromDays, daysFromCivil, formatLocalDate, instantToEpochMs, isoWeekdayOfDay } from './zoned-time.js';

export const PERIOD_GRANULARITIES = ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const;
export type PeriodGranularity = (typeof PERIOD_GRANULARITIES)[number];

export interface Period {
  granularity: PeriodGranularity;
  /** First instant of the period (inclusive). */
  start: Date;
  /** First instant of the next period (exclusive). */
  end: Date;
  /** A stable label, e.g. '2024-W13' (see the file comment). */
  key: string;
}

function checkGranularity(granularity: unknown): PeriodGranularity {
  if (!PERIOD_GRANULARITIES.includes(granularity as PeriodGranularity)) {
    throw new CalendarConfigError('granularity', `expected one of ${PERIOD_GRANULARITIES.join(', ')}, got ${JSON.stringify(granularity)}`);
  }
  return granularity as PeriodGranularity;
}

/** Local day number of the first day of the period containing local day `day`. */
function firstDayOfPeriod(day: number, granularity: PeriodGranularity): number {
  switch (granularity) {
    case 'DAY':
      return day;
    case 'WEEK':
      return day - (isoWeekdayOfDay(day) - 1);
    case 'MONTH': {
      const { year, month } = civilFromDays(day);
      return daysFromCivil(year, month, 1);
    }
    case 'QUARTER': {
      const { year, month } = civilFromDays(day);
      return daysFromCivil(year, month - ((month - 1) % 3), 1);
    }
    case 'YEAR':
      return daysFromCivil(civilFromDays(day).year, 1, 1);
  }
}

/** Local day number of the first day of the period after the one starting on local day `first`. */
function firstDayOfNextPeriod(first: number, granularity: PeriodGranularity): number {
  switch (granularity) {
    case 'DAY':
      return first + 1;
    case 'WEEK':
      return first + 7;
    case 'MONTH':
    case 'QUARTER': {
      const { year, month } = civilFromDays(first);
      return daysFromCivil(year, month + (granularity === 'MONTH' ? 1 : 3), 1);
    }
    case 'YEAR':
      return daysFromCivil(civilFromDays(first).year + 1, 1, 1);
  }
}

function periodKeyOfFirstDay(first: number, granularity: PeriodGranularity): string {
  const date = formatLocalDate(first);
  switch (granularity) {
    case 'DAY':
      return date;
    case 'WEEK': {
      // The ISO week-year is the year of the week's Thursday; week 1 holds that year's first Thursday.
      const thursday = first + 3;
      const isoYear = civilFromDays(thursday).year;
      const week = Math.floor((thursday - daysFromCivil(isoYear, 1, 1)) / 7) + 1;
      return `${String(isoYear).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
    }
    case 'MONTH':
      return date.slice(0, 7);
    case 'QUARTER':
      return `${date.slice(0, 4)}-Q${Math.floor((civilFromDays(first).month - 1) / 3) + 1}`;
    case 'YEAR':
      return date.slice(0, 4);
  }
}

/** Start of the period (of `granularity`, cut in `timeZone`) that contains `instant`. */
export function periodStart(instant: Date, granularity: PeriodGranularity, timeZone: string): Date {
  const zone = ZoneDays.for(timeZone);
  const first = firstDayOfPeriod(zone.dayOf(instantToEpochMs(instant)), checkGranularity(granularity));
  return new Date(zone.dayStart(first));
}

/**
 * Start of the period following the one that contains `instant` (for a period start, the start of the next
 * period, i.e. the exclusive end of the period beginning at `instant`).
 */
export function nextPeriodStart(instant: Date, granularity: PeriodGranularity, timeZone: string): Date {
  const zone = ZoneDays.for(timeZone);
  const g = checkGranularity(granularity);
  const first = firstDayOfPeriod(zone.dayOf(instantToEpochMs(instant)), g);
  return new Date(zone.dayStart(firstDayOfNextPeriod(first, g)));
}

/** The period (start, end, key) containing `instant`. */
export function periodOf(instant: Date, granularity: PeriodGranularity, timeZone: string): Period {
  const zone = ZoneDays.for(timeZone);
  const g = checkGranularity(granularity);
  const first = firstDayOfPeriod(zone.dayOf(instantToEpochMs(instant)), g);
  return {
    granularity: g,
    start: new Date(zone.dayStart(first)),
    end: new Date(zone.dayStart(firstDayOfNextPeriod(first, g))),
    key: periodKeyOfFirstDay(first, g),
  };
}

/** Label of the period containing `instant`, e.g. '2024-Q1'. */
export function periodKey(instant: Date, granularity: PeriodGranularity, timeZone: string): string {
  const zone = ZoneDays.for(timeZone);
  const g = checkGranularity(granularity);
  return periodKeyOfFirstDay(firstDayOfPeriod(zone.dayOf(instantToEpochMs(instant)), g), g);
}

/** The consecutive periods that intersect [from, to) (empty if to <= from), in order. */
export function periodsBetween(from: Date, to: Date, granularity: PeriodGranularity, timeZone: string): Period[] {
  const zone = ZoneDays.for(timeZone);
  const g = checkGranularity(granularity);
  const fromMs = instantToEpochMs(from, 'from');
  const toMs = instantToEpochMs(to, 'to');
  const periods: Period[] = [];
  if (!(toMs > fromMs)) return periods;
  let first = firstDayOfPeriod(zone.dayOf(fromMs), g);
  while (zone.dayStart(first) < toMs) {
    const next = firstDayOfNextPeriod(first, g);
    periods.push({ granularity: g, start: new Date(zone.dayStart(first)), end: new Date(zone.dayStart(next)), key: periodKeyOfFirstDay(first, g) });
    first = next;
  }
  return periods;
}
