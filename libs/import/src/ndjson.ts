import { isLeadEventType, LEAD_EVENT_TYPES } from '../../domain/src/index.js';
import { DateParseError, parseDateTime } from './dates.js';
import { importEventId, type MappedRow, type RowProblem } from './source-event.js';

/** The source name of NDJSON imports (part of every event id): the CLI file import and the GraphQL batch agree. */
export const NDJSON_SOURCE = 'ndjson';

const KEYS = ['leadId', 'type', 'occurredAt', 'data'];

export interface NdjsonEventInput {
  leadId?: unknown;
  type?: unknown;
  occurredAt?: unknown;
  data?: unknown;
}

/**
 * One NDJSON line: `{"leadId": "...", "type": "Won", "occurredAt": "2017-03-01T10:00:00Z", "data": {...}}`, data
 * holding the fields of the event's command (e.g. amount and currency for Won). A blank line gives null.
 */
export function mapNdjsonLine(text: string, row: number, sequence: number, timeZone: string): MappedRow | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { row, leadId: null, events: [], problems: [{ row, field: 'line', reason: `not valid JSON: ${(error as Error).message}` }], notes: [] };
  }
  return mapNdjsonEvent(value, row, sequence, timeZone);
}

/** One event object (an NDJSON line parsed, or an item of the GraphQL batch). */
export function mapNdjsonEvent(value: unknown, row: number, sequence: number, timeZone: string): MappedRow {
  const problems: RowProblem[] = [];
  const fail = (field: string, reason: string) => problems.push({ row, field, reason });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('line', 'each line must be a JSON object {leadId, type, occurredAt, data}');
    return { row, leadId: null, events: [], problems, notes: [] };
  }
  const input = value as NdjsonEventInput & Record<string, unknown>;
  for (const key of Object.keys(input)) if (!KEYS.includes(key)) fail(key, `${key} is not a field of an import line (${KEYS.join(', ')})`);
  const leadId = typeof input.leadId === 'string' && input.leadId.trim() !== '' ? input.leadId.trim() : null;
  if (leadId === null) fail('leadId', 'leadId is required: a non-empty string');
  const type = typeof input.type === 'string' ? input.type.trim() : '';
  if (!isLeadEventType(type)) fail('type', `unknown event type ${JSON.stringify(input.type ?? null)} (one of ${LEAD_EVENT_TYPES.join(', ')})`);
  let occurredAt: Date | null = null;
  if (typeof input.occurredAt !== 'string' || input.occurredAt.trim() === '') {
    fail('occurredAt', 'occurredAt is required: an ISO 8601 date or date-time');
  } else {
    try {
      occurredAt = new Date(parseDateTime(input.occurredAt, timeZone));
    } catch (error) {
      if (!(error instanceof DateParseError) && !(error instanceof RangeError)) throw error;
      fail('occurredAt', `occurredAt ${error.message}`);
    }
  }
  const data = input.data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('data', 'data must be a JSON object with the event\'s fields');
  if (problems.length > 0 || leadId === null || occurredAt === null || !isLeadEventType(type)) return { row, leadId, events: [], problems, notes: [] };
  const fields = data as Record<string, unknown>;
  const identity = { leadId, type, occurredAt: input.occurredAt, data: fields };
  return {
    row,
    leadId,
    events: [{ leadId, row, sequence, type, occurredAt, data: fields, eventId: importEventId(NDJSON_SOURCE, leadId, identity, 0), dataPrefix: 'data.' }],
    problems: [],
    notes: [],
  };
}
