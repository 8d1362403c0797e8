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

// ---- the same figures from the daily aggregates (migrations/1732460000000), for ranges whose bounds are
// local day starts in the definition's zone (every period is then a range of whole days). The periods are
// contiguous, so a row's period is width_bucket(instant, period starts): a binary search per row instead of a
// range join against the period list. ----

/** Counts and value sums per (period, stage) from rm_waterfall_daily. */
export const WATERFALL_ENTERED_DAILY_SQL = `
SELECT width_bucket(a.day_start, $1::timestamptz[]) AS idx, a.stage,
       COALESCE(sum(a.visits), 0)::int                                             AS entered,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'advanced'), 0)::int     AS advanced,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'recycled'), 0)::int     AS recycled,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'rejected'), 0)::int     AS rejected,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'lost'), 0)::int         AS lost,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'open'), 0)::int         AS open,
       COALESCE(sum(a.value), 0)::float8                                           AS entered_value,
       COALESCE(sum(a.value) FILTER (WHERE a.exit_kind = 'advanced'), 0)::float8   AS advanced_value,
       COALESCE(sum(a.value) FILTER (WHERE a.exit_kind = 'recycled'), 0)::float8   AS recycled_value,
       COALESCE(sum(a.value) FILTER (WHERE a.exit_kind = 'rejected'), 0)::float8   AS rejected_value,
       COALESCE(sum(a.value) FILTER (WHERE a.exit_kind = 'lost'), 0)::float8       AS lost_value,
       COALESCE(sum(a.value) FILTER (WHERE a.exit_kind = 'open'), 0)::float8       AS open_value
FROM rm_waterfall_daily a
WHERE a.stage = ANY($3::text[])
  AND a.day_start >= ($1::timestamptz[])[1]
  AND a.day_start < ($2::timestamptz[])[cardinality($2::timestamptz[])]
GROUP BY 1, 2
`;

/**
 * Velocity per (period, stage): percentiles do not add up, so they come from the advanced visits themselves,
 * read from the partial index rm_stage_visits_advanced_idx (stage, entered_at) INCLUDE (exited_at). One index
 * range per (period, stage) in a LATERAL subquery: each group is sorted alone, and the rows are never sorted
 * again to group them. date_part (float8), not EXTRACT (numeric since PostgreSQL 14: three times slower over
 * 200,000 visits). PostgreSQL does not run ordered-set aggregates in parallel, so the service sends one query
 * per stage at once.
 */
export const WATERFALL_VELOCITY_SQL = `
SELECT p.idx::int AS idx, st.stage, x.velocity_mean, x.velocity_pct
FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(p_start, p_end, idx)
CROSS JOIN unnest($3::text[]) AS st(stage)
CROSS JOIN LATERAL (
  SELECT avg(a.seconds) AS velocity_mean,
         percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY a.seconds) AS velocity_pct
  FROM (SELECT date_part('epoch', v.exited_at - v.entered_at) AS seconds
          FROM rm_stage_visits v
         WHERE v.exit_kind = 'advanced' AND v.stage = st.stage AND v.entered_at >= p.p_start AND v.entered_at < p.p_end) a
) x
WHERE x.velocity_pct IS NOT NULL
`;

/** Flow per (period, stage) from rm_waterfall_exits_daily. */
export const WATERFALL_EXITED_DAILY_SQL = `
SELECT width_bucket(a.day_start, $1::timestamptz[]) AS idx, a.stage,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'advanced'), 0)::int AS exited_advanced,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'recycled'), 0)::int AS exited_recycled,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'rejected'), 0)::int AS exited_rejected,
       COALESCE(sum(a.visits) FILTER (WHERE a.exit_kind = 'lost'), 0)::int     AS exited_lost
FROM rm_waterfall_exits_daily a
WHERE a.stage = ANY($3::text[])
  AND a.day_start >= ($1::timestamptz[])[1]
  AND a.day_start < ($2::timestamptz[])[cardinality($2::timestamptz[])]
GROUP BY 1, 2
`;
