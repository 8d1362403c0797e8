/**
 * A per-time-zone table of local day boundaries, filled lazily in blocks of 64 local days and shared by every
 * calendar and period computation in that zone. After a block is built, mapping an instant to its local day, its
 * wall-clock time of day, or a local day back to its first instant needs no `Intl` call on ordinary days, which is
 * what keeps SLA read models over a million hand-offs cheap.
 *
 * Day numbers are days since 1970-01-01 of the LOCAL date (see zoned-time.ts). `dayStart(d)` is the first instant
 * of local day d: local midnight, or — where midnight falls in a spring-forward gap — the first instant after the
 * gap (the 'compatible' resolution of zoned-time.ts).
 */
import { BlockCache } from './block-cache.js';
import {
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  canonicalTimeZone,
  civilFromDays,
  localParts,
  timeZoneOffsetMs,
  zonedTimeToEpochMs,
} from './zoned-time.js';

const BLOCK_SHIFT = 6;
export const DAYS_PER_BLOCK = 1 << BLOCK_SHIFT; // 64

interface DayBlock {
  /** dayStart of the block's 64 days plus the start of the following day (65 entries). */
  readonly starts: Float64Array;
  /**
   * 1 when the day is "regular": it lasts exactly 24 h and the UTC offset is the same at both ends, so the wall
   * time of day of an instant is simply (instant - dayStart). Days with a DST change are not regular.
   */
  readonly regular: Uint8Array;
}

export class ZoneDays {
  private readonly blocks = new BlockCache<DayBlock>((index) => this.buildBlock(index));
  /** A recent UTC offset, used only as the first guess when locating an instant's local day. */
  private guessOffsetMs = 0;
  /** One-entry memo in front of the block map: consecutive lookups mostly hit the same block. */

  private constructor(readonly timeZone: string) {}

  private static readonly zones = new Map<string, ZoneDays>();

  /** The shared table of a zone (validated and canonicalised; throws CalendarConfigError if unknown). */
  static for(timeZone: string, field = 'timeZone'): ZoneDays {
    const canonical = canonicalTimeZone(timeZone, field);
    let zone = ZoneDays.zones.get(canonical);
    if (!zone) {
      zone = new ZoneDays(canonical);
      ZoneDays.zones.set(canonical, zone);
    }
    return zone;
  }

  /** First instant (epoch ms) of local day `day`. */
  dayStart(day: number): number {
    const block = this.block(day >> BLOCK_SHIFT);
    return block.starts[day & (DAYS_PER_BLOCK - 1)]!;
  }

  /** True if local day `day` is 24 h long with one UTC offset throughout (no DST change on it). */
  isRegular(day: number): boolean {
    return this.block(day >> BLOCK_SHIFT).regular[day & (DAYS_PER_BLOCK - 1)] === 1;
  }

  /** Real length of local day `day` in ms (23 h or 25 h on a DST change day). */
  dayLengthMs(day: number): number {
    return this.dayStart(day + 1) - this.dayStart(day);
  }

  /** Local day number containing instant `ms`. */
  dayOf(ms: number): number {
    let day = Math.floor((ms + this.guessOffsetMs) / MS_PER_DAY);
    while (ms < this.dayStart(day)) day--;
    while (ms >= this.dayStart(day + 1)) day++;
    return day;
  }

  /** Wall-clock time of day (ms since local 00:00) of instant `ms`, which lies on local day `day`. */
  wallTimeOf(ms: number, day: number = this.dayOf(ms)): number {
    if (this.isRegular(day)) return ms - this.dayStart(day);
    const p = localParts(ms, this.timeZone);
    return p.hour * MS_PER_HOUR + p.minute * MS_PER_MINUTE + p.second * MS_PER_SECOND + p.millisecond;
  }

  /**
   * The instant at which local day `day` reads wall time `wallMs` (0 <= wallMs <= 24 h; 24:00 is the start of the
   * next day). Gap / overlap resolution as in zonedTimeToInstant.
   */
  instantAt(day: number, wallMs: number): number {
    if (wallMs <= 0) return this.dayStart(day);
    if (wallMs >= MS_PER_DAY) return this.dayStart(day + 1);
    if (this.isRegular(day)) return this.dayStart(day) + wallMs;
    return zonedTimeToEpochMs({ ...civilFromDays(day), millisecond: wallMs }, this.timeZone);
  }

  /**
   * The instants of local day `day` whose wall-clock time of day lies in [fromWall, toWall) (ms since 00:00,
   * 0 <= fromWall < toWall <= 24 h), as 1 or 2 disjoint half-open [start, end) pieces in order (possibly none).
   * Two pieces happen only when a fall-back repeats part of the window (NY 00:00-01:15 on 3 Nov 2024:
   * 00:00-01:15 EDT and again 01:00-01:15 EST); a spring-forward gap inside the window just makes it shorter, and
   * an edge inside a gap starts/ends at the gap's end (the first instant whose wall time is past the edge).
   * Assumes at most one UTC-offset change per local day.
   */
  wallWindow(day: number, fromWall: number, toWall: number): Array<[number, number]> {
    const dayStart = this.dayStart(day);
    const nextStart = this.dayStart(day + 1);
    if (this.isRegular(day)) return [[dayStart + fromWall, dayStart + toWall]];
    const localMidnight = day * MS_PER_DAY; // the day's 00:00 read as if it were UTC
    const before = timeZoneOffsetMs(dayStart, this.timeZone);
    const after = timeZoneOffsetMs(nextStart - 1, this.timeZone);
    const pieces: Array<[number, number]> = [];
    const push = (from: number, to: number) => {
      if (to <= from) return;
      const last = pieces[pieces.length - 1];
      if (last && last[1] === from) last[1] = to;
      else pieces.push([from, to]);
    };
    if (before === after) {
      push(Math.max(dayStart, localMidnight + fromWall - before), Math.min(nextStart, localMidnight + toWall - before));
      return pieces;
    }
    // Locate the offset change: the first instant (whole seconds, as tzdb transitions are) with the new offset.
    let lo = Math.floor(dayStart / MS_PER_SECOND); // offset `before`
    let hi = Math.floor((nextStart - 1) / MS_PER_SECOND); // offset `after`
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (timeZoneOffsetMs(mid * MS_PER_SECOND, this.timeZone) === before) lo = mid;
      else hi = mid;
    }
    const change = Math.max(dayStart, Math.min(nextStart, hi * MS_PER_SECOND));
    push(Math.max(dayStart, localMidnight + fromWall - before), Math.min(change, localMidnight + toWall - before));
    push(Math.max(change, localMidnight + fromWall - after), Math.min(nextStart, localMidnight + toWall - after));
    return pieces;
  }

  private block(index: number): DayBlock {
    return this.blocks.get(index);
  }

  private buildBlock(index: number): DayBlock {
    const first = index * DAYS_PER_BLOCK;
    const starts = new Float64Array(DAYS_PER_BLOCK + 1);
    const regular = new Uint8Array(DAYS_PER_BLOCK);
    const utc = this.timeZone === 'UTC';
    for (let i = 0; i <= DAYS_PER_BLOCK; i++) {
      const day = first + i;
      starts[i] = utc ? day * MS_PER_DAY : zonedTimeToEpochMs(civilFromDays(day), this.timeZone);
    }
    for (let i = 0; i < DAYS_PER_BLOCK; i++) {
      const day = first + i;
      // "Offset" at each end as seen from the wall clock: day * 24h - dayStart. Equal ends + 24 h length => no change.
      const offsetHere = day * MS_PER_DAY - starts[i]!;
      const offsetNext = (day + 1) * MS_PER_DAY - starts[i + 1]!;
      regular[i] = starts[i + 1]! - starts[i]! === MS_PER_DAY && offsetHere === offsetNext ? 1 : 0;
    }
    this.guessOffsetMs = first * MS_PER_DAY - starts[0]!;
    return { starts, regular };
  }
}
