/**
 * The waterfall in two set-based queries over the lead_funnel read models (shared/metrics.md, "Waterfall").
 * The periods come in as two parallel arrays ($1 starts, $2 ends) cut in the definition's time zone by
 * libs/domain periodsBetween, so SQL and the API agree on every boundary (DST days included); each visit is
 * bucketed by a range join on that small period table, grouped by period and stage.
 *
 * Value of a visit: exit_value when closed; the lead's current value (rm_lead_summary.value, else 0) when open.
 */

/** Cohort of visits: the visits of S whose entered_at is in P, with their exit kind as of now. */
export const WATERFALL_ENTERED_SQL = `
WITH periods AS (
  SELECT p.idx, p.p_start, p.p_end
  FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(p_start, p_end, idx)
),
visits AS (
  SELECT v.stage, v.entered_at, v.exit_kind,
         (CASE WHEN v.exit_kind = 'open' THEN COALESCE(s.value, 0) ELSE COALESCE(v.exit_value, 0) END)::float8 AS value,
         EXTRACT(EPOCH FROM (v.exited_at - v.entered_at))::float8 AS seconds
  FROM rm_stage_visits v
  LEFT JOIN rm_lead_summary s ON s.lead_id = v.lead_id
  WHERE v.stage = ANY($3::text[])
    AND v.entered_at >= ($1::timestamptz[])[1]
    AND v.entered_at < ($2::timestamptz[])[cardinality($2::timestamptz[])]
)
SELECT p.idx::int AS idx, v.stage,
       count(*)::int                                             AS entered,
       count(*) FILTER (WHERE v.exit_kind = 'advanced')::int     AS advanced,
       count(*) FILTER (WHERE v.exit_kind = 'recycled')::int     AS recycled,
       count(*) FILTER (WHERE v.exit_kind = 'rejected')::int     AS rejected,
       count(*) FILTER (WHERE v.exit_kind = 'lost')::int         AS lost,
       count(*) FILTER (WHERE v.exit_kind = 'open')::int         AS open,
       COALESCE(sum(v.value), 0)                                          AS entered_value,
       COALESCE(sum(v.value) FILTER (WHERE v.exit_kind = 'advanced'), 0)  AS advanced_value,
       COALESCE(sum(v.value) FILTER (WHERE v.exit_kind = 'recycled'), 0)  AS recycled_value,
       COALESCE(sum(v.value) FILTER (WHERE v.exit_kind = 'rejected'), 0)  AS rejected_value,
       COALESCE(sum(v.value) FILTER (WHERE v.exit_kind = 'lost'), 0)      AS lost_value,
       COALESCE(sum(v.value) FILTER (WHERE v.exit_kind = 'open'), 0)      AS open_value,
       avg(v.seconds) FILTER (WHERE v.exit_kind = 'advanced')             AS velocity_mean,
       percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY v.seconds)
         FILTER (WHERE v.exit_kind = 'advanced')                          AS velocity_pct
FROM visits v
JOIN periods p ON v.entered_at >= p.p_start AND v.entered_at < p.p_end
GROUP BY p.idx, v.stage
`;

/** Flow: visits of S, whatever their entry, whose exited_at is in P, by exit kind. */
export const WATERFALL_EXITED_SQL = `
WITH periods AS (
  SELECT p.idx, p.p_start, p.p_end
  FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(p_start, p_end, idx)
)
SELECT p.idx::int AS idx, v.stage,
       count(*) FILTER (WHERE v.exit_kind = 'advanced')::int AS exited_advanced,
       count(*) FILTER (WHERE v.exit_kind = 'recycled')::int AS exited_recycled,
       count(*) FILTER (WHERE v.exit_kind = 'rejected')::int AS exited_rejected,
       count(*) FILTER (WHERE v.exit_kind = 'lost')::int     AS exited_lost
FROM rm_stage_visits v
JOIN periods p ON v.exited_at >= p.p_start AND v.exited_at < p.p_end
WHERE v.stage = ANY($3::text[])
  AND v.exited_at >= ($1::timestamptz[])[1]
  AND v.exited_at < ($2::timestamptz[])[cardinality($2::timestamptz[])]
GROUP BY p.idx, v.stage
`;
