import { periodStart, type ExitKind } from '../../domain/src/index.js';
import type { ProjectionTransaction } from '../../projections/src/projection.js';

/**
 * The daily aggregates of migrations/1732460000000-AddLeadFunnelAggregates.ts, kept in step with the rows
 * they summarize by CONTRIBUTIONS: for every lead a batch touches, the projection subtracts what its stored
 * rows contributed before the batch and adds what its rows contribute after. Only a lead's latest visit can
 * change (close, relabel rejected -> recycled, or change value while open), so "before" is the stored summary
 * and latest visit, "after" is the new summary with that visit and every visit the batch opened.
 *
 * Contributions travel unsummed and are added up in SQL (numeric), so value sums stay exact decimals. A row
 * whose contributions cancel out is deleted, so the tables are the same whatever the batch boundaries were
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

export class AggregateContributions {
  private readonly dayStarts = new Map<string, string>();
  private readonly waterfall = { stage: [] as string[], day: [] as string[], kind: [] as string[], visits: [] as number[], value: [] as string[] };
  private readonly exits = { stage: [] as string[], day: [] as string[], kind: [] as string[], visits: [] as number[] };
  private readonly cohort = { dimension: [] as string[], day: [] as string[], key: [] as string[], mask: [] as number[], leads: [] as number[] };

  constructor(private readonly timeZone: string) {}

  /** Start of the local day of an instant, in the definition's zone (memoized per batch: many share a day). */
  private dayOf(iso: string): string {
    let start = this.dayStarts.get(iso);
    if (start === undefined) {
      start = periodStart(new Date(iso), 'DAY', this.timeZone).toISOString();
      this.dayStarts.set(iso, start);
    }
    return start;
  }

  /** Adds (sign 1) or removes (sign -1) what one lead and the given visits of it contribute. */
  add(lead: ContributingLead, visits: Iterable<ContributingVisit>, sign: 1 | -1): void {
    const captureDay = this.dayOf(lead.captured_at);
    const dims: [string, string][] = [
      ['channel', lead.channel],
      ['campaign', lead.campaign ?? NONE_KEY],
      ['origin', lead.origin],
    ];
    for (const [dimension, key] of dims) {
      this.cohort.dimension.push(dimension);
      this.cohort.day.push(captureDay);
      this.cohort.key.push(key);
      this.cohort.mask.push(lead.reached_mask);
      this.cohort.leads.push(sign);
    }
    for (const visit of visits) {
      const value = visit.exit_kind === 'open' ? (lead.value ?? 0) : (visit.exit_value ?? 0);
      this.waterfall.stage.push(visit.stage);
      this.waterfall.day.push(this.dayOf(visit.entered_at));
      this.waterfall.kind.push(visit.exit_kind);
      this.waterfall.visits.push(sign);
      this.waterfall.value.push(String(sign * value));
      if (visit.exit_kind !== 'open' && visit.exited_at !== null) {
        this.exits.stage.push(visit.stage);
        this.exits.day.push(this.dayOf(visit.exited_at));
        this.exits.kind.push(visit.exit_kind);
        this.exits.visits.push(sign);
      }
    }
  }

  async write(tx: ProjectionTransaction): Promise<void> {
    const w = this.waterfall;
    if (w.stage.length > 0) {
      await tx.query(
        `INSERT INTO rm_waterfall_daily AS t (stage, day_start, exit_kind, visits, value)
         SELECT stage, day_start, exit_kind, sum(visits)::int, sum(value)
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[], $5::numeric[]) AS u(stage, day_start, exit_kind, visits, value)
          GROUP BY 1, 2, 3
         HAVING sum(visits) <> 0 OR sum(value) <> 0
         ON CONFLICT (stage, day_start, exit_kind) DO UPDATE SET visits = t.visits + excluded.visits, value = t.value + excluded.value`,
        [w.stage, w.day, w.kind, w.visits, w.value],
      );
      await tx.query(
        `DELETE FROM rm_waterfall_daily t USING unnest($1::text[], $2::timestamptz[], $3::text[]) AS u(stage, day_start, exit_kind)
          WHERE t.stage = u.stage AND t.day_start = u.day_start AND t.exit_kind = u.exit_kind AND t.visits = 0 AND t.value = 0`,
        [w.stage, w.day, w.kind],
      );
    }
    const x = this.exits;
    if (x.stage.length > 0) {
      await tx.query(
        `INSERT INTO rm_waterfall_exits_daily AS t (stage, day_start, exit_kind, visits)
         SELECT stage, day_start, exit_kind, sum(visits)::int
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[]) AS u(stage, day_start, exit_kind, visits)
          GROUP BY 1, 2, 3
         HAVING sum(visits) <> 0
         ON CONFLICT (stage, day_start, exit_kind) DO UPDATE SET visits = t.visits + excluded.visits`,
        [x.stage, x.day, x.kind, x.visits],
      );
      await tx.query(
        `DELETE FROM rm_waterfall_exits_daily t USING unnest($1::text[], $2::timestamptz[], $3::text[]) AS u(stage, day_start, exit_kind)
          WHERE t.stage = u.stage AND t.day_start = u.day_start AND t.exit_kind = u.exit_kind AND t.visits = 0`,
        [x.stage, x.day, x.kind],
      );
    }
    const c = this.cohort;
    if (c.dimension.length > 0) {
      await tx.query(
        `INSERT INTO rm_cohort_daily AS t (dimension, day_start, key, reached_mask, leads)
         SELECT dimension, day_start, key, reached_mask, sum(leads)::int
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[], $5::int[]) AS u(dimension, day_start, key, reached_mask, leads)
          GROUP BY 1, 2, 3, 4
         HAVING sum(leads) <> 0
         ON CONFLICT (dimension, day_start, key, reached_mask) DO UPDATE SET leads = t.leads + excluded.leads`,
        [c.dimension, c.day, c.key, c.mask, c.leads],
      );
      await tx.query(
        `DELETE FROM rm_cohort_daily t USING unnest($1::text[], $2::timestamptz[], $3::text[], $4::int[]) AS u(dimension, day_start, key, reached_mask)
          WHERE t.dimension = u.dimension AND t.day_start = u.day_start AND t.key = u.key AND t.reached_mask = u.reached_mask AND t.leads = 0`,
        [c.dimension, c.day, c.key, c.mask],
      );
    }
  }
}
