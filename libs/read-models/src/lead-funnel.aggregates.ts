import { periodStart, type ExitKind } from '../../domain/src/index.js';
import type { ProjectionTransaction } from '../../projections/src/projection.js';

/**
 * The daily aggregates of migrations/1732460000000-AddLeadFunnelAggregates.ts, kept in step with the rows
 * they summarize by CONTRIBUTIONS: for every lead a batch touches, the projection subtracts what its stored
 * rows contributed before the batch and adds what its rows contribute after. Only a lead's latest visit can
 * change (close, relabel rejected -> recycled, or change value while open), so "before" is the stored summary
 * and latest visit, "after" is the new summary with that visit and every visit the batch opened.
 *
 * Contributions are netted in memory first (see NetCounts); value sums stay exact decimals. A row whose
 * contributions cancel out is deleted, so the tables are the same whatever the batch boundaries were
 * (a catch-up after a crash, a rebuild and an incremental build compare equal row for row).
 */
export interface ContributingLead {
  captured_at: string;
  channel: string;
  campaign: string | null;
  origin: string;
  reached_mask: number;
  /** The lead's latest known value: an open visit is worth it (shared/metrics.md). */
  value: number | null;
}

export interface ContributingVisit {
  stage: string;
  entered_at: string;
  exited_at: string | null;
  exit_kind: ExitKind;
  exit_value: number | null;
}

export const NONE_KEY = '(none)';

const SEP = '\u0000';

/**
 * Net contributions by key, in memory: a lead touched by a batch without changing its aggregates (a score below
 * the threshold, a second event on the same open visit) subtracts and re-adds the same row, and those pairs
 * cancel here instead of costing an upsert and a delete. Counts are integers; a value is kept per distinct
 * unit amount (its decimal text) with a net count, so nothing is ever summed in floating point: SQL computes
 * count * amount in numeric.
 */
class NetCounts {
  readonly net = new Map<string, number>();
  /**
   * Some net count is negative: a row may reach zero and must then be deleted. Otherwise (a bulk build, a batch of
   * new leads) every row only grows, and the clean-up statement is skipped.
   */
  subtracts(): boolean {
    for (const count of this.net.values()) if (count < 0) return true;
    return false;
  }
  add(key: string, count: number): void {
    const next = (this.net.get(key) ?? 0) + count;
    if (next === 0) this.net.delete(key);
    else this.net.set(key, next);
  }
}

export class AggregateContributions {
  private readonly dayStarts = new Map<number, string>();
  /** stage, day, exit kind, unit amount -> net visits */
  private readonly waterfall = new NetCounts();
  /** stage, day, exit kind -> net visits */
  private readonly exits = new NetCounts();
  /** dimension, day, key, mask -> net leads */
  private readonly cohort = new NetCounts();

  constructor(private readonly timeZone: string) {}

  /**
   * Start of the local day of an instant, in the definition's zone. Memoized by UTC quarter-hour (today's
   * offsets are whole quarter-hours, so a local midnight does not fall inside one); a quarter-hour that does
   * contain one (historical local mean time offsets) is never memoized.
   */
  private dayOf(iso: string): string {
    const ms = Date.parse(iso);
    const quarter = Math.floor(ms / 900_000);
    const memo = this.dayStarts.get(quarter);
    if (memo !== undefined) return memo;
    const first = periodStart(new Date(quarter * 900_000), 'DAY', this.timeZone).toISOString();
    const last = periodStart(new Date(quarter * 900_000 + 899_999), 'DAY', this.timeZone).toISOString();
    if (first === last) {
      this.dayStarts.set(quarter, first);
      return first;
    }
    return periodStart(new Date(ms), 'DAY', this.timeZone).toISOString();
  }

  /** Adds (sign 1) or removes (sign -1) what one lead and the given visits of it contribute. */
  add(lead: ContributingLead, visits: Iterable<ContributingVisit>, sign: 1 | -1): void {
    const captureDay = this.dayOf(lead.captured_at);
    const mask = String(lead.reached_mask);
    this.cohort.add(['channel', captureDay, lead.channel, mask].join(SEP), sign);
    this.cohort.add(['campaign', captureDay, lead.campaign ?? NONE_KEY, mask].join(SEP), sign);
    this.cohort.add(['origin', captureDay, lead.origin, mask].join(SEP), sign);
    for (const visit of visits) {
      const value = visit.exit_kind === 'open' ? (lead.value ?? 0) : (visit.exit_value ?? 0);
      this.waterfall.add([visit.stage, this.dayOf(visit.entered_at), visit.exit_kind, String(value)].join(SEP), sign);
      if (visit.exit_kind !== 'open' && visit.exited_at !== null) {
        this.exits.add([visit.stage, this.dayOf(visit.exited_at), visit.exit_kind].join(SEP), sign);
      }
    }
  }

  async write(tx: ProjectionTransaction): Promise<void> {
    if (this.waterfall.net.size > 0) {
      const cleanUp = this.waterfall.subtracts();
      const [stage, day, kind, amount, visits] = columns(this.waterfall.net, 4);
      await tx.query(
        `INSERT INTO rm_waterfall_daily AS t (stage, day_start, exit_kind, visits, value)
         SELECT stage, day_start, exit_kind, sum(visits)::int, sum(visits * amount)
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::numeric[], $5::int[]) AS u(stage, day_start, exit_kind, amount, visits)
          GROUP BY 1, 2, 3
         ON CONFLICT (stage, day_start, exit_kind) DO UPDATE SET visits = t.visits + excluded.visits, value = t.value + excluded.value`,
        [stage, day, kind, amount, visits],
      );
      if (cleanUp) await tx.query(
        `DELETE FROM rm_waterfall_daily t USING unnest($1::text[], $2::timestamptz[], $3::text[]) AS u(stage, day_start, exit_kind)
          WHERE t.stage = u.stage AND t.day_start = u.day_start AND t.exit_kind = u.exit_kind AND t.visits = 0 AND t.value = 0`,
        [stage, day, kind],
      );
    }
    if (this.exits.net.size > 0) {
      const cleanUp = this.exits.subtracts();
      const [stage, day, kind, visits] = columns(this.exits.net, 3);
      await tx.query(
        `INSERT INTO rm_waterfall_exits_daily AS t (stage, day_start, exit_kind, visits)
         SELECT stage, day_start, exit_kind, visits FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[]) AS u(stage, day_start, exit_kind, visits)
         ON CONFLICT (stage, day_start, exit_kind) DO UPDATE SET visits = t.visits + excluded.visits`,
        [stage, day, kind, visits],
      );
      if (cleanUp) await tx.query(
        `DELETE FROM rm_waterfall_exits_daily t USING unnest($1::text[], $2::timestamptz[], $3::text[]) AS u(stage, day_start, exit_kind)
          WHERE t.stage = u.stage AND t.day_start = u.day_start AND t.exit_kind = u.exit_kind AND t.visits = 0`,
        [stage, day, kind],
      );
    }
    if (this.cohort.net.size > 0) {
      const cleanUp = this.cohort.subtracts();
      const [dimension, day, key, mask, leads] = columns(this.cohort.net, 4);
      await tx.query(
        `INSERT INTO rm_cohort_daily AS t (dimension, day_start, key, reached_mask, leads)
         SELECT dimension, day_start, key, reached_mask, leads
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[], $5::int[]) AS u(dimension, day_start, key, reached_mask, leads)
         ON CONFLICT (dimension, day_start, key, reached_mask) DO UPDATE SET leads = t.leads + excluded.leads`,
        [dimension, day, key, mask, leads],
      );
      if (cleanUp) await tx.query(
        `DELETE FROM rm_cohort_daily t USING unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[]) AS u(dimension, day_start, key, reached_mask)
          WHERE t.dimension = u.dimension AND t.day_start = u.day_start AND t.key = u.key AND t.reached_mask = u.reached_mask AND t.leads = 0`,
        [dimension, day, key, mask],
      );
    }
  }
}

/** The net map as parallel arrays: the key's `parts` fields, then the net counts. */
function columns(net: Map<string, number>, parts: number): unknown[][] {
  const out: unknown[][] = Array.from({ length: parts + 1 }, () => []);
  for (const [key, count] of net) {
    const fields = key.split(SEP);
    for (let i = 0; i < parts; i++) out[i]!.push(fields[i]);
    out[parts]!.push(count);
  }
  return out;
}
