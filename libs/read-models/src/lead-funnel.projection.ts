import {
  DEFAULT_FUNNEL_DEFINITION,
  NO_STAGE,
  evolve,
  initialLeadState,
  isLeadEventType,
  slaCalendar,
  stepFunnel,
  upcastLeadEvent,
  type CapturedLead,
  type ExitKind,
  type FunnelDefinition,
  type FunnelPosition,
  type LeadEvent,
  type LeadState,
  type LeadStatus,
  type Origin,
} from '../../domain/src/index.js';
import type { RecordedEvent, RecordedEventBody } from '../../event-store/src/index.js';
import { SpeculationFailedError, type BulkBuild, type Projection, type ProjectionTransaction, type StreamHistory } from '../../projections/src/projection.js';
import { AggregateContributions } from './lead-funnel.aggregates.js';
import { copyJson, copyLines, copyNullable, copyText } from './copy-rows.js';

/**
 * rm_lead_summary, rm_stage_visits and rm_sla_cases (migrations/1732450000000-CreateLeadFunnelReadModels.ts),
 * folded incrementally from the lead streams (stream id = lead id) with the domain's own interpreters:
 * `evolve` for the summary, `stepFunnel` for the visits (the incremental form of deriveStageVisits), the SLA
 * rules of deriveSlaCases for the cases. Per batch: ONE read (the batch's leads with their latest visit and
 * latest SLA case), the fold in memory, then one multi-row upsert per table.
 *
 * Events of other aggregates (types that are not lead events) are ignored. An event at or below a lead's
 * last_revision is ignored too (defensive: the runner delivers each event once).
 */
/** A folded batch, ready to write. */
export interface PreparedLeadFunnel {
  summaries: SummaryRow[];
  visits: VisitRow[];
  cases: SlaCaseRow[];
  contributions: AggregateContributions;
}

export class LeadFunnelProjection implements Projection {
  readonly name = 'lead_funnel';
  private readonly stageOrder: Map<string, number>;
  /**
   * The latest rows of recently touched leads, so most batches need not load them again (a lead's events
   * cluster in time). Never trusted blindly: an entry is used only when its last_revision is exactly the one
   * before the lead's first event in the batch. A lead's rows at revision r are a deterministic function of its
   * first r events, so such an entry equals what the database holds; an entry left ahead by a rolled-back
   * batch, or behind because another runner projected the lead meanwhile, fails the test and the rows are
   * loaded. An entry is copied when a batch takes it: a fold mutates what it is given.
   */
  private readonly recent = new Map<string, LoadedLead>();

  constructor(
    private readonly definition: FunnelDefinition = DEFAULT_FUNNEL_DEFINITION,
    // Catch-ups and rebuilds: larger batches touch fewer distinct leads per event (a lead's events cluster in
    // time) and amortize each transaction; measured with `npm run bench -- --suite read`.
    readonly batchSize: number = 5000,
    /** Leads kept in `recent` (least recently touched evicted first; a few KB each); bounds the memory, not correctness. */
    private readonly recentLeads: number = 20_000,
  ) {
    if (definition.stages.length > 31) throw new Error(`lead_funnel: at most 31 stages fit reached_mask (definition has ${definition.stages.length})`);
    this.stageOrder = new Map();
    definition.stages.forEach((stage, i) => {
      if (!this.stageOrder.has(stage.key)) this.stageOrder.set(stage.key, i + 1);
    });
  }

  async apply(tx: ProjectionTransaction, events: readonly RecordedEvent[]): Promise<void> {
    const prepared = await this.prepare(tx, events, { speculative: false });
    if (prepared) await this.write(tx, prepared);
  }

  /**
   * Loads the batch's leads and folds their events in memory: everything but the writes. Speculatively (the
   * runner prepares the next batch while the previous one's writes are still uncommitted), rows loaded from the
   * database may predate that batch: then a lead's stored revision is not the one just before its first event
   * here, and the preparation is refused (SpeculationFailedError) before anything is folded or remembered.
   */
  async prepare(db: ProjectionTransaction, events: readonly RecordedEvent[], options: { speculative: boolean }): Promise<PreparedLeadFunnel | null> {
    const byLead = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      if (!isLeadEventType(event.type)) continue;
      const list = byLead.get(event.streamId);
      if (list) list.push(event);
      else byLead.set(event.streamId, [event]);
    }
    if (byLead.size === 0) return null;

    const loaded = new Map<string, LoadedLead>();
    const toLoad: string[] = [];
    for (const [leadId, leadEvents] of byLead) {
      const cached = this.recent.get(leadId);
      if (cached && cached.summary.last_revision === leadEvents[0]!.revision - 1) loaded.set(leadId, copyLoaded(cached));
      else toLoad.push(leadId);
    }
    if (toLoad.length > 0) for (const [leadId, rows] of await loadLeads(db, toLoad)) loaded.set(leadId, rows);
    if (options.speculative) {
      for (const leadId of toLoad) {
        const storedRevision = loaded.get(leadId)?.summary.last_revision ?? 0;
        if (storedRevision !== byLead.get(leadId)![0]!.revision - 1) throw new SpeculationFailedError(this.name, leadId);
      }
    }
    const prepared = this.emptyPrepared();
    for (const [leadId, leadEvents] of byLead) {
      const latest = this.foldInto(prepared, leadId, loaded.get(leadId) ?? null, leadEvents);
      if (latest) this.remember(leadId, latest);
    }
    return prepared;
  }

  /**
   * Bulk builds (bulk-build.ts): each lead folded once from nothing, with the same fold as `prepare`, and its
   * rows COPYed in; the chunk's aggregate contributions are added like a batch's.
   */
  readonly bulk: BulkBuild = {
    fold: (streams) => this.foldStreams(streams),
    write: async (tx, folded) => {
      const { summaries, visits, cases, contributions } = folded as PreparedLeadFunnel;
      await copyLines(tx, 'rm_lead_summary', SUMMARY_COLUMNS, summaries.map(summaryLine));
      await copyLines(tx, 'rm_stage_visits', VISIT_COLUMNS, visits.map(visitLine));
      await copyLines(tx, 'rm_sla_cases', SLA_CASE_COLUMNS, cases.map(slaCaseLine));
      await contributions.write(tx);
    },
  };

  private foldStreams(streams: readonly StreamHistory[]): PreparedLeadFunnel {
    const prepared = this.emptyPrepared();
    for (const { streamId, events } of streams) {
      const leadEvents = events.filter((event) => isLeadEventType(event.type));
      if (leadEvents.length > 0) this.foldInto(prepared, streamId, null, leadEvents);
    }
    return prepared;
  }

  private emptyPrepared(): PreparedLeadFunnel {
    return { summaries: [], visits: [], cases: [], contributions: new AggregateContributions(this.definition.timeZone) };
  }

  /** Folds one lead onto its stored rows and adds the rows it changed to `into`; its latest rows, or null when nothing changed. */
  private foldInto(into: PreparedLeadFunnel, leadId: string, stored: LoadedLead | null, events: readonly RecordedEventBody[]): LoadedLead | null {
    const fold = this.foldLead(leadId, stored, events, into.contributions);
    if (!fold) return null;
    into.summaries.push(fold.summary);
    for (const visit of fold.visits.values()) into.visits.push(visit);
    for (const slaCase of fold.cases.values()) into.cases.push(slaCase);
    return fold.latest;
  }

  /** Writes what prepare folded, in the runner's batch transaction. */
  async write(tx: ProjectionTransaction, prepared: unknown): Promise<void> {
    const { summaries, visits, cases, contributions } = prepared as PreparedLeadFunnel;
    await writeSummaries(tx, summaries);
    await writeVisits(tx, visits);
    await writeSlaCases(tx, cases);
    await contributions.write(tx);
  }

  private remember(leadId: string, latest: LoadedLead): void {
    this.recent.delete(leadId); // re-insert: Map order is the eviction order
    this.recent.set(leadId, latest); // nothing changes these rows after the fold; a later batch takes a copy
    if (this.recent.size > this.recentLeads) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Folds one lead's new events (in revision order) onto its stored rows; null = nothing changed. */
  private foldLead(leadId: string, stored: LoadedLead | null, events: readonly RecordedEventBody[], contributions: AggregateContributions): LeadFold | null {
    const definition = this.definition;
    const { sla } = definition;
    const calendar = slaCalendar(definition);
    let summary: SummaryRow | null = stored?.summary ?? null;
    let state: LeadState = summary ? stateOf(summary) : initialLeadState(leadId);
    let position: FunnelPosition = summary?.funnel_position ?? NO_STAGE;
    // The rows this batch touches, by number; seeded with the stored latest visit / case (the only ones an
    // event can change besides those it opens).
    const visits = new Map<number, VisitRow>();
    const cases = new Map<number, SlaCaseRow>();
    const latestVisit = (): VisitRow | undefined => (summary ? visits.get(summary.visit_count) : undefined);
    const latestCase = (): SlaCaseRow | undefined => (summary ? cases.get(summary.sla_case_count) : undefined);
    const touchedVisits = new Set<number>();
    const touchedCases = new Set<number>();
    // What the stored rows contribute to the aggregates now (the latest visit is changed in place below).
    const before = stored ? { summary: stored.summary, latestVisit: stored.latestVisit ? { ...stored.latestVisit } : null } : null;
    if (stored?.latestVisit) visits.set(stored.latestVisit.visit_number, stored.latestVisit);
    if (stored?.latestCase) cases.set(stored.latestCase.case_number, stored.latestCase);

    let changed = false;
    for (const recorded of events) {
      if (summary && recorded.revision <= summary.last_revision) continue;
      const event = upcastLeadEvent({ type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data, occurredAt: recorded.occurredAt });
      state = evolve(state, event);
      if (!state.exists) throw new Error(`lead ${leadId}: not captured after ${event.type}`);
      const at = iso(event.occurredAt);
      // The stored summary is kept intact (its contributions are subtracted below); the fold's own copy is updated in place.
      summary = nextSummary(summary, state, event, recorded, at, summary !== null && summary !== stored?.summary);
      changed = true;

      // ---- stage visits ----
      const step = stepFunnel(position, event, definition);
      position = step.position;
      const { transition } = step;
      if (transition.recyclesRejectedExit) {
        const last = latestVisit();
        if (last && last.exit_kind === 'rejected') {
          last.exit_kind = 'recycled';
          touchedVisits.add(last.visit_number);
        }
      }
      if (transition.closes !== null) {
        const open = latestVisit();
        if (open && open.exit_kind === 'open') {
          open.exited_at = at;
          open.exited_by_revision = recorded.revision;
          open.exit_kind = transition.closes;
          open.exit_value = state.value ?? 0;
          touchedVisits.add(open.visit_number);
        }
      }
      if (transition.opens !== null) {
        const stageOrder = this.stageOrder.get(transition.opens);
        if (stageOrder === undefined) throw new Error(`lead ${leadId}: stage ${transition.opens} is not in the definition`);
        summary.visit_count++;
        summary.reached_mask |= 1 << (stageOrder - 1);
        visits.set(summary.visit_count, {
          lead_id: leadId,
          visit_number: summary.visit_count,
          stage: transition.opens,
          stage_order: stageOrder,
          entered_at: at,
          entered_by_revision: recorded.revision,
          exited_at: null,
          exited_by_revision: null,
          exit_kind: 'open',
          exit_value: null,
        });
        touchedVisits.add(summary.visit_count);
      }
      summary.stage = position.stage;
      summary.funnel_position = position;

      // ---- SLA cases (deriveSlaCases) ----
      if (event.type === sla.startedBy) {
        const handedOffAt = event.occurredAt;
        const owner = event.type === 'HandedOff' ? event.data : null;
        summary.sla_case_count++;
        cases.set(summary.sla_case_count, {
          lead_id: leadId,
          case_number: summary.sla_case_count,
          handed_off_at: at,
          due_at: iso(calendar.addWorkingDays(handedOffAt, sla.workingDays)),
          resolved_at: null,
          resolved_by: null,
          owner_id: owner?.ownerId ?? null,
          team: owner?.team ?? null,
          response_working_seconds: null,
          response_calendar_seconds: null,
        });
        touchedCases.add(summary.sla_case_count);
      } else if (sla.resolvedBy.includes(event.type)) {
        const latest = latestCase();
        if (latest && latest.resolved_at === null) {
          const handedOffAt = new Date(latest.handed_off_at);
          latest.resolved_at = at;
          latest.resolved_by = event.type;
          latest.response_working_seconds = calendar.workingSecondsBetween(handedOffAt, event.occurredAt);
          latest.response_calendar_seconds = Math.max(0, (event.occurredAt.getTime() - handedOffAt.getTime()) / 1000);
          touchedCases.add(latest.case_number);
        }
      }
    }
    if (!changed || !summary) return null;
    if (before) contributions.add(before.summary, before.latestVisit ? [before.latestVisit] : [], -1);
    contributions.add(summary, visits.values(), 1);
    // A lead folded from nothing (a bulk build, a new lead) has only rows this fold touched: nothing to filter.
    const pick = <K, V>(rows: Map<K, V>, touched: Set<K>) => (stored === null ? rows : new Map([...rows].filter(([key]) => touched.has(key))));
    return {
      summary,
      visits: pick(visits, touchedVisits),
      cases: pick(cases, touchedCases),
      latest: { summary, latestVisit: visits.get(summary.visit_count) ?? null, latestCase: cases.get(summary.sla_case_count) ?? null },
    };
  }
}

// ---- rows ------------------------------------------------------------------------------------------------

/** The columns a bulk build COPYs, and each row as a line of COPY text in that order (the rest keep their defaults). */
const SUMMARY_COLUMNS = [
  'lead_id', 'channel', 'campaign', 'origin', 'attributes', 'account', 'captured_at', 'status', 'stage', 'owner_id', 'team', 'score', 'value',
  'currency', 'won_at', 'won_amount', 'funnel_position', 'reached_mask', 'visit_count', 'sla_case_count', 'last_revision', 'last_occurred_at',
] as const satisfies readonly (keyof SummaryRow)[];
const summaryLine = (r: SummaryRow): string =>
  `${copyText(r.lead_id)}\t${copyText(r.channel)}\t${copyNullable(r.campaign)}\t${copyText(r.origin)}\t${copyJson(r.attributes ?? {})}\t` +
  `${copyJson(r.account)}\t${r.captured_at}\t${copyText(r.status)}\t${copyNullable(r.stage)}\t${copyNullable(r.owner_id)}\t${copyNullable(r.team)}\t` +
  `${copyNullable(r.score)}\t${copyNullable(r.value)}\t${copyNullable(r.currency)}\t${copyNullable(r.won_at)}\t${copyNullable(r.won_amount)}\t` +
  `${copyJson(r.funnel_position)}\t${r.reached_mask}\t${r.visit_count}\t${r.sla_case_count}\t${r.last_revision}\t${r.last_occurred_at}\n`;

const VISIT_COLUMNS = [
  'lead_id', 'visit_number', 'stage', 'stage_order', 'entered_at', 'entered_by_revision', 'exited_at', 'exited_by_revision', 'exit_kind', 'exit_value',
] as const satisfies readonly (keyof VisitRow)[];
const visitLine = (r: VisitRow): string =>
  `${copyText(r.lead_id)}\t${r.visit_number}\t${copyText(r.stage)}\t${r.stage_order}\t${r.entered_at}\t${r.entered_by_revision}\t` +
  `${copyNullable(r.exited_at)}\t${copyNullable(r.exited_by_revision)}\t${copyText(r.exit_kind)}\t${copyNullable(r.exit_value)}\n`;

const SLA_CASE_COLUMNS = [
  'lead_id', 'case_number', 'handed_off_at', 'due_at', 'resolved_at', 'resolved_by', 'owner_id', 'team', 'response_working_seconds',
  'response_calendar_seconds',
] as const satisfies readonly (keyof SlaCaseRow)[];
const slaCaseLine = (r: SlaCaseRow): string =>
  `${copyText(r.lead_id)}\t${r.case_number}\t${r.handed_off_at}\t${r.due_at}\t${copyNullable(r.resolved_at)}\t${copyNullable(r.resolved_by)}\t` +
  `${copyNullable(r.owner_id)}\t${copyNullable(r.team)}\t${copyNullable(r.response_working_seconds)}\t${copyNullable(r.response_calendar_seconds)}\n`;

/** Timestamps travel as ISO strings (jsonb_to_recordset casts them to timestamptz). */
interface SummaryRow {
  lead_id: string;
  channel: string;
  campaign: string | null;
  origin: Origin;
  attributes: Record<string, string>;
  account: unknown;
  captured_at: string;
  status: LeadStatus;
  stage: string | null;
  owner_id: string | null;
  team: string | null;
  score: number | null;
  value: number | null;
  currency: string | null;
  won_at: string | null;
  won_amount: number | null;
  funnel_position: FunnelPosition;
  /** Bit (stage_order - 1) per stage the lead ever visited. */
  reached_mask: number;
  visit_count: number;
  sla_case_count: number;
  last_revision: number;
  last_occurred_at: string;
}

interface VisitRow {
  lead_id: string;
  visit_number: number;
  stage: string;
  stage_order: number;
  entered_at: string;
  entered_by_revision: number;
  exited_at: string | null;
  exited_by_revision: number | null;
  exit_kind: ExitKind;
  exit_value: number | null;
}

interface SlaCaseRow {
  lead_id: string;
  case_number: number;
  handed_off_at: string;
  due_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  owner_id: string | null;
  team: string | null;
  response_working_seconds: number | null;
  response_calendar_seconds: number | null;
}

interface LoadedLead {
  summary: SummaryRow;
  latestVisit: VisitRow | null;
  latestCase: SlaCaseRow | null;
}

interface LeadFold {
  /** The lead's rows after the fold, as loadLeads would return them. */
  latest: LoadedLead;
  summary: SummaryRow;
  visits: Map<number, VisitRow>;
  cases: Map<number, SlaCaseRow>;
}

const iso = (date: Date): string => date.toISOString();

/** A copy whose rows can be changed in place (the fold does) without touching the original. */
function copyLoaded(rows: LoadedLead): LoadedLead {
  return {
    summary: { ...rows.summary },
    latestVisit: rows.latestVisit ? { ...rows.latestVisit } : null,
    latestCase: rows.latestCase ? { ...rows.latestCase } : null,
  };
}

/** The write side's state, rebuilt from the summary row (every field evolve reads is stored). */
function stateOf(row: SummaryRow): CapturedLead {
  return {
    exists: true,
    leadId: row.lead_id,
    status: row.status,
    revision: row.last_revision,
    source: { channel: row.channel, campaign: row.campaign, origin: row.origin },
    capturedAt: new Date(row.captured_at),
    score: row.score,
    ownerId: row.owner_id,
    team: row.team,
    value: row.value,
    currency: row.currency,
    lastOccurredAt: new Date(row.last_occurred_at),
  };
}

/** `at` is the event's occurredAt as ISO text. */
function nextSummary(previous: SummaryRow | null, state: CapturedLead, event: LeadEvent, recorded: RecordedEventBody, at: string, inPlace: boolean): SummaryRow {
  const base: SummaryRow =
    previous ??
    (event.type === 'ResponderCaptured'
      ? {
          lead_id: state.leadId,
          channel: event.data.channel,
          campaign: event.data.campaign,
          origin: event.data.origin,
          attributes: event.data.attributes ?? {},
          account: event.data.account ?? null,
          captured_at: at,
          status: state.status,
          stage: null,
          owner_id: null,
          team: null,
          score: null,
          value: null,
          currency: null,
          won_at: null,
          won_amount: null,
          funnel_position: NO_STAGE,
          reached_mask: 0,
          visit_count: 0,
          sla_case_count: 0,
          last_revision: 0,
          last_occurred_at: at,
        }
      : unreachable(state.leadId, event));
  const next: SummaryRow = inPlace ? base : { ...base };
  next.status = state.status;
  next.owner_id = state.ownerId;
  next.team = state.team;
  next.score = state.score;
  next.value = state.value;
  next.currency = state.currency;
  next.last_revision = recorded.revision;
  next.last_occurred_at = at;
  if (event.type === 'Won') {
    next.won_at = at;
    next.won_amount = event.data.amount;
  }
  return next;
}

function unreachable(leadId: string, event: LeadEvent): never {
  throw new Error(`lead ${leadId}: the stream must start with ResponderCaptured, not ${event.type}`);
}

// ---- SQL ---------------------------------------------------------------------------------------------------

/**
 * The leads' summaries with their latest visit and latest SLA case: one query for the whole batch, plain
 * columns (building jsonb on the server and parsing it again here cost a fifth of a rebuild).
 */
async function loadLeads(tx: ProjectionTransaction, leadIds: string[]): Promise<Map<string, LoadedLead>> {
  const { rows } = await tx.query<Record<string, any>>(
    `SELECT s.lead_id, s.channel, s.campaign, s.origin, s.attributes, s.account, s.captured_at, s.status, s.stage, s.owner_id,
            s.team, s.score, s.value::float8 AS value, s.currency, s.won_at, s.won_amount::float8 AS won_amount, s.funnel_position,
            s.reached_mask, s.visit_count, s.sla_case_count, s.last_revision::float8 AS last_revision, s.last_occurred_at,
            v.visit_number AS v_visit_number, v.stage AS v_stage, v.stage_order AS v_stage_order, v.entered_at AS v_entered_at,
            v.entered_by_revision::float8 AS v_entered_by_revision, v.exited_at AS v_exited_at,
            v.exited_by_revision::float8 AS v_exited_by_revision, v.exit_kind AS v_exit_kind, v.exit_value::float8 AS v_exit_value,
            c.case_number AS c_case_number, c.handed_off_at AS c_handed_off_at, c.due_at AS c_due_at, c.resolved_at AS c_resolved_at,
            c.resolved_by AS c_resolved_by, c.owner_id AS c_owner_id, c.team AS c_team,
            c.response_working_seconds AS c_response_working_seconds, c.response_calendar_seconds AS c_response_calendar_seconds
       FROM rm_lead_summary s
       LEFT JOIN rm_stage_visits v ON v.lead_id = s.lead_id AND v.visit_number = s.visit_count
       LEFT JOIN rm_sla_cases c ON c.lead_id = s.lead_id AND c.case_number = s.sla_case_count
      WHERE s.lead_id = ANY($1::text[])`,
    [leadIds],
  );
  const isoOrNull = (d: Date | null): string | null => (d === null ? null : iso(d));
  const loaded = new Map<string, LoadedLead>();
  for (const r of rows) {
    const summary: SummaryRow = {
      lead_id: r.lead_id,
      channel: r.channel,
      campaign: r.campaign,
      origin: r.origin,
      attributes: r.attributes,
      account: r.account,
      captured_at: iso(r.captured_at),
      status: r.status,
      stage: r.stage,
      owner_id: r.owner_id,
      team: r.team,
      score: r.score,
      value: r.value,
      currency: r.currency,
      won_at: isoOrNull(r.won_at),
      won_amount: r.won_amount,
      funnel_position: r.funnel_position,
      reached_mask: r.reached_mask,
      visit_count: r.visit_count,
      sla_case_count: r.sla_case_count,
      last_revision: r.last_revision,
      last_occurred_at: iso(r.last_occurred_at),
    };
    const latestVisit: VisitRow | null =
      r.v_visit_number === null
        ? null
        : {
            lead_id: r.lead_id,
            visit_number: r.v_visit_number,
            stage: r.v_stage,
            stage_order: r.v_stage_order,
            entered_at: iso(r.v_entered_at),
            entered_by_revision: r.v_entered_by_revision,
            exited_at: isoOrNull(r.v_exited_at),
            exited_by_revision: r.v_exited_by_revision,
            exit_kind: r.v_exit_kind,
            exit_value: r.v_exit_value,
          };
    const latestCase: SlaCaseRow | null =
      r.c_case_number === null
        ? null
        : {
            lead_id: r.lead_id,
            case_number: r.c_case_number,
            handed_off_at: iso(r.c_handed_off_at),
            due_at: iso(r.c_due_at),
            resolved_at: isoOrNull(r.c_resolved_at),
            resolved_by: r.c_resolved_by,
            owner_id: r.c_owner_id,
            team: r.c_team,
            response_working_seconds: r.c_response_working_seconds,
            response_calendar_seconds: r.c_response_calendar_seconds,
          };
    loaded.set(summary.lead_id, { summary, latestVisit, latestCase });
  }
  return loaded;
}

async function writeSummaries(tx: ProjectionTransaction, rows: SummaryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO rm_lead_summary AS t (lead_id, channel, campaign, origin, attributes, account, captured_at, status, stage, owner_id, team,
                                       score, value, currency, won_at, won_amount, funnel_position, reached_mask, visit_count, sla_case_count,
                                       last_revision, last_occurred_at)
     SELECT lead_id, channel, campaign, origin, COALESCE(attributes, '{}'::jsonb), account, captured_at, status, stage, owner_id, team,
            score, value, currency, won_at, won_amount, funnel_position, reached_mask, visit_count, sla_case_count, last_revision, last_occurred_at
       FROM jsonb_to_recordset($1::jsonb) AS r(lead_id text, channel text, campaign text, origin text, attributes jsonb, account jsonb,
            captured_at timestamptz, status text, stage text, owner_id text, team text, score int, value numeric, currency text,
            won_at timestamptz, won_amount numeric, funnel_position jsonb, reached_mask int, visit_count int, sla_case_count int,
            last_revision bigint, last_occurred_at timestamptz)
     ON CONFLICT (lead_id) DO UPDATE SET
       channel = excluded.channel, campaign = excluded.campaign, origin = excluded.origin, attributes = excluded.attributes,
       account = excluded.account, captured_at = excluded.captured_at, status = excluded.status, stage = excluded.stage,
       owner_id = excluded.owner_id, team = excluded.team, score = excluded.score, value = excluded.value,
       currency = excluded.currency, won_at = excluded.won_at, won_amount = excluded.won_amount,
       funnel_position = excluded.funnel_position, reached_mask = excluded.reached_mask, visit_count = excluded.visit_count, sla_case_count = excluded.sla_case_count,
       last_revision = excluded.last_revision, last_occurred_at = excluded.last_occurred_at`,
    [JSON.stringify(rows)],
  );
}

async function writeVisits(tx: ProjectionTransaction, rows: VisitRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO rm_stage_visits (lead_id, visit_number, stage, stage_order, entered_at, entered_by_revision, exited_at,
                                  exited_by_revision, exit_kind, exit_value)
     SELECT lead_id, visit_number, stage, stage_order, entered_at, entered_by_revision, exited_at, exited_by_revision, exit_kind, exit_value
       FROM jsonb_to_recordset($1::jsonb) AS r(lead_id text, visit_number int, stage text, stage_order int, entered_at timestamptz,
            entered_by_revision bigint, exited_at timestamptz, exited_by_revision bigint, exit_kind text, exit_value numeric)
     ON CONFLICT (lead_id, visit_number) DO UPDATE SET
       stage = excluded.stage, stage_order = excluded.stage_order, entered_at = excluded.entered_at,
       entered_by_revision = excluded.entered_by_revision, exited_at = excluded.exited_at,
       exited_by_revision = excluded.exited_by_revision, exit_kind = excluded.exit_kind, exit_value = excluded.exit_value`,
    [JSON.stringify(rows)],
  );
}

async function writeSlaCases(tx: ProjectionTransaction, rows: SlaCaseRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO rm_sla_cases (lead_id, case_number, handed_off_at, due_at, resolved_at, resolved_by, owner_id, team,
                               response_working_seconds, response_calendar_seconds)
     SELECT lead_id, case_number, handed_off_at, due_at, resolved_at, resolved_by, owner_id, team,
            response_working_seconds, response_calendar_seconds
       FROM jsonb_to_recordset($1::jsonb) AS r(lead_id text, case_number int, handed_off_at timestamptz, due_at timestamptz,
            resolved_at timestamptz, resolved_by text, owner_id text, team text, response_working_seconds double precision,
            response_calendar_seconds double precision)
     ON CONFLICT (lead_id, case_number) DO UPDATE SET
       handed_off_at = excluded.handed_off_at, due_at = excluded.due_at, resolved_at = excluded.resolved_at,
       resolved_by = excluded.resolved_by, owner_id = excluded.owner_id, team = excluded.team,
       response_working_seconds = excluded.response_working_seconds, response_calendar_seconds = excluded.response_calendar_seconds`,
    [JSON.stringify(rows)],
  );
}
