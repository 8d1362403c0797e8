import { canonicalTimeZone, zonedTimeToEpochMs } from '../../domain/src/index.js';

/**
 * Dates as CRM exports write them. A date or date-time with an offset (`Z`, `+02:00`) is that instant; one
 * without (`2017-03-01`, `2023-10-28 20:45:25`) is wall-clock time in the time zone the user gives, a plain
 * date meaning its local midnight. `mdy` / `dmy` read `3/1/2017` US or European style (a mapping option:
 * the two cannot be told apart from the text).
 */
export type DateOrder = 'iso' | 'mdy' | 'dmy';
export const DATE_ORDERS: readonly DateOrder[] = ['iso', 'mdy', 'dmy'];

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const SLASHED = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

export class DateParseError extends Error {}

/** Epoch milliseconds of `text` (trimmed, non-empty), read in `timeZone` when it names no offset. */
export function parseDateTime(text: string, timeZone: string, order: DateOrder = 'iso'): number {
  const value = text.trim();
  let parts: { year: number; month: number; day: number; hour: number; minute: number; second: number; millisecond: number; offset: string | null };
  const iso = ISO.exec(value);
  if (iso) {
    parts = {
      year: Number(iso[1]),
      month: Number(iso[2]),
      day: Number(iso[3]),
      hour: Number(iso[4] ?? 0),
      minute: Number(iso[5] ?? 0),
      second: Number(iso[6] ?? 0),
      millisecond: iso[7] ? Number(iso[7].slice(0, 3).padEnd(3, '0')) : 0,
      offset: iso[8] ?? null,
    };
  } else {
    const slashed = order === 'iso' ? null : SLASHED.exec(value);
    if (!slashed) {
      throw new DateParseError(
        order === 'iso'
          ? `${JSON.stringify(value)} is not a date (expected YYYY-MM-DD, optionally with a time hh:mm[:ss] and an offset)`
          : `${JSON.stringify(value)} is not a date (expected ${order === 'mdy' ? 'M/D/YYYY' : 'D/M/YYYY'} or YYYY-MM-DD, optionally with a time)`,
      );
    }
    const [first, second] = [Number(slashed[1]), Number(slashed[2])];
    parts = {
      year: Number(slashed[3]),
      month: order === 'mdy' ? first : second,
      day: order === 'mdy' ? second : first,
      hour: Number(slashed[4] ?? 0),
      minute: Number(slashed[5] ?? 0),
      second: Number(slashed[6] ?? 0),
      millisecond: 0,
      offset: null,
    };
  }
  const { year, month, day, hour, minute, second, millisecond, offset } = parts;
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1 || year < 1) {
    throw new DateParseError(`${JSON.stringify(value)} is not a real calendar date`);
  }
  if (hour > 23 || minute > 59 || second > 59) throw new DateParseError(`${JSON.stringify(value)} has a time out of range`);
  if (offset === null) return zonedTimeToEpochMs({ year, month, day, hour, minute, second, millisecond }, timeZone);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  if (offset.toUpperCase() === 'Z') return wall;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return wall - sign * offsetMinutes * 60_000;
}

/** The canonical IANA name, or an error naming the option. */
export function checkTimeZone(timeZone: string): string {
  try {
    return canonicalTimeZone(timeZone, 'timeZone');
  } catch {
    throw new DateParseError(`unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as UTC or Europe/Paris)`);
  }
}
