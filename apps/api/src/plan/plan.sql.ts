/**
 * What funnelPlan measures, over the lead_funnel read models of the request's scope (ReadScopes qualifies the
 * rm_* names: the live version, a scenario or an as-of build).
 * Counts are the waterfall's (shared/metrics.md): the visits of a stage whose entered_at is in a range, and of
 * those the ones that exited advanced. They come from the daily aggregates when the range is whole local days
 * of the zone the aggregates were cut in, else from the visit rows; both give the same figures.
 */

/** Per stage ($1): visits entered in [$2, $3) and how many of them advanced, from rm_waterfall_daily. */
export const PLAN_BASIS_COUNTS_DAILY_SQL = `
SELECT a.stage,
       COALESCE(sum(a.visits), 0)::int                                         AS entered,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'advanced'), 0)::int AS advanced
FROM rm_waterfall_daily a
WHERE a.stage = ANY($1::text[]) AND a.day_start >= $2 AND a.day_start < $3
GROUP BY a.stage
`;

/** The same from the visit rows (any range). */
export const PLAN_BASIS_COUNTS_SQL = `
SELECT v.stage,
       count(*)::int                                         AS entered,
       count(*) FILTER (WHERE v.exit_kind = 'advanced')::int AS advanced
FROM rm_stage_visits v
WHERE v.stage = ANY($1::text[]) AND v.entered_at >= $2 AND v.entered_at < $3
GROUP BY v.stage
`;

/**
 * Per stage ($1): the median time in stage (seconds) of its visits entered in [$2, $3) that exited advanced,
 * i.e. the median velocity: medians do not add up, so they come from the advanced visits' partial covering index
 * (stage, entered_at) INCLUDE (exited_at), one index range per stage.
 */
export const PLAN_BASIS_LAG_SQL = `
SELECT st.stage, x.lag_seconds
FROM unnest($1::text[]) AS st(stage)
CROSS JOIN LATERAL (
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', v.exited_at - v.entered_at)) AS lag_seconds
  FROM rm_stage_visits v
  WHERE v.exit_kind = 'advanced' AND v.stage = st.stage AND v.entered_at >= $2 AND v.entered_at < $3
) x
WHERE x.lag_seconds IS NOT NULL
`;

/** Deals won in [$1, $2) and their average amount (rm_lead_summary.won_at is the Won event's occurredAt). */
export const PLAN_WON_SQL = `
SELECT count(*)::int AS deals, avg(s.won_amount)::float8 AS average
FROM rm_lead_summary s
WHERE s.won_at >= $1 AND s.won_at < $2
`;

/** Visits entered per (month, stage): months as parallel arrays $1 starts / $2 ends (contiguous), stages $3. */
export const PLAN_ACTUALS_DAILY_SQL = `
SELECT width_bucket(a.day_start, $1::timestamptz[]) AS idx, a.stage, COALESCE(sum(a.visits), 0)::int AS entered
FROM rm_waterfall_daily a
WHERE a.stage = ANY($3::text[])
  AND a.day_start >= ($1::timestamptz[])[1]
  AND a.day_start < ($2::timestamptz[])[cardinality($2::timestamptz[])]
GROUP BY 1, 2
`;

/** The same from the visit rows. */
export const PLAN_ACTUALS_SQL = `
SELECT width_bucket(v.entered_at, $1::timestamptz[]) AS idx, v.stage, count(*)::int AS entered
FROM rm_stage_visits v
WHERE v.stage = ANY($3::text[])
  AND v.entered_at >= ($1::timestamptz[])[1]
  AND v.entered_at < ($2::timestamptz[])[cardinality($2::timestamptz[])]
GROUP BY 1, 2
`;
