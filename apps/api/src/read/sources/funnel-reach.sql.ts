import type { Queryable } from '../../../../../libs/event-store/src/index.js';

/** One group's figures as computed by `funnelReachByKey`. */
export interface ReachRow {
  key: string;
  leads: number;
  /** Per stage (definition order): leads that reached it. */
  reached: number[];
  /** Per stage: leads that reached it and also a later stage. */
  onward: number[];
  wonCount: number;
  wonValue: number | null;
  averageDealValue: number | null;
  timeToWinCount: number;
  timeToWinMedian: number | null;
  timeToWinMean: number | null;
  timeToWinP90: number | null;
}

/**
 * One set-based query over the read models. `cohortSql` is a SELECT producing (lead_id, key) for the leads to
 * count; its parameters are `params`; the stage keys (definition order) are appended as the last parameter.
 * Per lead: the set of reached stage indexes (1-based positions in the definition) and the highest of them;
 * per key and stage: reached = leads whose set holds the stage, onward = those whose highest index is later.
 */
export function funnelReachSql(cohortSql: string, stagesParam: number): string {
  return `
WITH cohort AS (${cohortSql}),
per_lead AS (
  SELECT c.lead_id, c.key,
         COALESCE(array_agg(DISTINCT array_position($${stagesParam}::text[], v.stage))
                    FILTER (WHERE array_position($${stagesParam}::text[], v.stage) IS NOT NULL), '{}'::int[]) AS idx,
         COALESCE(max(array_position($${stagesParam}::text[], v.stage)), 0) AS max_idx
    FROM cohort c
    LEFT JOIN rm_stage_visits v ON v.lead_id = c.lead_id
   GROUP BY c.lead_id, c.key
),
per_stage AS (
  SELECT p.key, g.k,
         count(*) FILTER (WHERE g.k = ANY (p.idx))::int AS reached,
         count(*) FILTER (WHERE g.k = ANY (p.idx) AND p.max_idx > g.k)::int AS onward
    FROM per_lead p
   CROSS JOIN generate_series(1, cardinality($${stagesParam}::text[])) AS g(k)
   GROUP BY p.key, g.k
),
stages AS (
  SELECT key, array_agg(reached ORDER BY k) AS reached, array_agg(onward ORDER BY k) AS onward
    FROM per_stage GROUP BY key
),
wins AS (
  SELECT p.key, count(*)::int AS leads,
         count(s.won_at)::int AS won_count,
         sum(s.won_amount) FILTER (WHERE s.won_at IS NOT NULL)::float8 AS won_value,
         avg(s.won_amount) FILTER (WHERE s.won_at IS NOT NULL)::float8 AS average_deal_value,
         count(s.won_at - s.captured_at)::int AS ttw_count,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.won_at - s.captured_at)::float8) AS ttw_median,
         avg(extract(epoch FROM s.won_at - s.captured_at)::float8) AS ttw_mean,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM s.won_at - s.captured_at)::float8) AS ttw_p90
    FROM per_lead p
    JOIN rm_lead_summary s ON s.lead_id = p.lead_id
   GROUP BY p.key
)
SELECT w.key, w.leads, st.reached, st.onward, w.won_count, w.won_value, w.average_deal_value,
       w.ttw_count, w.ttw_median, w.ttw_mean, w.ttw_p90
  FROM wins w JOIN stages st ON st.key = w.key
 ORDER BY w.leads DESC, w.key`;
}

export async function funnelReachByKey(db: Queryable, cohortSql: string, params: unknown[], stageKeys: readonly string[]): Promise<ReachRow[]> {
  const sql = funnelReachSql(cohortSql, params.length + 1);
  const { rows } = await db.query({ text: sql, values: [...params, stageKeys] });
  return (rows as any[]).map((r) => ({
    key: String(r.key),
    leads: Number(r.leads),
    reached: (r.reached as number[]).map(Number),
    onward: (r.onward as number[]).map(Number),
    wonCount: Number(r.won_count),
    wonValue: r.won_value === null ? null : Number(r.won_value),
    averageDealValue: r.average_deal_value === null ? null : Number(r.average_deal_value),
    timeToWinCount: Number(r.ttw_count),
    timeToWinMedian: r.ttw_median === null ? null : Number(r.ttw_median),
    timeToWinMean: r.ttw_mean === null ? null : Number(r.ttw_mean),
    timeToWinP90: r.ttw_p90 === null ? null : Number(r.ttw_p90),
  }));
}
