import fc from 'fast-check';
import { CalendarConfigError } from './errors.js';
import { PERIOD_GRANULARITIES, nextPeriodStart, periodKey, periodOf, periodStart, periodsBetween, type PeriodGranularity } from './periods.js';
import { localParts } from './zoned-time.js';

const at = (iso: string) => new Date(iso);
const hoursBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 3_600_000;

describe('periods', () => {
  describe('DAY', () => {
    it('given the London spring-forward Sunday, then the day runs 00:00 GMT -> 00:00 BST and lasts 23 h', () => {
      const period = periodOf(at('2024-03-31T12:00:00Z'), 'DAY', 'Europe/London');
      expect(period).toEqual({ granularity: 'DAY', start: at('2024-03-31T00:00:00Z'), end: at('2024-03-31T23:00:00Z'), key: '2024-03-31' });
      expect(hoursBetween(period.start, period.end)).toBe(23);
    });

    it('given the London fall-back Sunday, then the day runs 00:00 BST -> 00:00 GMT and lasts 25 h', () => {
      expect(periodStart(at('2024-10-27T12:00:00Z'), 'DAY', 'Europe/London')).toEqual(at('2024-10-26T23:00:00Z'));
      expect(nextPeriodStart(at('2024-10-27T12:00:00Z'), 'DAY', 'Europe/London')).toEqual(at('2024-10-28T00:00:00Z'));
    });

    it('given an instant just before local midnight in New York, then it belongs to that local day, not the UTC one', () => {
      // 2024-03-06T04:59:59Z is Tue 5 Mar 23:59:59 EST
      expect(periodKey(at('2024-03-06T04:59:59Z'), 'DAY', 'America/New_York')).toBe('2024-03-05');
      expect(periodKey(at('2024-03-06T05:00:00Z'), 'DAY', 'America/New_York')).toBe('2024-03-06');
    });

    it('given America/Santiago where 8 Sep 2024 has no midnight, then that day starts at 01:00 -03 (04:00Z)', () => {
      expect(periodStart(at('2024-09-08T15:00:00Z'), 'DAY', 'America/Santiago')).toEqual(at('2024-09-08T04:00:00Z'));
      expect(nextPeriodStart(at('2024-09-07T15:00:00Z'), 'DAY', 'America/Santiago')).toEqual(at('2024-09-08T04:00:00Z'));
    });
  });

  describe('WEEK (ISO, Monday 00:00)', () => {
    it('given Sunday 10 Mar 2024 in New York (spring-forward), then the week is Mon 4 Mar 00:00 EST -> Mon 11 Mar 00:00 EDT (167 h)', () => {
      const period = periodOf(at('2024-03-10T12:00:00Z'), 'WEEK', 'America/New_York');
      expect(period.start).toEqual(at('2024-03-04T05:00:00Z'));
      expect(period.end).toEqual(at('2024-03-11T04:00:00Z'));
      expect(hoursBetween(period.start, period.end)).toBe(167);
      expect(period.key).toBe('2024-W10');
    });

    it('given the New York fall-back week, then it lasts 169 h', () => {
      const period = periodOf(at('2024-11-01T12:00:00Z'), 'WEEK', 'America/New_York');
      expect(period.start).toEqual(at('2024-10-28T04:00:00Z'));
      expect(period.end).toEqual(at('2024-11-04T05:00:00Z'));
    });

    it('given weeks around new year, then keys use the ISO week-numbering year', () => {
      expect(periodKey(at('2024-12-30T12:00:00Z'), 'WEEK', 'UTC')).toBe('2025-W01');
      expect(periodKey(at('2021-01-03T12:00:00Z'), 'WEEK', 'UTC')).toBe('2020-W53');
      expect(periodKey(at('2021-01-04T12:00:00Z'), 'WEEK', 'UTC')).toBe('2021-W01');
      expect(periodKey(at('2026-12-31T12:00:00Z'), 'WEEK', 'UTC')).toBe('2026-W53');
    });
  });

  describe('MONTH, QUARTER, YEAR', () => {
    it('given March 2024 in London, then the month ends at 1 Apr 00:00 BST (31 Mar 23:00Z)', () => {
      expect(periodOf(at('2024-03-15T12:00:00Z'), 'MONTH', 'Europe/London')).toEqual({
        granularity: 'MONTH', start: at('2024-03-01T00:00:00Z'), end: at('2024-03-31T23:00:00Z'), key: '2024-03',
      });
    });

    it('given November 2024 in New York, then Q4 runs 1 Oct 00:00 EDT -> 1 Jan 00:00 EST', () => {
      expect(periodOf(at('2024-11-15T12:00:00Z'), 'QUARTER', 'America/New_York')).toEqual({
        granularity: 'QUARTER', start: at('2024-10-01T04:00:00Z'), end: at('2025-01-01T05:00:00Z'), key: '2024-Q4',
      });
      expect(periodKey(at('2024-02-29T12:00:00Z'), 'QUARTER', 'UTC')).toBe('2024-Q1');
      expect(periodKey(at('2024-06-30T12:00:00Z'), 'QUARTER', 'UTC')).toBe('2024-Q2');
    });

    it('given New Year in New York, then an instant that is already 2025 in UTC still belongs to 2024 locally', () => {
      expect(periodOf(at('2025-01-01T03:00:00Z'), 'YEAR', 'America/New_York')).toEqual({
        granularity: 'YEAR', start: at('2024-01-01T05:00:00Z'), end: at('2025-01-01T05:00:00Z'), key: '2024',
      });
    });

    it('given a month start exactly, then it is its own period start (half-open), and 1 ms earlier belongs to the previous month', () => {
      const start = at('2024-04-30T23:00:00Z'); // 1 May 00:00 BST
      expect(periodStart(start, 'MONTH', 'Europe/London')).toEqual(start);
      expect(nextPeriodStart(start, 'MONTH', 'Europe/London')).toEqual(at('2024-05-31T23:00:00Z'));
      expect(periodStart(new Date(start.getTime() - 1), 'MONTH', 'Europe/London')).toEqual(at('2024-03-31T23:00:00Z'));
    });
  });

  describe('periodsBetween', () => {
    it('given a range, then it lists the intersecting periods in order', () => {
      const weeks = periodsBetween(at('2024-03-06T00:00:00Z'), at('2024-03-18T00:00:00Z'), 'WEEK', 'Europe/London');
      expect(weeks.map((w) => w.key)).toEqual(['2024-W10', '2024-W11']);
      expect(weeks[1]!.end).toEqual(at('2024-03-18T00:00:00Z'));
      expect(periodsBetween(at('2024-03-06T00:00:00Z'), at('2024-03-06T00:00:00Z'), 'DAY', 'UTC')).toEqual([]);
      expect(periodsBetween(at('2024-01-15T00:00:00Z'), at('2025-01-15T00:00:00Z'), 'QUARTER', 'UTC').map((q) => q.key)).toEqual([
        '2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4', '2025-Q1',
      ]);
    });
  });

  it('given a bad granularity or time zone, then it throws a CalendarConfigError naming the field', () => {
    expect(() => periodStart(at('2024-01-01T00:00:00Z'), 'FORTNIGHT' as PeriodGranularity, 'UTC')).toThrow(CalendarConfigError);
    expect(() => periodStart(at('2024-01-01T00:00:00Z'), 'FORTNIGHT' as PeriodGranularity, 'UTC')).toThrow(/granularity/);
    expect(() => periodStart(at('2024-01-01T00:00:00Z'), 'DAY', 'Nowhere/Special')).toThrow(/timeZone/);
  });

  it('given random instants, granularities and zones, then each lies in [start, end), periods tile, and starts are local midnights on the right weekday/day', () => {
    const zones = ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Auckland'];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...PERIOD_GRANULARITIES), fc.constantFrom(...zones), (ms, g, zone) => {
        const instant = new Date(ms);
        const { start, end } = periodOf(instant, g, zone);
        expect(start.getTime()).toBeLessThanOrEqual(ms);
        expect(end.getTime()).toBeGreaterThan(ms);
        expect(periodStart(end, g, zone)).toEqual(end); // the next period starts where this one ends
        expect(periodStart(new Date(end.getTime() - 1), g, zone)).toEqual(start);
        const p = localParts(start, zone);
        expect([p.hour, p.minute, p.second, p.millisecond]).toEqual([0, 0, 0, 0]); // no midnight gaps in these zones
        if (g === 'WEEK') expect(p.weekday).toBe(1);
        if (g === 'MONTH' || g === 'QUARTER' || g === 'YEAR') expect(p.day).toBe(1);
        if (g === 'QUARTER') expect([1, 4, 7, 10]).toContain(p.month);
        if (g === 'YEAR') expect(p.month).toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});
