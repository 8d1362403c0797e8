import { ValidationError } from '../shared/errors.js';
import { CalendarConfigError } from './errors.js';
import { WorkingCalendar, type WorkingCalendarOptions } from './working-calendar.js';

const at = (iso: string) => new Date(iso);
const H = 3600;
const DAY = 24 * H;

// March 2024 (UTC): Fri 1, Sat 2, Sun 3, Mon 4, Tue 5, Wed 6, Thu 7, Fri 8, Sat 9, Sun 10, Mon 11, Tue 12.
describe('WorkingCalendar (UTC, whole days)', () => {
  const cal = new WorkingCalendar({ timeZone: 'UTC' });

  it('given the defaults, then it is UTC with a Saturday/Sunday weekend and 24-hour standard days', () => {
    const byDefault = new WorkingCalendar();
    expect(byDefault.timeZone).toBe('UTC');
    expect(byDefault.weekendDays).toEqual([6, 7]);
    expect(byDefault.holidays).toEqual([]);
    expect(byDefault.businessHours).toBeNull();
    expect(byDefault.standardDaySeconds).toBe(DAY);
  });

  describe('isWorkingDay', () => {
    it('given weekdays and weekend days, when asked, then only Monday-Friday are working days', () => {
      expect(['2024-03-01', '2024-03-04', '2024-03-08'].map((d) => cal.isWorkingDay(d))).toEqual([true, true, true]);
      expect(['2024-03-02', '2024-03-03'].map((d) => cal.isWorkingDay(d))).toEqual([false, false]);
    });

    it('given a holiday list, when asked about a listed weekday, then it is not a working day', () => {
      const withHoliday = new WorkingCalendar({ holidays: ['2024-03-04'] });
      expect(withHoliday.isWorkingDay('2024-03-04')).toBe(false);
      expect(withHoliday.isWorkingDay('2024-03-05')).toBe(true);
    });

    it('given custom weekend days (Friday/Saturday), when asked, then Sunday works and Friday does not', () => {
      const gulf = new WorkingCalendar({ weekendDays: [5, 6] });
      expect(gulf.isWorkingDay('2024-03-01')).toBe(false);
      expect(gulf.isWorkingDay('2024-03-03')).toBe(true);
    });

    it('given a malformed date, when asked, then it throws', () => {
      expect(() => cal.isWorkingDay('2024-3-1')).toThrow(RangeError);
      expect(() => cal.isWorkingDay('2024-02-30')).toThrow(/valid local date/);
    });
  });

  describe('addWorkingDays (the metrics.md examples)', () => {
    it('given a hand-off Friday 15:00, when N=5, then it is due next Friday 15:00', () => {
      expect(cal.addWorkingDays(at('2024-03-01T15:00:00Z'), 5)).toEqual(at('2024-03-08T15:00:00Z'));
    });

    it('given a hand-off Saturday 10:00, when N=5, then the clock starts Monday 00:00 and it is due Saturday 00:00 (end of Friday)', () => {
      expect(cal.nextWorkingInstant(at('2024-03-02T10:00:00Z'))).toEqual(at('2024-03-04T00:00:00Z'));
      expect(cal.addWorkingDays(at('2024-03-02T10:00:00Z'), 5)).toEqual(at('2024-03-09T00:00:00Z'));
    });

    it('given a hand-off exactly Monday 00:00, when N=5, then it is due at the end of Friday like a weekend hand-off', () => {
      expect(cal.addWorkingDays(at('2024-03-04T00:00:00Z'), 5)).toEqual(at('2024-03-09T00:00:00Z'));
    });

    it('given a hand-off Friday 23:59:59.999, when N=1, then it is due Monday 23:59:59.999', () => {
      expect(cal.addWorkingDays(at('2024-03-01T23:59:59.999Z'), 1)).toEqual(at('2024-03-04T23:59:59.999Z'));
    });

    it('given N=0, when adding, then the start is returned unchanged (even on a weekend)', () => {
      expect(cal.addWorkingDays(at('2024-03-02T10:00:00Z'), 0)).toEqual(at('2024-03-02T10:00:00Z'));
    });

    it('given a hand-off Wednesday 12:00, when N=10, then it is due two weeks later at 12:00', () => {
      expect(cal.addWorkingDays(at('2024-03-06T12:00:00Z'), 10)).toEqual(at('2024-03-20T12:00:00Z'));
    });

    it('given a negative or non-finite N or an invalid Date, when adding, then it throws a RangeError', () => {
      expect(() => cal.addWorkingDays(at('2024-03-01T15:00:00Z'), -1)).toThrow(RangeError);
      expect(() => cal.addWorkingDays(at('2024-03-01T15:00:00Z'), Number.NaN)).toThrow(RangeError);
      expect(() => cal.addWorkingDays(at('2024-03-01T15:00:00Z'), Number.POSITIVE_INFINITY)).toThrow(RangeError);
      expect(() => cal.addWorkingDays(new Date(NaN), 1)).toThrow(/valid Date/);
    });

    it('given a fractional N=1.5 from Friday 15:00, when adding, then whole days go first (Monday 15:00) and then 12 working hours (Tuesday 03:00)', () => {
      expect(cal.addWorkingDays(at('2024-03-01T15:00:00Z'), 1.5)).toEqual(at('2024-03-05T03:00:00Z'));
      expect(cal.workingSecondsBetween(at('2024-03-01T15:00:00Z'), at('2024-03-05T03:00:00Z'))).toBe(1.5 * DAY);
    });

    it('given a fractional N=0.25 on Saturday, when adding, then the quarter day starts counting Monday 00:00 (due Monday 06:00)', () => {
      expect(cal.addWorkingDays(at('2024-03-02T10:00:00Z'), 0.25)).toEqual(at('2024-03-04T06:00:00Z'));
    });

    it('given a fractional N=5.5 on Saturday, when adding, then it is due the Monday after the end of Friday at 12:00', () => {
      expect(cal.addWorkingDays(at('2024-03-02T10:00:00Z'), 5.5)).toEqual(at('2024-03-11T12:00:00Z'));
    });
  });

  describe('addWorkingDays across holidays', () => {
    const holidays = new WorkingCalendar({ holidays: ['2024-03-04'] }); // Monday 4 March

    it('given a Monday holiday after a Friday 15:00 hand-off, when N=5, then the due time moves one working day to Monday 15:00', () => {
      // Fri 1 (from 15:00) -> Tue 5, Wed 6, Thu 7, Fri 8, Mon 11 (Mon 4 skipped)
      expect(holidays.addWorkingDays(at('2024-03-01T15:00:00Z'), 5)).toEqual(at('2024-03-11T15:00:00Z'));
    });

    it('given a hand-off ON the holiday, when N=5, then the clock starts Tuesday 00:00 and it is due at the end of the following Monday', () => {
      expect(holidays.nextWorkingInstant(at('2024-03-04T10:00:00Z'))).toEqual(at('2024-03-05T00:00:00Z'));
      // Tue 5, Wed 6, Thu 7, Fri 8, Mon 11 -> close of Mon 11 = Tue 12 00:00
      expect(holidays.addWorkingDays(at('2024-03-04T10:00:00Z'), 5)).toEqual(at('2024-03-12T00:00:00Z'));
    });

    it('given a holiday right after the weekend, when a hand-off is on Saturday, then the clock starts Tuesday 00:00', () => {
      expect(holidays.addWorkingDays(at('2024-03-02T10:00:00Z'), 1)).toEqual(at('2024-03-06T00:00:00Z'));
    });

    it('given consecutive holidays, when N=1 from Thursday 09:00, then all of them are skipped', () => {
      const easter = new WorkingCalendar({ holidays: ['2024-03-29', '2024-04-01'] }); // Good Friday, Easter Monday
      expect(easter.addWorkingDays(at('2024-03-28T09:00:00Z'), 1)).toEqual(at('2024-04-02T09:00:00Z'));
    });
  });

  describe('workingSecondsBetween', () => {
    it('given a Friday 15:00 hand-off and its due time, then exactly 5 standard days of working time elapsed', () => {
      expect(cal.workingSecondsBetween(at('2024-03-01T15:00:00Z'), at('2024-03-08T15:00:00Z'))).toBe(5 * DAY);
      expect(cal.workingSecondsBetween(at('2024-03-02T10:00:00Z'), at('2024-03-09T00:00:00Z'))).toBe(5 * DAY);
    });

    it('given a span entirely inside a weekend, then it is 0', () => {
      expect(cal.workingSecondsBetween(at('2024-03-02T00:00:00Z'), at('2024-03-04T00:00:00Z'))).toBe(0);
      expect(cal.workingSecondsBetween(at('2024-03-02T10:00:00Z'), at('2024-03-03T20:00:00Z'))).toBe(0);
    });

    it('given end <= start, then it is 0', () => {
      expect(cal.workingSecondsBetween(at('2024-03-05T10:00:00Z'), at('2024-03-05T10:00:00Z'))).toBe(0);
      expect(cal.workingSecondsBetween(at('2024-03-05T10:00:00Z'), at('2024-03-04T10:00:00Z'))).toBe(0);
    });

    it('given a span within one working day, then it is the plain elapsed time (with milliseconds)', () => {
      expect(cal.workingSecondsBetween(at('2024-03-05T10:00:00Z'), at('2024-03-05T10:00:01.500Z'))).toBe(1.5);
    });

    it('given a span across a weekend, then the weekend does not count', () => {
      // Fri 15:00-24:00 = 9 h, Mon 00:00-15:00 = 15 h
      expect(cal.workingSecondsBetween(at('2024-03-01T15:00:00Z'), at('2024-03-04T15:00:00Z'))).toBe(24 * H);
    });

    it('given a span across a Monday holiday, then the holiday does not count either', () => {
      const holidays = new WorkingCalendar({ holidays: ['2024-03-04'] });
      // Fri 15:00-24:00 = 9 h, Tue 00:00-15:00 = 15 h
      expect(holidays.workingSecondsBetween(at('2024-03-01T15:00:00Z'), at('2024-03-05T15:00:00Z'))).toBe(24 * H);
      expect(holidays.workingSecondsBetween(at('2024-03-04T01:00:00Z'), at('2024-03-04T23:00:00Z'))).toBe(0);
    });

    it('given a span of several years, then it counts 261-262 working days a year without looping per minute', () => {
      // 2024 (leap year, starts Monday): 366 days = 52 weeks + Mon, Tue -> 262 working days
      expect(cal.workingSecondsBetween(at('2024-01-01T00:00:00Z'), at('2025-01-01T00:00:00Z'))).toBe(262 * DAY);
      // 2025 (starts Wednesday): 365 days = 52 weeks + Wed -> 261 working days
      expect(cal.workingSecondsBetween(at('2025-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'))).toBe(261 * DAY);
    });
  });

  describe('addWorkingSeconds', () => {
    it('given 5 standard days of working seconds, then it lands where addWorkingDays lands', () => {
      expect(cal.addWorkingSeconds(at('2024-03-01T15:00:00Z'), 5 * DAY)).toEqual(at('2024-03-08T15:00:00Z'));
      expect(cal.addWorkingSeconds(at('2024-03-02T10:00:00Z'), 5 * DAY)).toEqual(at('2024-03-09T00:00:00Z'));
    });

    it('given half a working day from Friday 18:00, then it lands on Monday 06:00', () => {
      expect(cal.addWorkingSeconds(at('2024-03-01T18:00:00Z'), 12 * H)).toEqual(at('2024-03-04T06:00:00Z'));
    });

    it('given a year of working seconds, then it skips whole blocks and lands on the right day', () => {
      expect(cal.addWorkingSeconds(at('2024-01-01T00:00:00Z'), 262 * DAY)).toEqual(at('2025-01-01T00:00:00Z'));
    });
  });
});

describe('WorkingCalendar (UTC, business hours 09:00-17:00)', () => {
  const cal = new WorkingCalendar({ timeZone: 'UTC', businessHours: { start: '09:00', end: '17:00' } });

  it('given business hours, then the standard day is 8 hours', () => {
    expect(cal.standardDaySeconds).toBe(8 * H);
    expect(cal.workingIntervalsOn('2024-03-05')).toEqual([{ start: at('2024-03-05T09:00:00Z'), end: at('2024-03-05T17:00:00Z') }]);
    expect(cal.workingIntervalsOn('2024-03-02')).toEqual([]);
  });

  it('given a hand-off Friday 16:00, when N=1, then it is due Monday 16:00', () => {
    expect(cal.addWorkingDays(at('2024-03-01T16:00:00Z'), 1)).toEqual(at('2024-03-04T16:00:00Z'));
    expect(cal.workingSecondsBetween(at('2024-03-01T16:00:00Z'), at('2024-03-04T16:00:00Z'))).toBe(8 * H);
  });

  it('given a hand-off Friday 18:00 (after hours), when N=1, then the clock starts Monday 09:00 and it is due Monday 17:00', () => {
    expect(cal.nextWorkingInstant(at('2024-03-01T18:00:00Z'))).toEqual(at('2024-03-04T09:00:00Z'));
    expect(cal.addWorkingDays(at('2024-03-01T18:00:00Z'), 1)).toEqual(at('2024-03-04T17:00:00Z'));
  });

  it('given a hand-off exactly at 17:00 closing, when N=1, then it counts like after hours', () => {
    expect(cal.isWorkingInstant(at('2024-03-01T17:00:00Z'))).toBe(false);
    expect(cal.addWorkingDays(at('2024-03-01T17:00:00Z'), 1)).toEqual(at('2024-03-04T17:00:00Z'));
  });

  it('given a hand-off Tuesday 07:00 (before hours), when N=1 and N=2, then the clock starts 09:00 the same day', () => {
    expect(cal.nextWorkingInstant(at('2024-03-05T07:00:00Z'))).toEqual(at('2024-03-05T09:00:00Z'));
    expect(cal.addWorkingDays(at('2024-03-05T07:00:00Z'), 1)).toEqual(at('2024-03-05T17:00:00Z'));
    expect(cal.addWorkingDays(at('2024-03-05T07:00:00Z'), 2)).toEqual(at('2024-03-06T17:00:00Z'));
  });

  it('given a hand-off Friday 16:00, when N=1.5, then it is due Monday 16:00 + 4 working hours = Tuesday 12:00', () => {
    expect(cal.addWorkingDays(at('2024-03-01T16:00:00Z'), 1.5)).toEqual(at('2024-03-05T12:00:00Z'));
    expect(cal.workingSecondsBetween(at('2024-03-01T16:00:00Z'), at('2024-03-05T12:00:00Z'))).toBe(12 * H);
  });

  it('given a hand-off Friday 15:00, when N=5, then it is due next Friday 15:00', () => {
    expect(cal.addWorkingDays(at('2024-03-01T15:00:00Z'), 5)).toEqual(at('2024-03-08T15:00:00Z'));
    expect(cal.workingSecondsBetween(at('2024-03-01T15:00:00Z'), at('2024-03-08T15:00:00Z'))).toBe(5 * 8 * H);
  });

  it('given business hours and a Monday holiday, when a hand-off is Friday 16:00 with N=1, then it is due Tuesday 16:00', () => {
    const holidays = new WorkingCalendar({ businessHours: { start: '09:00', end: '17:00' }, holidays: ['2024-03-04'] });
    expect(holidays.addWorkingDays(at('2024-03-01T16:00:00Z'), 1)).toEqual(at('2024-03-05T16:00:00Z'));
    expect(holidays.workingSecondsBetween(at('2024-03-01T16:00:00Z'), at('2024-03-05T16:00:00Z'))).toBe(8 * H);
  });

  it('given spans outside business hours, then workingSecondsBetween counts only 09:00-17:00 on working days', () => {
    // Fri 16:00-17:00 = 1 h, Mon 09:00-10:00 = 1 h
    expect(cal.workingSecondsBetween(at('2024-03-01T16:00:00Z'), at('2024-03-04T10:00:00Z'))).toBe(2 * H);
    // Overnight Tue 17:00 -> Wed 09:00 = 0
    expect(cal.workingSecondsBetween(at('2024-03-05T17:00:00Z'), at('2024-03-06T09:00:00Z'))).toBe(0);
    // Whole week Mon 00:00 -> next Mon 00:00 = 5 x 8 h
    expect(cal.workingSecondsBetween(at('2024-03-04T00:00:00Z'), at('2024-03-11T00:00:00Z'))).toBe(40 * H);
  });

  it("given an end of '24:00', then the working interval runs to the next local midnight", () => {
    const late = new WorkingCalendar({ businessHours: { start: '12:00', end: '24:00' } });
    expect(late.standardDaySeconds).toBe(12 * H);
    expect(late.workingIntervalsOn('2024-03-05')).toEqual([{ start: at('2024-03-05T12:00:00Z'), end: at('2024-03-06T00:00:00Z') }]);
    expect(late.addWorkingDays(at('2024-03-01T18:00:00Z'), 1)).toEqual(at('2024-03-04T18:00:00Z'));
  });
});

describe('WorkingCalendar options validation', () => {
  const configError = (options: unknown, field: string) => {
    let error: unknown;
    try {
      new WorkingCalendar(options as WorkingCalendarOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CalendarConfigError);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as CalendarConfigError).field).toBe(field);
    expect((error as CalendarConfigError).code).toBe('BAD_USER_INPUT');
    expect((error as Error).message).toContain(field);
    return error as CalendarConfigError;
  };

  it('given an unknown time zone, then it throws a CalendarConfigError naming timeZone', () => {
    expect(configError({ timeZone: 'Mars/Olympus_Mons' }, 'timeZone').message).toContain('Mars/Olympus_Mons');
    configError({ timeZone: '' }, 'timeZone');
    configError({ timeZone: 42 }, 'timeZone');
  });

  it('given a time zone alias in another case, then it is accepted and canonicalised', () => {
    expect(new WorkingCalendar({ timeZone: 'utc' }).timeZone).toBe('UTC');
    expect(new WorkingCalendar({ timeZone: 'europe/london' }).timeZone).toBe('Europe/London');
  });

  it('given malformed or impossible holiday dates, then it names the holiday entry', () => {
    configError({ holidays: ['2024-01-01', '2024-02-30'] }, 'holidays[1]');
    configError({ holidays: ['2024-1-1'] }, 'holidays[0]');
    configError({ holidays: ['2024-01-01T00:00:00Z'] }, 'holidays[0]');
    configError({ holidays: [20240101] }, 'holidays[0]');
    configError({ holidays: '2024-01-01' }, 'holidays');
  });

  it('given bad business hours, then it names the business-hours field', () => {
    configError({ businessHours: { start: '9:00', end: '17:00' } }, 'businessHours.start');
    configError({ businessHours: { start: '09:00', end: '25:00' } }, 'businessHours.end');
    configError({ businessHours: { start: '24:00', end: '24:00' } }, 'businessHours.start');
    configError({ businessHours: { start: '09:60', end: '17:00' } }, 'businessHours.start');
    configError({ businessHours: { start: '17:00', end: '09:00' } }, 'businessHours');
    configError({ businessHours: { start: '09:00', end: '09:00' } }, 'businessHours');
    configError({ businessHours: 'nine to five' }, 'businessHours');
  });

  it('given bad weekend days, then it names the entry, and a week with no working day is refused', () => {
    configError({ weekendDays: [0] }, 'weekendDays[0]');
    configError({ weekendDays: [6, 8] }, 'weekendDays[1]');
    configError({ weekendDays: [6.5] }, 'weekendDays[0]');
    configError({ weekendDays: [1, 2, 3, 4, 5, 6, 7] }, 'weekendDays');
  });

  it('given duplicate holidays and weekend days, then they are normalised', () => {
    const cal = new WorkingCalendar({ weekendDays: [7, 6, 6], holidays: ['2024-12-25', '2024-01-01', '2024-12-25'] });
    expect(cal.weekendDays).toEqual([6, 7]);
    expect(cal.holidays).toEqual(['2024-01-01', '2024-12-25']);
  });
});
