/**
 * Zoned-time helpers built only on the platform's `Intl` (Node ships full ICU): the local wall-clock parts of an
 * instant in an IANA time zone, the reverse mapping from local wall-clock time to an instant, and proleptic
 * Gregorian civil-date arithmetic on "day numbers" (days since 1970-01-01 of a *local* date, independent of any
 * zone).
 *
 * Local time that does not map to exactly one instant is resolved like Temporal's `disambiguation: 'compatible'`:
 * - a time inside a spring-forward gap (e.g. 02:30 on the day New York jumps from 02:00 to 03:00) moves FORWARD by
 *   the length of the gap (02:30 -> 03:30 EDT), i.e. it is read with the offset in force before the gap; a
 *   midnight that does not exist (America/Santiago) therefore resolves to the first instant of that day (01:00);
 * - a time that occurs twice in a fall-back overlap (01:30 on the day New York goes back from 02:00 to 01:00)
 *   resolves to the EARLIER instant (the first 01:30, still on daylight time).
 */
import { CalendarConfigError } from './errors.js';

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** A local calendar date (proleptic Gregorian), month 1-12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** A local wall-clock date-time. Omitted time fields are 0. */
export interface LocalDateTime extends LocalDate {
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

/** The wall-clock reading of an instant in a time zone. `weekday` is ISO: 1 = Monday ... 7 = Sunday. */
export interface LocalParts extends Required<LocalDateTime> {
  weekday: number;
  /** UTC offset in force at the instant, in milliseconds (local = UTC + offset); whole seconds. */
  offsetMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Civil-date arithmetic (H. Hinnant's days_from_civil / civil_from_days): exact for any year, no Date quirks.
// ---------------------------------------------------------------------------------------------------------------

/** Day number (days since 1970-01-01) of a civil date. Month may be out of 1..12; it is normalised. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const m0 = month - 1;
  const y0 = year + Math.floor(m0 / 12);
  const m = (((m0 % 12) + 12) % 12) + 1;
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date of a day number. */
export function civilFromDays(dayNumber: number): LocalDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO weekday (1 = Monday ... 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function isoWeekdayOfDay(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a strict 'YYYY-MM-DD' local date into its day number, or returns undefined if it is not a real date. */
export function tryParseLocalDate(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = LOCAL_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return undefined;
  const dayNumber = daysFromCivil(year, month, day);
  const back = civilFromDays(dayNumber);
  return back.month === month && back.day === day ? dayNumber : undefined;
}

/** Day number of a strict 'YYYY-MM-DD' date; throws a RangeError for anything else (e.g. '2024-02-30'). */
export function parseLocalDate(text: string): number {
  const dayNumber = tryParseLocalDate(text);
  if (dayNumber === undefined) throw new RangeError(`Not a valid local date (YYYY-MM-DD): ${JSON.stringify(text)}`);
  return dayNumber;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 'YYYY-MM-DD' of a day number. */
export function formatLocalDate(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** Wall-clock milliseconds of a local date-time read as if it were UTC (the "local epoch"). */
function localEpochMs(t: LocalDateTime): number {
  return (
    daysFromCivil(t.year, t.month, t.day) * MS_PER_DAY +
    (t.hour ?? 0) * MS_PER_HOUR +
    (t.minute ?? 0) * MS_PER_MINUTE +
    (t.second ?? 0) * MS_PER_SECOND +
    (t.millisecond ?? 0)
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Intl-backed zone lookups, one cached formatter per time zone.
// ---------------------------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
const canonicalNames = new Map<string, string>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The canonical name of an IANA time zone ('utc' -> 'UTC'), or a {@link CalendarConfigError} naming `field` if
 * the platform does not know it.
 */
export function canonicalTimeZone(timeZone: unknown, field = 'timeZone'): string {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    throw new CalendarConfigError(field, `expected an IANA time zone name such as 'Europe/London', got ${JSON.stringify(timeZone)}`);
  }
  const known = canonicalNames.get(timeZone);
  if (known) return known;
  let canonical: string;
  try {
    canonical = formatterFor(timeZone).resolvedOptions().timeZone;
  } catch {
    throw new CalendarConfigError(field, `unknown IANA time zone ${JSON.stringify(timeZone)}`);
  }
  canonicalNames.set(timeZone, canonical);
  return canonical;
}

/** True if `timeZone` is an IANA zone the platform knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    canonicalTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}

function toMs(instant: Date | number, what = 'instant'): number {
  const ms = typeof instant === 'number' ? instant : instant instanceof Date ? instant.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a valid Date`);
  return ms;
}

/** Local wall-clock parts of `instant` in `timeZone`. */
export function localParts(instant: Date | number, timeZone: string): LocalParts {
  const ms = toMs(instant);
  const wholeSecondMs = Math.floor(ms / MS_PER_SECOND) * MS_PER_SECOND;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of formatterFor(canonicalTimeZone(timeZone)).formatToParts(wholeSecondMs)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value.startsWith('B');
        break;
      default:
        break;
    }
  }
  if (bc) year = 1 - year;
  const millisecond = ms - wholeSecondMs;
  const offsetMs = localEpochMs({ year, month, day, hour, minute, second }) - wholeSecondMs;
  const weekday = isoWeekdayOfDay(daysFromCivil(year, month, day));
  return { year, month, day, hour, minute, second, millisecond, weekday, offsetMs };
}

/** UTC offset (ms, local = UTC + offset) in force in `timeZone` at `instant`. */
export function timeZoneOffsetMs(instant: Date | number, timeZone: string): number {
  return localParts(instant, timeZone).offsetMs;
}

/**
 * The instant at which the wall clock in `timeZone` reads `local`. A time in a spring-forward gap moves forward by
 * the gap's length; an ambiguous fall-back time takes the earlier instant (see the file comment).
 */
export function zonedTimeToInstant(local: LocalDateTime, timeZone: string): Date {
  return new Date(zonedTimeToEpochMs(local, timeZone));
}

/** {@link zonedTimeToInstant} as epoch milliseconds. */
export function zonedTimeToEpochMs(local: LocalDateTime, timeZone: string): number {
  const zone = canonicalTimeZone(timeZone);
  const wall = localEpochMs(local);
  if (!Number.isFinite(wall)) throw new RangeError(`Not a valid local date-time: ${JSON.stringify(local)}`);
  if (zone === 'UTC') return wall;
  // Offsets a day either side bracket any single transition near this wall time.
  const before = timeZoneOffsetMs(wall - MS_PER_DAY, zone);
  const after = timeZoneOffsetMs(wall + MS_PER_DAY, zone);
  let best = Number.POSITIVE_INFINITY;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = wall - offset;
    if (timeZoneOffsetMs(candidate, zone) === offset && candidate < best) best = candidate;
  }
  if (best !== Number.POSITIVE_INFINITY) return best;
  // In a gap: read the wall time with the offset in force before the gap, i.e. move forward by the gap length.
  return wall - before;
}

export { toMs as instantToEpochMs };
