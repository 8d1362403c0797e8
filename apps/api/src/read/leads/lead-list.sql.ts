import type { Queryable } from '../../../../../libs/event-store/src/index.js';

/** The summary columns a Lead node is built from (alias s). */
const SUMMARY_COLUMNS = `s.lead_id, s.status, s.stage, s.last_revision::text AS last_revision, s.channel, s.campaign, s.origin,
       s.score, s.owner_id, s.team, s.captured_at, s.value::float8 AS value, s.currency`;

export interface SummaryRow {
  lead_id: string;
  status: string;
  stage: string | null;
  last_revision: string;
  channel: string;
  campaign: string | null;
  origin: string;
  score: number | null;
  owner_id: string | null;
  team: string | null;
  captured_at: Date;
  value: number | null;
  currency: string | null;
}

/** A keyset position: microseconds since the epoch (exact, as text) and the lead id. */
export interface Keyset {
  micros: string;
  leadId: string;
}

export interface PageRow<T> {
  total: number;
  before: number;
  row: T | null;
}

const MICROS = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
const FROM_MICROS = (param: string) => `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`;

/**
 * One round trip: the count of the filtered leads, how many precede the cursor, and the page after it
 * (limit + 1 rows, to tell whether a next page exists). Order: captured_at DESC, lead_id ASC (byte order).
 * $1 stage, $2 status, $3 owner, $4 team, $5 channel, $6 campaign, $7 origin, $8 capturedFrom, $9 capturedTo,
 * $10 id prefix, $11/$12 cursor (micros, lead id), $13 limit + 1.
 */
export const LEADS_SQL = `
WITH filtered AS (
  SELECT s.*
    FROM rm_lead_summary s
   WHERE ($1::text IS NULL OR s.stage = $1::text)
     AND ($2::text IS NULL OR s.status = $2::text)
     AND ($3::text IS NULL OR s.owner_id = $3::text)
     AND ($4::text IS NULL OR s.team = $4::text)
     AND ($5::text IS NULL OR s.channel = $5::text)
     AND ($6::text IS NULL OR s.campaign = $6::text)
     AND ($7::text IS NULL OR s.origin = $7::text)
     AND ($8::timestamptz IS NULL OR s.captured_at >= $8::timestamptz)
     AND ($9::timestamptz IS NULL OR s.captured_at < $9::timestamptz)
     AND ($10::text IS NULL OR left(s.lead_id, length($10::text)) = $10::text)
), after_cursor AS (
  SELECT f.*,
         ($11::text IS NULL
           OR f.captured_at < ${FROM_MICROS('$11')}
           OR (f.captured_at = ${FROM_MICROS('$11')} AND f.lead_id COLLATE "C" > $12::text COLLATE "C")) AS is_after
    FROM filtered f
), counts AS (
  SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT is_after)::int AS before FROM after_cursor
)
SELECT c.total, c.before, p.*
  FROM counts c
  LEFT JOIN LATERAL (
    SELECT ${SUMMARY_COLUMNS}, ${MICROS('s.captured_at')} AS cursor_micros
      FROM after_cursor s
     WHERE s.is_after
     ORDER BY s.captured_at DESC, s.lead_id COLLATE "C"
     LIMIT $13::int
  ) p ON true`;

export interface LeadQueryFilter {
  stage: string | null;
  status: string | null;
  ownerId: string | null;
  team: string | null;
  channel: string | null;
  campaign: string | null;
  origin: string | null;
  capturedFrom: Date | null;
  capturedTo: Date | null;
  search: string | null;
}

export type LeadPageRow = SummaryRow & { total: number; before: number; cursor_micros: string | null };

export async function queryLeadPage(db: Queryable, filter: LeadQueryFilter, after: Keyset | null, limit: number): Promise<LeadPageRow[]> {
  const { rows } = await db.query<LeadPageRow>({
    text: LEADS_SQL,
    values: [
      filter.stage,
      filter.status,
      filter.ownerId,
      filter.team,
      filter.channel,
      filter.campaign,
      filter.origin,
      filter.capturedFrom?.toISOString() ?? null,
      filter.capturedTo?.toISOString() ?? null,
      filter.search,
      after?.micros ?? null,
      after?.leadId ?? null,
      limit + 1,
    ],
  });
  return rows;
}

/**
 * Stuck leads (shared/metrics.md), one round trip. $1/$2: the stages considered and their definition limits
 * (null = use the p90 benchmark), $3: now, $4/$5: cursor (entered_at micros, lead id), $6: limit + 1.
 * The p90 benchmark of a stage is percentile_cont(0.9) of (exited_at - entered_at) over its visits that
 * exited 'advanced' in [now - 180 days, now]; no such visit = no limit = nobody stuck there. A visit is stuck
 * when now - entered_at > limit. Order: stuckFor DESC, i.e. entered_at ASC, then lead id (byte order).
 */
export const STUCK_SQL = `
WITH stages AS (
  SELECT st.stage, st.def_limit
    FROM unnest($1::text[], $2::float8[]) AS st(stage, def_limit)
), limits AS (
  SELECT st.stage,
         CASE WHEN st.def_limit IS NOT NULL THEN st.def_limit ELSE b.p90 END AS limit_seconds,
         CASE WHEN st.def_limit IS NOT NULL THEN 'definition' ELSE 'p90' END AS limit_source
    FROM stages st
    LEFT JOIN LATERAL (
      SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM (v.exited_at - v.entered_at))::float8) AS p90
        FROM rm_stage_visits v
       WHERE v.stage = st.stage
         AND v.exit_kind = 'advanced'
         AND v.exited_at >= $3::timestamptz - interval '4320 hours'
         AND v.exited_at <= $3::timestamptz
    ) b ON st.def_limit IS NULL
), stuck AS (
  SELECT v.lead_id, v.stage, v.entered_at,
         extract(epoch FROM ($3::timestamptz - v.entered_at))::float8 AS stuck_for,
         l.limit_seconds, l.limit_source,
         ($4::text IS NULL
           OR v.entered_at > ${FROM_MICROS('$4')}
           OR (v.entered_at = ${FROM_MICROS('$4')} AND v.lead_id COLLATE "C" > $5::text COLLATE "C")) AS is_after
    FROM rm_stage_visits v
    JOIN limits l ON l.stage = v.stage
   WHERE v.exit_kind = 'open'
     AND l.limit_seconds IS NOT NULL
     AND extract(epoch FROM ($3::timestamptz - v.entered_at))::float8 > l.limit_seconds
), counts AS (
  SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT is_after)::int AS before FROM stuck
)
SELECT c.total, c.before, p.*
  FROM counts c
  LEFT JOIN LATERAL (
    SELECT ${SUMMARY_COLUMNS}, k.stage AS visit_stage, k.entered_at, k.stuck_for, k.limit_seconds, k.limit_source,
           ${MICROS('k.entered_at')} AS cursor_micros
      FROM stuck k
      JOIN rm_lead_summary s ON s.lead_id = k.lead_id
     WHERE k.is_after
     ORDER BY k.entered_at, k.lead_id COLLATE "C"
     LIMIT $6::int
  ) p ON true`;

export type StuckPageRow = SummaryRow & {
  total: number;
  before: number;
  visit_stage: string;
  entered_at: Date;
  stuck_for: number;
  limit_seconds: number;
  limit_source: 'definition' | 'p90';
  cursor_micros: string | null;
};

export async function queryStuckPage(
  db: Queryable,
  stages: { key: string; limitSeconds: number | null }[],
  now: Date,
  after: Keyset | null,
  limit: number,
): Promise<StuckPageRow[]> {
  const { rows } = await db.query<StuckPageRow>({
    text: STUCK_SQL,
    values: [
      stages.map((s) => s.key),
      stages.map((s) => s.limitSeconds),
      now.toISOString(),
      after?.micros ?? null,
      after?.leadId ?? null,
      limit + 1,
    ],
  });
  return rows;
}
