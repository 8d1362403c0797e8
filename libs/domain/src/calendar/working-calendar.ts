/**
 * Working-day calendar for SLA due times and working response times (shared/metrics.md, "SLA compliance").
 *
 * ## Model
 * Working time is the set of instants whose LOCAL wall-clock reading (in the calendar's IANA time zone) falls on a
 * working day (not a weekend day, not a listed holiday) and — with business hours 'HH:MM'-'HH:MM' — within
 * [start, end) of that day ('24:00' allowed as an end). Without business hours a working day counts all of its
 * local hours: [first instant of D, first instant of D+1), i.e. 23 h or 25 h on a DST-change day.
 * On a working day this is one half-open interval [open(D), close(D)); only a fall-back that repeats part of the
 * business hours (NY 00:00-01:15 on 3 Nov 2024) gives two pieces, and an hours edge inside a spring-forward gap
 * moves to the end of the gap. With ordinary office hours (09:00-17:00) neither ever happens.
 * The "standard working day" is 24 h, or (end - start) with business hours: {@link WorkingCalendar.standardDaySeconds}.
 *
 * ## workingSecondsBetween(a, b)
 * Real elapsed seconds of [a, b) that fall inside working intervals (0 if b <= a). Additive:
 * w(a, c) = w(a, b) + w(b, c).
 *
 * ## addWorkingDays(start, n) — local-calendar semantics
 * 1. The clock starts at the first working instant at or after `start`: `start` itself if it lies inside a working
 *    interval, else the opening of the next working interval (hand-off on Saturday, on a holiday, or after hours
 *    -> next working day's 00:00 / business-hours start; before hours -> today's start).
 * 2. If the clock starts at the OPENING of a working day D, the due time is the (last) CLOSE of the n-th working
 *    day counting D as the first (Saturday 10:00, n = 5 -> Monday 00:00 start -> close of Friday = Saturday 00:00).
 * 3. Otherwise it starts mid-interval at wall time t on working day D, and the due time is wall time t on the n-th
 *    working day after D (Friday 15:00, n = 5 -> next Friday 15:00; with 09:00-17:00, Friday 16:00, n = 1 ->
 *    Monday 16:00). The local time of day is carried, so the due time keeps its wall-clock time across DST.
 * Both cases are the EARLIEST instant reaching that point, so a due time never sits in a non-working gap.
 * 4. A fractional n (funnel SlaDefinition.workingDays allows "part of a working day") first advances the whole days
 *    as above, then adds fraction x standardDaySeconds of working time (real seconds, addWorkingSeconds), rounded to
 *    the millisecond: 1.5 days from Friday 15:00 = Monday 15:00 + 12 h = Tuesday 03:00; with 09:00-17:00,
 *    Friday 16:00 + 1.5 = Monday 16:00 + 4 h = Tuesday 12:00.
 * n = 0 returns `start` unchanged; n must be a finite non-negative number.
 *
 * ## DST caveat
 * Working time is real seconds, but due times count local working days. The two agree
 * (workingSecondsBetween(start, addWorkingDays(start, n)) === n * standardDaySeconds) unless a DST change falls
 * INSIDE a working interval being crossed: e.g. a 7-day calendar (weekendDays: []) whose Sunday is the 23-hour
 * spring-forward day gives 1 hour less working time for that day, a 25-hour fall-back day 1 hour more. With the
 * default Mon-Fri week in Europe/London or America/New_York the changes fall on Sundays, and business hours such
 * as 09:00-17:00 never contain the 01:00/02:00 change, so the identity holds exactly there.
 * Wall time t carried onto a day where it does not exist (a gap) resolves forward; if it occurs twice it takes the
 * earlier instant (zoned-time.ts). One consequence: for a start inside a repeated fall-back hour ON a working day,
 * addWorkingDays is not strictly monotonic in `start` (a later instant with an earlier wall reading gets an earlier
 * due time); it is monotonic everywhere else.
 *
 * Performance: day boundaries and working intervals are cached per zone / calendar in 64-day blocks with prefix
 * sums; workingSecondsBetween is O(number of 64-day blocks spanned) and needs no Intl call once the blocks exist.
 */
import { BlockCache } from './block-cache.js';
import { CalendarConfigError } from './errors.js';
import { DAYS_PER_BLOCK, ZoneDays } from './zone-days.js';
import {
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  formatLocalDate,
  instantToEpochMs,
  isoWeekdayOfDay,
  parseLocalDate,
  tryParseLocalDate,
} from './zoned-time.js';

export interface BusinessHours {
  /** Local opening time 'HH:MM' (00:00-23:59). */
  start: string;
  /** Local closing time 'HH:MM' (00:01-24:00), after `start`. */
  end: string;
}

export interface WorkingCalendarOptions {
  /** IANA time zone, e.g. 'Europe/London'. Default 'UTC'. */
  timeZone?: string;
  /** ISO weekday numbers (1 = Monday ... 7 = Sunday) that are never working days. Default [6, 7]. */
  weekendDays?: readonly number[];
  /** Local dates 'YYYY-MM-DD' that are not working days. */
  holidays?: readonly string[];
  /** Local business hours; null / omitted = the whole local day counts. */
  businessHours?: BusinessHours | null;
}

/** A working interval [start, end) on one local working day. */
export interface WorkingInterval {
  start: Date;
  end: Date;
}

const BLOCK_SHIFT = Math.log2(DAYS_PER_BLOCK);
const BLOCK_MASK = DAYS_PER_BLOCK - 1;
/** Never look further than this for the next working day (a holiday list cannot cover 100 years). */
const MAX_SEARCH_DAYS = 36_600;

interface WorkBlock {
  /** 1 if the day is a working day. */
  readonly working: Uint8Array;
  /**
   * Working pieces of each day (epoch ms): [open, close) and, rarely, a second [open2, close2) (a fall-back
   * repeating part of the business hours). Without a second piece open2 = close2 = close; a non-working day has
   * open = close = open2 = close2 = its first instant.
   */
  readonly open: Float64Array;
  readonly close: Float64Array;
  readonly open2: Float64Array;
  readonly close2: Float64Array;
  /** cum[i] = working ms of the block's days before day i; cum[64] = the block total. */
  readonly cum: Float64Array;
}

const HH_MM = /^(\d{2}):(\d{2})$/;

function parseWallTime(value: unknown, field: string, allow24: boolean): number {
  const match = typeof value === 'string' ? HH_MM.exec(value) : null;
  const hours = match ? Number(match[1]) : NaN;
  const minutes = match ? Number(match[2]) : NaN;
  const valid = match !== null && minutes < 60 && (hours < 24 || (allow24 && hours === 24 && minutes === 0));
  if (!valid) {
    throw new CalendarConfigError(field, `expected a local time 'HH:MM' (00:00-${allow24 ? '24:00' : '23:59'}), got ${JSON.stringify(value)}`);
  }
  return hours * MS_PER_HOUR + minutes * MS_PER_MINUTE;
}

export class WorkingCalendar {
  /** Canonical IANA name of the calendar's time zone. */
  readonly timeZone: string;
  readonly weekendDays: readonly number[];
  readonly holidays: readonly string[];
  readonly businessHours: Readonly<BusinessHours> | null;
  /** Length of a standard working day in seconds: 86 400, or the business-hours span. */
  readonly standardDaySeconds: number;

  private readonly zone: ZoneDays;
  private readonly weekendMask: number; // bit w set = ISO weekday w is a weekend day
  private readonly holidaySet: ReadonlySet<number>;
  private readonly openWallMs: number | null;
  private readonly closeWallMs: number | null;
  private readonly blocks = new BlockCache<WorkBlock>((index) => this.buildBlock(index));
  /** One-entry memo in front of the block map. */

  constructor(options: WorkingCalendarOptions = {}) {
    if (options === null || typeof options !== 'object') throw new CalendarConfigError('options', 'expected an options object');
    this.zone = ZoneDays.for(options.timeZone ?? 'UTC', 'timeZone');
    this.timeZone = this.zone.timeZone;

    const weekend = options.weekendDays ?? [6, 7];
    if (!Array.isArray(weekend)) throw new CalendarConfigError('weekendDays', 'expected an array of ISO weekday numbers 1-7');
    let mask = 0;
    weekend.forEach((w: unknown, i) => {
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 7) {
        throw new CalendarConfigError(`weekendDays[${i}]`, `expected an ISO weekday number 1 (Monday) to 7 (Sunday), got ${JSON.stringify(w)}`);
      }
      mask |= 1 << w;
    });
    if (mask === 0b11111110) throw new CalendarConfigError('weekendDays', 'every weekday is a weekend day: the calendar would have no working days');
    this.weekendMask = mask;
    this.weekendDays = [1, 2, 3, 4, 5, 6, 7].filter((w) => (mask & (1 << w)) !== 0);

    const holidays = options.holidays ?? [];
    if (!Array.isArray(holidays)) throw new CalendarConfigError('holidays', "expected an array of local dates 'YYYY-MM-DD'");
    const holidaySet = new Set<number>();
    holidays.forEach((h: unknown, i) => {
      const day = tryParseLocalDate(h);
      if (day === undefined) throw new CalendarConfigError(`holidays[${i}]`, `expected a real local date 'YYYY-MM-DD', got ${JSON.stringify(h)}`);
      holidaySet.add(day);
    });
    this.holidaySet = holidaySet;
    this.holidays = [...holidaySet].sort((a, b) => a - b).map(formatLocalDate);

    const hours = options.businessHours ?? null;
    if (hours === null) {
      this.openWallMs = null;
      this.closeWallMs = null;
      this.businessHours = null;
      this.standardDaySeconds = MS_PER_DAY / MS_PER_SECOND;
    } else {
      if (typeof hours !== 'object') throw new CalendarConfigError('businessHours', "expected { start: 'HH:MM', end: 'HH:MM' } or null");
      const open = parseWallTime(hours.start, 'businessHours.start', false);
      const close = parseWallTime(hours.end, 'businessHours.end', true);
      if (close <= open) {
        throw new CalendarConfigError('businessHours', `start (${hours.start}) must be before end (${hours.end}); overnight hours are not supported`);
      }
      this.openWallMs = open;
      this.closeWallMs = close;
      this.businessHours = Object.freeze({ start: hours.start, end: hours.end });
      this.standardDaySeconds = (close - open) / MS_PER_SECOND;
    }
  }

  /** True if the local date 'YYYY-MM-DD' is a working day (not a weekend day, not a holiday). */
  isWorkingDay(localDate: string): boolean {
    return this.isWorkingDayNumber(parseLocalDate(localDate));
  }

  /** True if `at` lies inside working time. */
  isWorkingInstant(at: Date): boolean {
    const ms = instantToEpochMs(at, 'at');
    const day = this.zone.dayOf(ms);
    const block = this.block(day >> BLOCK_SHIFT);
    const i = day & BLOCK_MASK;
    return block.working[i] === 1 && ((ms >= block.open[i]! && ms < block.close[i]!) || (ms >= block.open2[i]! && ms < block.close2[i]!));
  }

  /**
   * The working intervals of a local date: [] if it is not a working day, else one interval (two only when a
   * fall-back repeats part of the business hours).
   */
  workingIntervalsOn(localDate: string): WorkingInterval[] {
    const day = parseLocalDate(localDate);
    if (!this.isWorkingDayNumber(day)) return [];
    const block = this.block(day >> BLOCK_SHIFT);
    const i = day & BLOCK_MASK;
    const intervals = [{ start: new Date(block.open[i]!), end: new Date(block.close[i]!) }];
    if (block.close2[i]! > block.open2[i]!) intervals.push({ start: new Date(block.open2[i]!), end: new Date(block.close2[i]!) });
    return intervals;
  }

  /** The first working instant at or after `at` (where the SLA clock starts for a hand-off at `at`). */
  nextWorkingInstant(at: Date): Date {
    return new Date(this.clockStart(instantToEpochMs(at, 'at')));
  }

  /**
   * The instant when `days` working days have elapsed since `start` (local-calendar semantics for whole days, then
   * working seconds for a fraction; see the file comment). `days` must be finite and >= 0; 0 returns `start`.
   */
  addWorkingDays(start: Date, days: number): Date {
    const ms = instantToEpochMs(start, 'start');
    if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) {
      throw new RangeError(`days must be a finite non-negative number, got ${days}`);
    }
    const whole = Math.floor(days);
    const fraction = days - whole;
    const afterWhole = whole === 0 ? ms : this.addWholeWorkingDays(ms, whole);
    return fraction === 0 ? new Date(afterWhole) : this.addWorkingSeconds(new Date(afterWhole), fraction * this.standardDaySeconds);
  }

  /**
   * The instant when `seconds` of working time (real seconds inside working intervals, rounded to the millisecond)
   * have elapsed since `start`: the earliest instant t with workingSecondsBetween(start, t) === seconds.
   * 0 returns `start`.
   */
  addWorkingSeconds(start: Date, seconds: number): Date {
    let ms = instantToEpochMs(start, 'start');
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError(`seconds must be a finite non-negative number, got ${seconds}`);
    }
    let remaining = Math.round(seconds * MS_PER_SECOND); // millisecond precision, like Date
    if (remaining === 0) return new Date(ms);
    let day = this.zone.dayOf(ms);
    for (;;) {
      const block = this.block(day >> BLOCK_SHIFT);
      const i = day & BLOCK_MASK;
      if (i === 0 && ms <= block.open[0]! && remaining > block.cum[DAYS_PER_BLOCK]!) {
        // Skip a whole block at once.
        remaining -= block.cum[DAYS_PER_BLOCK]!;
        day += DAYS_PER_BLOCK;
        ms = this.zone.dayStart(day);
        continue;
      }
      if (block.working[i] === 1) {
        for (const [open, close] of [[block.open[i]!, block.close[i]!], [block.open2[i]!, block.close2[i]!]] as const) {
          const from = Math.max(ms, open);
          const available = close - from;
          if (available > 0) {
            if (remaining <= available) return new Date(from + remaining);
            remaining -= available;
          }
        }
      }
      day++;
      ms = this.zone.dayStart(day);
    }
  }

  /** Working time in seconds between two instants: real seconds of [start, end) inside working time. */
  workingSecondsBetween(start: Date, end: Date): number {
    return this.workingMsBetween(instantToEpochMs(start, 'start'), instantToEpochMs(end, 'end')) / MS_PER_SECOND;
  }

  /** {@link workingSecondsBetween} on epoch milliseconds, in milliseconds (no Date allocation). */
  workingMsBetween(startMs: number, endMs: number): number {
    if (!(endMs > startMs)) return 0;
    const dayA = this.zone.dayOf(startMs);
    const dayB = this.zone.dayOf(endMs);
    const blockA = dayA >> BLOCK_SHIFT;
    const blockB = dayB >> BLOCK_SHIFT;
    const before = this.workedInBlockBefore(dayA, startMs);
    if (blockA === blockB) return this.workedInBlockBefore(dayB, endMs) - before;
    let total = this.block(blockA).cum[DAYS_PER_BLOCK]! - before;
    for (let b = blockA + 1; b < blockB; b++) total += this.block(b).cum[DAYS_PER_BLOCK]!;
    return total + this.workedInBlockBefore(dayB, endMs);
  }

  // -------------------------------------------------------------------------------------------------------------

  private isWorkingDayNumber(day: number): boolean {
    return (this.weekendMask & (1 << isoWeekdayOfDay(day))) === 0 && !this.holidaySet.has(day);
  }

  /** First working instant at or after `ms`. */
  private clockStart(ms: number): number {
    const day = this.zone.dayOf(ms);
    const block = this.block(day >> BLOCK_SHIFT);
    const i = day & BLOCK_MASK;
    if (block.working[i] === 1) {
      if (ms < block.close[i]!) return Math.max(ms, block.open[i]!);
      if (ms < block.close2[i]!) return Math.max(ms, block.open2[i]!);
    }
    return this.open(this.nextWorkingDay(day));
  }

  /** Whole working days (n >= 1) from instant `ms`: cases 1-3 of the file comment. */
  private addWholeWorkingDays(ms: number, n: number): number {
    const from = this.clockStart(ms);
    const day = this.zone.dayOf(from);
    if (from === this.open(day)) {
      // The clock starts at an opening: due at the (last) close of the n-th working day counting this one.
      return this.lastClose(this.advance(day, n - 1));
    }
    // Mid-day: carry the local wall time onto the n-th working day after this one; if that instant is not working
    // time there (DST oddities only), take the earliest equivalent instant: the preceding close, or the opening.
    const target = this.advance(day, n);
    const due = this.zone.instantAt(target, this.zone.wallTimeOf(from, day));
    const block = this.block(target >> BLOCK_SHIFT);
    const i = target & BLOCK_MASK;
    if (due <= block.open[i]!) return block.open[i]!;
    if (due >= block.close2[i]!) return block.close2[i]!;
    if (due >= block.close[i]! && due < block.open2[i]!) return block.close[i]!;
    return due;
  }

  private open(day: number): number {
    return this.block(day >> BLOCK_SHIFT).open[day & BLOCK_MASK]!;
  }

  private lastClose(day: number): number {
    return this.block(day >> BLOCK_SHIFT).close2[day & BLOCK_MASK]!;
  }

  /** The first working day strictly after `day`. */
  private nextWorkingDay(day: number): number {
    for (let d = day + 1; d <= day + MAX_SEARCH_DAYS; d++) if (this.block(d >> BLOCK_SHIFT).working[d & BLOCK_MASK] === 1) return d;
    throw new RangeError(`No working day within ${MAX_SEARCH_DAYS} days after ${formatLocalDate(day)}`);
  }

  /** The n-th working day after working day `day` (n = 0: `day` itself). */
  private advance(day: number, n: number): number {
    let d = day;
    for (let k = 0; k < n; k++) d = this.nextWorkingDay(d);
    return d;
  }

  /** Working ms of `ms`'s block that lie before instant `ms` (which is on local day `day`). */
  private workedInBlockBefore(day: number, ms: number): number {
    const block = this.block(day >> BLOCK_SHIFT);
    const i = day & BLOCK_MASK;
    const open = block.open[i]!;
    const open2 = block.open2[i]!;
    return (
      block.cum[i]! +
      Math.min(Math.max(ms - open, 0), block.close[i]! - open) +
      Math.min(Math.max(ms - open2, 0), block.close2[i]! - open2)
    );
  }

  private block(index: number): WorkBlock {
    return this.blocks.get(index);
  }

  private buildBlock(index: number): WorkBlock {
    const working = new Uint8Array(DAYS_PER_BLOCK);
    const open = new Float64Array(DAYS_PER_BLOCK);
    const close = new Float64Array(DAYS_PER_BLOCK);
    const open2 = new Float64Array(DAYS_PER_BLOCK);
    const close2 = new Float64Array(DAYS_PER_BLOCK);
    const cum = new Float64Array(DAYS_PER_BLOCK + 1);
    for (let i = 0; i < DAYS_PER_BLOCK; i++) {
      const day = index * DAYS_PER_BLOCK + i;
      const dayStart = this.zone.dayStart(day);
      let pieces: Array<[number, number]> = [];
      if (this.isWorkingDayNumber(day)) {
        working[i] = 1;
        pieces =
          this.openWallMs === null || this.closeWallMs === null
            ? [[dayStart, this.zone.dayStart(day + 1)]]
            : this.zone.wallWindow(day, this.openWallMs, this.closeWallMs);
        // A window entirely inside a spring-forward gap is empty: a zero-length piece at the gap's end.
        if (pieces.length === 0) pieces = [[this.zone.instantAt(day, this.openWallMs!), this.zone.instantAt(day, this.openWallMs!)]];
      }
      const [first = [dayStart, dayStart], second] = pieces;
      open[i] = first[0];
      close[i] = first[1];
      open2[i] = second ? second[0] : first[1];
      close2[i] = second ? second[1] : first[1];
      cum[i + 1] = cum[i]! + (close[i]! - open[i]!) + (close2[i]! - open2[i]!);
    }
    return { working, open, close, open2, close2, cum };
  }
}
