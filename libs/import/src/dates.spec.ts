import { DateParseError, parseDateTime } from './dates.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('import dates', () => {
  it('given a date or date-time without an offset, when read in a time zone, then it is that wall-clock time there', () => {
    expect(iso(parseDateTime('2017-03-01', 'UTC'))).toBe('2017-03-01T00:00:00.000Z');
    expect(iso(parseDateTime('2017-03-01', 'Europe/Paris'))).toBe('2017-02-28T23:00:00.000Z');
    expect(iso(parseDateTime('2023-10-28 20:45:25', 'America/New_York'))).toBe('2023-10-29T00:45:25.000Z');
    expect(iso(parseDateTime('2026-07-01T08:30', 'Europe/Paris'))).toBe('2026-07-01T06:30:00.000Z');
  });

  it('given an offset, when read, then the time zone option does not matter', () => {
    expect(iso(parseDateTime('2017-03-01T10:00:00Z', 'Asia/Tokyo'))).toBe('2017-03-01T10:00:00.000Z');
    expect(iso(parseDateTime('2017-03-01T10:00:00.5+02:00', 'UTC'))).toBe('2017-03-01T08:00:00.500Z');
    expect(iso(parseDateTime('2017-03-01T10:00:00-0530', 'UTC'))).toBe('2017-03-01T15:30:00.000Z');
  });

  it('given slashed dates, when the mapping says mdy or dmy, then they read that way; not otherwise', () => {
    expect(iso(parseDateTime('3/1/2017', 'UTC', 'mdy'))).toBe('2017-03-01T00:00:00.000Z');
    expect(iso(parseDateTime('3/1/2017 14:05', 'UTC', 'dmy'))).toBe('2017-01-03T14:05:00.000Z');
    expect(() => parseDateTime('3/1/2017', 'UTC')).toThrow(DateParseError);
  });

  it('given text that is not a real date, when read, then it is refused with the text quoted', () => {
    expect(() => parseDateTime('2017-02-30', 'UTC')).toThrow(/"2017-02-30" is not a real calendar date/);
    expect(() => parseDateTime('yesterday', 'UTC')).toThrow(/"yesterday" is not a date/);
    expect(() => parseDateTime('2017-01-01 25:00', 'UTC')).toThrow(/time out of range/);
  });
});
