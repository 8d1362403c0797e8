import fc from 'fast-check';
import { CalendarConfigError } from './errors.js';
import {
  canonicalTimeZone,
  civilFromDays,
  daysFromCivil,
  formatLocalDate,
  isValidTimeZone,
  isoWeekdayOfDay,
  localParts,
  parseLocalDate,
  timeZoneOffsetMs,
  zonedTimeToInstant,
} from './zoned-time.js';

const at = (iso: string) => new Date(iso);
const H = 3_600_000;

describe('civil-date arithmetic', () => {
  it('given known dates, then day numbers and ISO weekdays match', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2024, 3, 1)).toBe(Date.UTC(2024, 2, 1) / 86_400_000);
    expect(daysFromCivil(2024, 13, 1)).toBe(daysFromCivil(2025, 1, 1));
    expect(daysFromCivil(2024, 0, 1)).toBe(daysFromCivil(2023, 12, 1));
    expect(isoWeekdayOfDay(0)).toBe(4); // Thursday
    expect(isoWeekdayOfDay(daysFromCivil(2024, 3, 4))).toBe(1); // Monday
    expect(isoWeekdayOfDay(daysFromCivil(1969, 12, 28))).toBe(7); // Sunday, negative day number
  });

  it('given any day number, then civil conversion round-trips and agrees with Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 2_900_000 }), (day) => {
        const civil = civilFromDays(day);
        expect(daysFromCivil(civil.year, civil.month, civil.day)).toBe(day);
        const d = new Date(day * 86_400_000);
        if (d.getUTCFullYear() >= 1) expect(civil).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
      }),
    );
  });

  it('given local date strings, then only strict real dates parse', () => {
    expect(formatLocalDate(parseLocalDate('2024-02-29'))).toBe('2024-02-29');
    for (const bad of ['2023-02-29', '2024-13-01', '2024-00-10', '2024-01-32', '24-01-01', '2024-01-01 ', '']) {
      expect(() => parseLocalDate(bad)).toThrow(RangeError);
    }
  });
});

describe('time zones', () => {
  it('given valid and invalid zone names, then they are canonicalised or rejected with a CalendarConfigError', () => {
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(isValidTimeZone('Europe/London')).toBe(true);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(() => canonicalTimeZone('Europe/Atlantis', 'definition.timeZone')).toThrow(CalendarConfigError);
    expect(() => canonicalTimeZone('Europe/Atlantis', 'definition.timeZone')).toThrow(/definition\.timeZone.*Europe\/Atlantis/);
  });

  it('given an instant, when reading its local parts, then the wall clock, ISO weekday and offset are returned', () => {
    expect(localParts(at('2024-03-29T15:00:00.250Z'), 'Europe/London')).toEqual({
      year: 2024, month: 3, day: 29, hour: 15, minute: 0, second: 0, millisecond: 250, weekday: 5, offsetMs: 0,
    });
    expect(localParts(at('2024-04-01T00:30:00Z'), 'America/New_York')).toMatchObject({ year: 2024, month: 3, day: 31, hour: 20, minute: 30, weekday: 7, offsetMs: -4 * H });
    expect(localParts(at('2024-06-01T00:00:00Z'), 'Asia/Kathmandu')).toMatchObject({ hour: 5, minute: 45, offsetMs: 5.75 * H });
    expect(localParts(at('1969-12-31T23:59:59.999Z'), 'UTC')).toMatchObject({ year: 1969, second: 59, millisecond: 999 });
  });

  it('given instants around the London changes, then the offset switches at 01:00Z', () => {
    expect(timeZoneOffsetMs(at('2024-03-31T00:59:59Z'), 'Europe/London')).toBe(0);
    expect(timeZoneOffsetMs(at('2024-03-31T01:00:00Z'), 'Europe/London')).toBe(H);
    expect(timeZoneOffsetMs(at('2024-10-27T00:59:59Z'), 'Europe/London')).toBe(H);
    expect(timeZoneOffsetMs(at('2024-10-27T01:00:00Z'), 'Europe/London')).toBe(0);
  });

  describe('zonedTimeToInstant', () => {
    it('given an ordinary local time, then it is the unique instant', () => {
      expect(zonedTimeToInstant({ year: 2024, month: 3, day: 29, hour: 15 }, 'Europe/London')).toEqual(at('2024-03-29T15:00:00Z'));
      expect(zonedTimeToInstant({ year: 2024, month: 7, day: 1, hour: 9, minute: 30, second: 5, millisecond: 7 }, 'America/New_York')).toEqual(at('2024-07-01T13:30:05.007Z'));
    });

    it('given a local time in the New York spring-forward gap (02:30 on 10 Mar 2024), then it moves forward by the gap to 03:30 EDT (07:30Z)', () => {
      expect(zonedTimeToInstant({ year: 2024, month: 3, day: 10, hour: 2, minute: 30 }, 'America/New_York')).toEqual(at('2024-03-10T07:30:00Z'));
      expect(zonedTimeToInstant({ year: 2024, month: 3, day: 10, hour: 2 }, 'America/New_York')).toEqual(at('2024-03-10T07:00:00Z'));
    });

    it('given a local time in the London gap (01:30 on 31 Mar 2024), then it resolves to 02:30 BST (01:30Z)', () => {
      expect(zonedTimeToInstant({ year: 2024, month: 3, day: 31, hour: 1, minute: 30 }, 'Europe/London')).toEqual(at('2024-03-31T01:30:00Z'));
    });

    it('given an ambiguous fall-back time (01:30 on 3 Nov 2024 in New York), then the earlier instant (EDT, 05:30Z) is chosen', () => {
      expect(zonedTimeToInstant({ year: 2024, month: 11, day: 3, hour: 1, minute: 30 }, 'America/New_York')).toEqual(at('2024-11-03T05:30:00Z'));
      expect(zonedTimeToInstant({ year: 2024, month: 10, day: 27, hour: 1, minute: 30 }, 'Europe/London')).toEqual(at('2024-10-27T00:30:00Z'));
    });

    it('given a non-existent midnight (America/Santiago, 8 Sep 2024), then it resolves to 01:00 -03 (04:00Z)', () => {
      expect(zonedTimeToInstant({ year: 2024, month: 9, day: 8 }, 'America/Santiago')).toEqual(at('2024-09-08T04:00:00Z'));
    });

    it('given random instants in many zones, then localParts -> zonedTimeToInstant round-trips except inside the repeated fall-back hour', () => {
      const zones = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham'];
      fc.assert(
        fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
          const back = zonedTimeToInstant(localParts(ms, zone), zone).getTime();
          // Either the same instant, or (second pass through a repeated hour) an earlier one with the same wall time.
          if (back !== ms) {
            expect(back).toBeLessThan(ms);
            expect(localParts(back, zone)).toMatchObject({ hour: localParts(ms, zone).hour, minute: localParts(ms, zone).minute });
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
