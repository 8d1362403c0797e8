import type { Queryable } from '../../../../../libs/event-store/src/index.js';

/** One group's figures (a source key, or a cohort period's index). */
export interface ReachRow extends WinStats {
  leads: number;
  /** Per stage (definition order): leads that reached it. */
  reached: number[];
  /** Per stage: leads that reached it and also a later stage. */
  onward: number[];
}

/** Leads of one group with the same set of reached stages (rm_lead_summary.reached_mask). */
export interface MaskCount {
  key: string;
  mask: number;
  leads: number;
}

export interface WinStats {
  key: string;
  wonCount: number;
  wonValue: number | null;
  averageDealValue: number | null;
  timeToWinCount: number;
  timeToWinMedian: number | null;
  timeToWinMean: number | null;
  timeToWinP90: number | null;
}

/**
 * reached(S) and onward(S) from reached-stage sets: bit k of a mask = the lead visited stage k+1 of the
 * definition; "onward" = it also visited a later stage (its highest bit is above k), the numerator of
 * conversionToNext and of the step rates (a lead may skip stages, shared/metrics.md).
 */
export function combineReach(stageCount: number, masks: readonly MaskCount[], wins: readonly WinStats[]): ReachRow[] {
  const byKey = new Map<string, ReachRow>();
  for (const { key, mask, leads } of masks) {
    let row = byKey.get(key);
    if (!row) {
      row = {
        key,
        leads: 0,
        reached: new Array<number>(stageCount).fill(0),
        onward: new Array<number>(stageCount).fill(0),
        wonCount: 0,
        wonValue: null,
        averageDealValue: null,
        timeToWinCount: 0,
        timeToWinMedian: null,
        timeToWinMean: null,
        timeToWinP90: null,
      };
      byKey.set(key, row);
    }
    row.leads += leads;
    const highest = mask === 0 ? -1 : 31 - Math.clz32(mask);
    for (let k = 0; k < stageCount; k++) {
      if ((mask & (1 << k)) === 0) continue;
      row.reached[k]! += leads;
      if (highest > k) row.onward[k]! += leads;
    }
  }
  for (const win of wins) {
    const row = byKey.get(win.key);
    if (row) Object.assign(row, { ...win, key: row.key });
  }
  return [...byKey.values()].sort((a, b) => b.leads - a.leads || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const toMasks = (rows: Record<string, unknown>[]): MaskCount[] =>
  rows.map((r) => ({ key: String(r.key), mask: Number(r.mask), leads: Number(r.leads) }));

/**
 * Row-level path: `keySql` is an expression over rm_lead_summary `s`, `whereSql` filters the cohort; both use
 * `params`. Any source key (capture attributes, account fields) and any range, one scan of the cohort.
 */
export async function masksFromLeads(db: Queryable, keySql: string, whereSql: string, params: unknown[]): Promise<MaskCount[]> {
  const { rows } = await db.query({
    text: `SELECT ${keySql} AS key, s.reached_mask AS mask, count(*)::int AS leads FROM rm_lead_summary s WHERE ${whereSql} GROUP BY 1, 2`,
    values: params,
  });
  return toMasks(rows);
}

/** Aggregate path: channel, campaign or origin over whole local days, from rm_cohort_daily. */
export async function masksFromDaily(db: Queryable, dimension: 'channel' | 'campaign' | 'origin', from: Date, to: Date): Promise<MaskCount[]> {
  const { rows } = await db.query({
    text: `SELECT key, reached_mask AS mask, sum(leads)::int AS leads
             FROM rm_cohort_daily
            WHERE dimension = $1 AND day_start >= $2 AND day_start < $3
            GROUP BY 1, 2 HAVING sum(leads) > 0`,
    values: [dimension, from, to],
  });
  return toMasks(rows);
}

/** Aggregate path of the cohort view: leads by capture period (key = the period's 1-based index). */
export async function periodMasksFromDaily(db: Queryable, starts: Date[], ends: Date[]): Promise<MaskCount[]> {
  const { rows } = await db.query({
    // Every lead has exactly one origin: the origin rows count each lead once.
    text: `SELECT width_bucket(a.day_start, $1::timestamptz[])::text AS key, a.reached_mask AS mask, sum(a.leads)::int AS leads
             FROM rm_cohort_daily a
            WHERE a.dimension = 'origin' AND a.day_start >= ($1::timestamptz[])[1]
              AND a.day_start < ($2::timestamptz[])[cardinality($2::timestamptz[])]
            GROUP BY 1, 2 HAVING sum(a.leads) > 0`,
    values: [starts, ends],
  });
  return toMasks(rows);
}

/** Row-level cohort view: leads by capture period, for ranges that are not whole local days. */
export async function periodMasksFromLeads(db: Queryable, starts: Date[], ends: Date[]): Promise<MaskCount[]> {
  const { rows } = await db.query({
    text: `SELECT p.idx::text AS key, s.reached_mask AS mask, count(*)::int AS leads
             FROM rm_lead_summary s
             JOIN unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(start_at, end_at, idx)
               ON s.captured_at >= p.start_at AND s.captured_at < p.end_at
            WHERE s.captured_at >= ($1::timestamptz[])[1] AND s.captured_at < ($2::timestamptz[])[cardinality($2::timestamptz[])]
            GROUP BY 1, 2`,
    values: [starts, ends],
  });
  return toMasks(rows);
}

/**
 * Won leads of the cohort by key: count, value, mean deal and time to win (Won - capture). Percentiles need
 * the rows; for channel, campaign and origin they come from the partial index rm_lead_summary_won_idx alone.
 */
export async function winsByKey(db: Queryable, keySql: string, whereSql: string, params: unknown[]): Promise<WinStats[]> {
  const { rows } = await db.query({
    text: `SELECT ${keySql} AS key, count(*)::int AS won_count,
                  sum(s.won_amount)::float8 AS won_value, avg(s.won_amount)::float8 AS average_deal_value,
                  count(*)::int AS ttw_count,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.won_at - s.captured_at)::float8) AS ttw_median,
                  avg(extract(epoch FROM s.won_at - s.captured_at)::float8) AS ttw_mean,
                  percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM s.won_at - s.captured_at)::float8) AS ttw_p90
             FROM rm_lead_summary s
            WHERE s.won_at IS NOT NULL AND ${whereSql}
            GROUP BY 1`,
    values: params,
  });
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return (rows as Record<string, unknown>[]).map((r) => ({
    key: String(r.key),
    wonCount: Number(r.won_count),
    wonValue: num(r.won_value),
    averageDealValue: num(r.average_deal_value),
    timeToWinCount: Number(r.ttw_count),
    timeToWinMedian: num(r.ttw_median),
    timeToWinMean: num(r.ttw_mean),
    timeToWinP90: num(r.ttw_p90),
  }));
}
