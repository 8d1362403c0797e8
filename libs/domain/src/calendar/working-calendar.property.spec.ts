import fc from 'fast-check';
import { WorkingCalendar, type WorkingCalendarOptions } from './working-calendar.js';
import { formatLocalDate, localParts } from './zoned-time.js';

const QUARTER_HOUR = 15 * 60_000;
const FROM = Date.UTC(2020, 0, 1);
const TO = Date.UTC(2030, 0, 1);

/** Instants 2020-2029 with millisecond precision. */
const instant = fc.integer({ min: FROM, max: TO }).map((ms) => new Date(ms));
/** Instants on a UTC quarter-hour grid (every tz offset and transition used here is a multiple of 15 minutes). */
const quarterHour = fc.integer({ min: FROM / QUARTER_HOUR, max: TO / QUARTER_HOUR }).map((q) => new Date(q * QUARTER_HOUR));
/** Up to 40 holidays (any day of the week) in 2020-2029, as local dates. */
const holidays = fc.array(fc.integer({ min: 18262, max: 21914 }).map(formatLocalDate), { maxLength: 40 });
const days = fc.integer({ min: 0, max: 15 });

const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Auckland'];
const nineToFive = { start: '09:00', end: '17:00' };

const due = (cal: WorkingCalendar, start: Date, n: number) => cal.addWorkingDays(start, n);

describe('WorkingCalendar properties', () => {
  it('given UTC whole days and any holidays, when adding N working days, then exactly N x 24 h of working time elapses and addWorkingSeconds agrees', () => {
    fc.assert(
      fc.property(instant, days, holidays, (start, n, hs) => {
        const cal = new WorkingCalendar({ timeZone: 'UTC', holidays: hs });
        const end = due(cal, start, n);
        expect(cal.workingSecondsBetween(start, end)).toBe(n * 86_400);
        expect(cal.addWorkingSeconds(start, n * 86_400)).toEqual(end);
      }),
      { numRuns: 400 },
    );
  });

  it('given business hours 09:00-17:00 in any zone (DST changes happen outside them), when adding N working days, then exactly N x 8 h elapses', () => {
    fc.assert(
      fc.property(instant, days, holidays, fc.constantFrom(...ZONES), (start, n, hs, timeZone) => {
        const cal = new WorkingCalendar({ timeZone, holidays: hs, businessHours: nineToFive });
        const end = due(cal, start, n);
        expect(cal.workingSecondsBetween(start, end)).toBe(n * 8 * 3600);
        expect(cal.addWorkingSeconds(start, n * 8 * 3600)).toEqual(end);
      }),
      { numRuns: 400 },
    );
  });

  it('given fractional N (millisecond precision), when adding in UTC or with business hours anywhere, then N x standard day of working time elapses', () => {
    fc.assert(
      fc.property(instant, fc.double({ min: 0, max: 12, noNaN: true }), holidays, fc.constantFrom(...ZONES), fc.boolean(), (start, n, hs, zone, withHours) => {
        const cal = new WorkingCalendar({ timeZone: withHours ? zone : 'UTC', holidays: hs, businessHours: withHours ? nineToFive : null });
        const end = due(cal, start, n);
        expect(cal.workingSecondsBetween(start, end)).toBe(Math.round(n * cal.standardDaySeconds * 1000) / 1000);
        expect(due(cal, start, Math.floor(n)).getTime()).toBeLessThanOrEqual(end.getTime());
      }),
      { numRuns: 400 },
    );
  });

  it('given London or New York whole days with a Monday-Friday week (DST changes fall on Sundays), when adding N working days, then exactly N x 24 h elapses', () => {
    fc.assert(
      fc.property(instant, days, holidays, fc.constantFrom('Europe/London', 'America/New_York'), (start, n, hs, timeZone) => {
        const cal = new WorkingCalendar({ timeZone, holidays: hs });
        expect(cal.workingSecondsBetween(start, due(cal, start, n))).toBe(n * 86_400);
      }),
      { numRuns: 300 },
    );
  });

  it('given a 7-day London week (DST changes on working days), when adding N <= 15 working days, then working time is N x 24 h within one hour (DST caveat)', () => {
    const cal = new WorkingCalendar({ timeZone: 'Europe/London', weekendDays: [] });
    fc.assert(
      fc.property(instant, days, (start, n) => {
        const worked = cal.workingSecondsBetween(start, due(cal, start, n));
        expect(Math.abs(worked - n * 86_400)).toBeLessThanOrEqual(3600);
      }),
      { numRuns: 300 },
    );
  });

  it('given any calendar, when adding N working days, then the due time is not before the start, ends inside working time and grows strictly with N', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 15 }), holidays, fc.constantFrom(...ZONES), fc.boolean(), (start, n, hs, timeZone, withHours) => {
        const cal = new WorkingCalendar({ timeZone, holidays: hs, businessHours: withHours ? nineToFive : null });
        const end = due(cal, start, n);
        expect(end.getTime()).toBeGreaterThan(start.getTime());
        expect(cal.isWorkingInstant(new Date(end.getTime() - 1))).toBe(true);
        expect(due(cal, start, n + 1).getTime()).toBeGreaterThan(end.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('given a Monday-Friday calendar, when the start moves later, then the due time never moves earlier (monotonicity)', () => {
    fc.assert(
      fc.property(instant, instant, days, holidays, fc.constantFrom(...ZONES), fc.boolean(), (a, b, n, hs, timeZone, withHours) => {
        const cal = new WorkingCalendar({ timeZone, holidays: hs, businessHours: withHours ? nineToFive : null });
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(due(cal, early, n).getTime()).toBeLessThanOrEqual(due(cal, late, n).getTime());
      }),
      { numRuns: 400 },
    );
  });

  it('given three ordered instants, then working time is additive, monotonic and never more than the elapsed time', () => {
    const span = fc.integer({ min: 0, max: 40 * 86_400_000 });
    fc.assert(
      fc.property(instant, span, span, holidays, fc.constantFrom(...ZONES), fc.boolean(), (a, d1, d2, hs, timeZone, withHours) => {
        const cal = new WorkingCalendar({ timeZone, holidays: hs, businessHours: withHours ? nineToFive : null });
        const b = new Date(a.getTime() + d1);
        const c = new Date(b.getTime() + d2);
        const ab = cal.workingSecondsBetween(a, b);
        const bc = cal.workingSecondsBetween(b, c);
        expect(cal.workingSecondsBetween(a, c)).toBeCloseTo(ab + bc, 6);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(d1 / 1000);
        expect(cal.workingSecondsBetween(c, a)).toBe(0);
      }),
      { numRuns: 400 },
    );
  });

  it('given random calendars, when compared with a brute-force quarter-hour oracle built on localParts, then workingSecondsBetween matches exactly (across DST too)', () => {
    const quarter = fc.integer({ min: 0, max: 95 });
    const hours = fc.option(
      fc.tuple(quarter, quarter).filter(([s, e]) => s !== e).map(([s, e]) => {
        const hhmm = (q: number) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`;
        const [lo, hi] = s < e ? [s, e] : [e, s];
        return { start: hhmm(lo), end: hi === 96 ? '24:00' : hhmm(hi) };
      }),
      { nil: null },
    );
    const weekend = fc.subarray([1, 2, 3, 4, 5, 6, 7], { maxLength: 6 });
    fc.assert(
      fc.property(quarterHour, fc.integer({ min: 0, max: 8 * 96 }), fc.constantFrom(...ZONES), hours, weekend, holidays, (start, quarters, timeZone, businessHours, weekendDays, hs) => {
        const options: WorkingCalendarOptions = { timeZone, businessHours, weekendDays, holidays: hs };
        const cal = new WorkingCalendar(options);
        const end = new Date(start.getTime() + quarters * QUARTER_HOUR);
        const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
        const [open, close] = businessHours ? [toMinutes(businessHours.start), toMinutes(businessHours.end)] : [0, 24 * 60];
        let expected = 0;
        for (let t = start.getTime(); t < end.getTime(); t += QUARTER_HOUR) {
          const p = localParts(t, timeZone);
          const date = `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
          const minute = p.hour * 60 + p.minute;
          if (!weekendDays.includes(p.weekday) && !hs.includes(date) && minute >= open && minute < close) expected += 900;
        }
        expect(cal.workingSecondsBetween(start, end)).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });
});
