import {
  DomainError,
  InvalidTransitionError,
  LeadNotFoundError,
  ValidationError,
  decide,
  evolve,
  foldLead,
  upcastLeadEvent,
  type LeadCommand,
  type LeadEvent,
  type LeadEventType,
  type LeadState,
} from '../../domain/src/index.js';
import { importIdempotencyKey, type RowProblem, type SourceEvent } from './source-event.js';

/** The command each event type is recorded by, and the fields it takes (anything else is refused, not dropped). */
const COMMANDS: { readonly [T in LeadEventType]: { command: LeadCommand['type']; fields: readonly string[] } } = {
  ResponderCaptured: { command: 'CaptureResponder', fields: ['channel', 'origin', 'campaign', 'account', 'contact', 'attributes', 'estimatedValue'] },
  LeadScored: { command: 'ScoreLead', fields: ['budget', 'authority', 'need', 'timeframe', 'trust', 'model', 'total'] },
  HandedOff: { command: 'HandOffLead', fields: ['ownerId', 'team', 'note', 'estimatedValue'] },
  Accepted: { command: 'AcceptLead', fields: ['by', 'note'] },
  Rejected: { command: 'RejectLead', fields: ['by', 'reason', 'note'] },
  Recycled: { command: 'RecycleLead', fields: ['reason', 'toStage', 'note'] },
  Lost: { command: 'MarkLeadLost', fields: ['reason', 'value', 'competitor', 'note'] },
  Won: { command: 'MarkLeadWon', fields: ['amount', 'currency'] },
  StageAdvanced: { command: 'AdvanceLeadStage', fields: ['step', 'value', 'note'] },
};

export function fieldsOf(type: LeadEventType): readonly string[] {
  return COMMANDS[type].fields;
}

/** An event already stored for the lead (what the store returns), to compare with and to fold. */
export interface StoredLeadEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  occurredAt: Date;
}

/** An event ready to append: the normalised fact decide recorded, with its source-derived id. */
export interface PlannedEvent {
  eventId: string;
  event: LeadEvent;
  row: number;
}

export type LeadPlan =
  | { outcome: 'import'; leadId: string; events: PlannedEvent[]; expectedRevision: number; idempotencyKey: string; rows: number[] }
  | { outcome: 'skip'; leadId: string; events: number; rows: number[] }
  | { outcome: 'reject'; leadId: string; problems: RowProblem[]; rows: number[] };

export interface PlanContext {
  /** The decision's now: an event may not lie more than 5 minutes after it. */
  now: Date;
  defaultCurrency: string;
}

/**
 * A sorted copy; rows usually come in order already, and that check costs less than V8's sort, which allocates
 * its work state on every call (it showed in the import's garbage collection).
 */
function sortedCopy<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < items.length; i++) if (compare(items[i - 1]!, items[i]!) > 0) return [...items].sort(compare);
  return [...items];
}

/**
 * Decides one lead of an import, all or nothing (pure): its rows' events, sorted by business time (ties keep
 * the source order), must each pass the lead's rules (decide) on the state the earlier ones leave; the lead is
 * rejected with the first rule broken (row, field, reason), or with every row problem the mapping found.
 * A lead already stored is skipped when it holds every imported event, extended when what it holds is the
 * beginning of the import, and rejected otherwise (its history came from elsewhere: nothing is merged).
 */
export function planLead(leadId: string, sourceEvents: readonly SourceEvent[], rowProblems: readonly RowProblem[], stored: readonly StoredLeadEvent[], context: PlanContext): LeadPlan {
  const rows = sortedCopy([...new Set([...sourceEvents.map((e) => e.row), ...rowProblems.map((p) => p.row)])], (a, b) => a - b);
  if (rowProblems.length > 0) return { outcome: 'reject', leadId, problems: [...rowProblems].sort((a, b) => a.row - b.row), rows };

  const byId = new Map<string, SourceEvent>();
  for (const event of sourceEvents) {
    const twin = byId.get(event.eventId);
    if (twin) {
      return reject(leadId, rows, event.row, 'row', `row ${event.row} repeats row ${twin.row} (same lead, event and content): remove the duplicate or tell the two apart`);
    }
    byId.set(event.eventId, event);
  }
  const sorted = sortedCopy(sourceEvents, (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.sequence - b.sequence);

  let toAppend = sorted;
  let state: LeadState;
  if (stored.length > 0) {
    const storedIds = new Set(stored.map((e) => e.eventId));
    if (sorted.every((e) => storedIds.has(e.eventId))) return { outcome: 'skip', leadId, events: sorted.length, rows };
    const prefix = stored.every((e, i) => sorted[i]?.eventId === e.eventId);
    if (!prefix) {
      return reject(
        leadId,
        rows,
        rows[0]!,
        'leadId',
        `lead ${leadId} already has ${stored.length} event(s) that this import does not start with (recorded by another source or an earlier, different export): nothing is merged into it`,
      );
    }
    toAppend = sorted.slice(stored.length);
    try {
      state = foldLead(leadId, stored.map((e) => upcastLeadEvent(e)));
    } catch (error) {
      return reject(leadId, rows, rows[0]!, 'leadId', `the stored history of lead ${leadId} cannot be read: ${(error as Error).message}`);
    }
  } else {
    state = foldLead(leadId, []);
  }

  const planned: PlannedEvent[] = [];
  for (const source of toAppend) {
    const command = toCommand(source);
    if ('problem' in command) return { outcome: 'reject', leadId, problems: [command.problem], rows };
    let events: LeadEvent[];
    try {
      events = decide(command, state, { now: context.now, defaultCurrency: context.defaultCurrency });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { outcome: 'reject', leadId, problems: [problemOf(error, source, sorted)], rows };
    }
    for (const event of events) {
      state = evolve(state, event);
      planned.push({ eventId: source.eventId, event, row: source.row });
    }
  }
  return {
    outcome: 'import',
    leadId,
    events: planned,
    expectedRevision: stored.length,
    idempotencyKey: importIdempotencyKey(planned.map((p) => p.eventId)),
    rows,
  };
}

function reject(leadId: string, rows: number[], row: number, field: string, reason: string): LeadPlan {
  return { outcome: 'reject', leadId, problems: [{ row, field, reason }], rows };
}

function toCommand(source: SourceEvent): LeadCommand | { problem: RowProblem } {
  const spec = COMMANDS[source.type];
  const data = source.data;
  for (const key of Object.keys(data)) {
    if (!spec.fields.includes(key)) {
      return { problem: { row: source.row, field: `data.${key}`, reason: `${key} is not a field of ${source.type} (${spec.fields.join(', ')})` } };
    }
  }
  if (source.type === 'LeadScored' && data.total !== undefined && data.total !== null) {
    const sum = ['budget', 'authority', 'need', 'timeframe', 'trust'].reduce((s, k) => s + (typeof data[k] === 'number' ? (data[k] as number) : NaN), 0);
    if (data.total !== sum) {
      return { problem: { row: source.row, field: fieldName(source, 'total'), reason: `total ${String(data.total)} is not the sum of the five BANTT components (${sum})` } };
    }
  }
  const { total: _total, ...fields } = data;
  return { ...fields, type: spec.command, leadId: source.leadId, occurredAt: source.occurredAt } as LeadCommand;
}

function fieldName(source: SourceEvent, field: string): string {
  const column =
    source.fieldSources?.[field] ??
    (source.dataPrefix !== undefined && Object.prototype.hasOwnProperty.call(source.data, field) ? `${source.dataPrefix}${field}` : undefined);
  return column && column !== field ? `${column} (${field})` : field;
}

/** The refusal as the user can act on it: the column it came from, and a hint when the source order disagreed. */
function problemOf(error: DomainError, source: SourceEvent, sorted: readonly SourceEvent[]): RowProblem {
  if (error instanceof ValidationError) {
    return { row: source.row, field: fieldName(source, error.field), reason: error.message };
  }
  let reason = error.message;
  if (error instanceof LeadNotFoundError) {
    reason = `the lead's first event must be ResponderCaptured, but its earliest row is a ${source.type}`;
  }
  if (error instanceof InvalidTransitionError || error instanceof LeadNotFoundError) {
    // Rows are applied in date order: say so when that order is not the file's, since that is usually the cause.
    const later = sorted.find((e) => e.sequence < source.sequence && e.occurredAt.getTime() > source.occurredAt.getTime());
    if (later) {
      reason +=
        ` (row ${source.row}, ${source.type} at ${source.occurredAt.toISOString()}, is dated before row ${later.row}, ` +
        `${later.type} at ${later.occurredAt.toISOString()}, which precedes it in the source: dates out of order)`;
    }
  }
  return { row: source.row, field: error instanceof InvalidTransitionError || error instanceof LeadNotFoundError ? 'type' : 'leadId', reason };
}
