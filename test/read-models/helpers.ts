import pg from 'pg';
import { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import type { LeadEvent } from '../../libs/domain/src/index.js';
import { ALL_MIGRATIONS } from '../../libs/read-models/src/migrations/index.js';
import { openProjectionDb, type ProjectionTestDb } from '../projections/helpers.js';

export type ReadModelDb = ProjectionTestDb;

/** A fresh database migrated with event store + projections + read models. */
export function openReadModelDb(): Promise<ReadModelDb> {
  return openProjectionDb({ poolSize: 5, migrations: ALL_MIGRATIONS });
}

export async function appendLead(store: PostgresEventStore, leadId: string, events: readonly LeadEvent[], fromRevision = 0): Promise<void> {
  if (events.length === 0) return;
  await store.append(
    leadId,
    events.map((e) => ({
      type: e.type,
      schemaVersion: e.schemaVersion,
      data: e.data,
      occurredAt: e.occurredAt,
      metadata: { actor: { type: 'system' as const, id: 'read-model-tests' }, correlationId: null, causationId: null },
    })),
    { expectedRevision: fromRevision === 0 ? 'no_stream' : fromRevision },
  );
}

const n = (v: string | null): number | null => (v === null ? null : Number(v));

export interface SummaryRecord {
  leadId: string;
  channel: string;
  campaign: string | null;
  origin: string;
  attributes: unknown;
  account: unknown;
  capturedAt: Date;
  status: string;
  stage: string | null;
  ownerId: string | null;
  team: string | null;
  score: number | null;
  value: number | null;
  currency: string | null;
  wonAt: Date | null;
  wonAmount: number | null;
  funnelPosition: unknown;
  visitCount: number;
  slaCaseCount: number;
  lastRevision: number;
  lastOccurredAt: Date;
}

export async function summaries(pool: pg.Pool): Promise<SummaryRecord[]> {
  const { rows } = await pool.query(`SELECT *, value::text AS value_t, won_amount::text AS won_amount_t, last_revision::text AS rev_t FROM rm_lead_summary ORDER BY lead_id`);
  return rows.map((r) => ({
    leadId: r.lead_id,
    channel: r.channel,
    campaign: r.campaign,
    origin: r.origin,
    attributes: r.attributes,
    account: r.account,
    capturedAt: r.captured_at,
    status: r.status,
    stage: r.stage,
    ownerId: r.owner_id,
    team: r.team,
    score: r.score,
    value: n(r.value_t),
    currency: r.currency,
    wonAt: r.won_at,
    wonAmount: n(r.won_amount_t),
    funnelPosition: r.funnel_position,
    visitCount: r.visit_count,
    slaCaseCount: r.sla_case_count,
    lastRevision: Number(r.rev_t),
    lastOccurredAt: r.last_occurred_at,
  }));
}

export interface VisitRecord {
  leadId: string;
  visitNumber: number;
  stage: string;
  stageOrder: number;
  enteredAt: Date;
  enteredByRevision: number;
  exitedAt: Date | null;
  exitedByRevision: number | null;
  exitKind: string;
  exitValue: number | null;
}

export async function visits(pool: pg.Pool): Promise<VisitRecord[]> {
  const { rows } = await pool.query(
    `SELECT lead_id, visit_number, stage, stage_order, entered_at, entered_by_revision::text AS er, exited_at, exited_by_revision::text AS xr,
            exit_kind, exit_value::text AS ev FROM rm_stage_visits ORDER BY lead_id, visit_number`,
  );
  return rows.map((r) => ({
    leadId: r.lead_id,
    visitNumber: r.visit_number,
    stage: r.stage,
    stageOrder: r.stage_order,
    enteredAt: r.entered_at,
    enteredByRevision: Number(r.er),
    exitedAt: r.exited_at,
    exitedByRevision: n(r.xr),
    exitKind: r.exit_kind,
    exitValue: n(r.ev),
  }));
}

export interface SlaCaseRecord {
  leadId: string;
  caseNumber: number;
  handedOffAt: Date;
  dueAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  ownerId: string | null;
  team: string | null;
  responseWorkingSeconds: number | null;
  responseCalendarSeconds: number | null;
}

export async function slaCases(pool: pg.Pool): Promise<SlaCaseRecord[]> {
  const { rows } = await pool.query(`SELECT * FROM rm_sla_cases ORDER BY lead_id, case_number`);
  return rows.map((r) => ({
    leadId: r.lead_id,
    caseNumber: r.case_number,
    handedOffAt: r.handed_off_at,
    dueAt: r.due_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    ownerId: r.owner_id,
    team: r.team,
    responseWorkingSeconds: r.response_working_seconds,
    responseCalendarSeconds: r.response_calendar_seconds,
  }));
}

/**
 * The daily aggregates as stored, and as recomputed from scratch from the row tables (visits, summaries) in
 * the definition's zone: incremental maintenance by contributions must give the same rows (no leftover zero
 * rows either).
 */
export async function storedAggregates(pool: pg.Pool) {
  const waterfall = await pool.query(
    `SELECT stage, day_start, exit_kind, visits, value::float8 AS value FROM rm_waterfall_daily
      ORDER BY stage, day_start, exit_kind`,
  );
  const exits = await pool.query(
    `SELECT stage, day_start, exit_kind, visits FROM rm_waterfall_exits_daily ORDER BY stage, day_start, exit_kind`,
  );
  const cohorts = await pool.query(
    `SELECT dimension, day_start, key, reached_mask, leads FROM rm_cohort_daily ORDER BY dimension, day_start, key, reached_mask`,
  );
  const masks = await pool.query(`SELECT lead_id, reached_mask FROM rm_lead_summary ORDER BY lead_id`);
  return { waterfall: waterfall.rows, exits: exits.rows, cohorts: cohorts.rows, masks: masks.rows };
}

export async function aggregatesFromRows(pool: pg.Pool, timeZone: string) {
  const day = (column: string) => `date_trunc('day', ${column} AT TIME ZONE $1::text) AT TIME ZONE $1::text`;
  const waterfall = await pool.query(
    `SELECT v.stage, ${day('v.entered_at')} AS day_start, v.exit_kind, count(*)::int AS visits,
            sum(CASE WHEN v.exit_kind = 'open' THEN COALESCE(s.value, 0) ELSE COALESCE(v.exit_value, 0) END)::float8 AS value
       FROM rm_stage_visits v JOIN rm_lead_summary s ON s.lead_id = v.lead_id
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [timeZone],
  );
  const exits = await pool.query(
    `SELECT stage, ${day('exited_at')} AS day_start, exit_kind, count(*)::int AS visits
       FROM rm_stage_visits WHERE exit_kind <> 'open' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [timeZone],
  );
  const masks = await pool.query(
    `SELECT s.lead_id, COALESCE(bit_or(1 << (v.stage_order - 1)), 0)::int AS reached_mask
       FROM rm_lead_summary s LEFT JOIN rm_stage_visits v ON v.lead_id = s.lead_id
      GROUP BY s.lead_id ORDER BY s.lead_id`,
  );
  const cohorts = await pool.query(
    `WITH m AS (SELECT s.lead_id, s.channel, s.campaign, s.origin, s.captured_at, COALESCE(bit_or(1 << (v.stage_order - 1)), 0)::int AS mask
                  FROM rm_lead_summary s LEFT JOIN rm_stage_visits v ON v.lead_id = s.lead_id
                 GROUP BY s.lead_id, s.channel, s.campaign, s.origin, s.captured_at)
     SELECT d.dimension, ${day('m.captured_at')} AS day_start, d.key, m.mask AS reached_mask, count(*)::int AS leads
       FROM m CROSS JOIN LATERAL (VALUES ('channel', m.channel), ('campaign', COALESCE(m.campaign, '(none)')), ('origin', m.origin)) AS d(dimension, key)
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    [timeZone],
  );
  return { waterfall: waterfall.rows, exits: exits.rows, cohorts: cohorts.rows, masks: masks.rows };
}
