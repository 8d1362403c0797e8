import { LEAD_EVENT_TYPES } from '../../../domain/src/index.js';
import { fieldsOf } from '../lead-plan.js';
import type { DataSpec, MappingDocument, ValueExpr } from '../mapping.js';

const NUMBERS: Record<string, ValueExpr['type']> = {
  budget: 'integer',
  authority: 'integer',
  need: 'integer',
  timeframe: 'integer',
  trust: 'integer',
  total: 'integer',
  amount: 'number',
  value: 'number',
  estimatedValue: 'number',
  'account.employees': 'integer',
};
const NESTED = ['account', 'contact', 'attributes'];

/**
 * The generic CSV: one row per funnel event, columns `leadId`, `type` (the event type, e.g. Won), `occurredAt`,
 * and the event's fields named as in NDJSON data (`channel`, `origin`, `amount`, `ownerId`, ...), nested ones
 * dotted (`account.name`, `attributes.product`). Only the columns present are read: the mapping is built from the
 * header (`--show-mapping generic-csv --header file.csv` prints it).
 */
export function genericCsvMapping(header: readonly string[]): MappingDocument {
  const columns = header.map((h) => h.trim());
  const events = LEAD_EVENT_TYPES.map((type) => {
    const data: Record<string, DataSpec> = {};
    for (const field of fieldsOf(type)) {
      if (NESTED.includes(field)) {
        const members = columns.filter((c) => c.startsWith(`${field}.`) && c.length > field.length + 1);
        if (members.length === 0) continue;
        data[field] = Object.fromEntries(members.map((c) => [c.slice(field.length + 1), column(c)]));
      } else if (columns.includes(field)) {
        data[field] = column(field);
      }
    }
    return { type, when: { column: 'type', equals: type }, at: { column: 'occurredAt' }, data };
  });
  return {
    name: 'generic-csv',
    description: 'One row per funnel event: leadId, type, occurredAt and the event fields as columns (nested ones dotted, e.g. account.name).',
    leadId: { column: 'leadId', required: true },
    events,
    traps: [
      'A row whose type is not an event type matches no rule: it is reported as recording nothing (under notes), never guessed.',
      'Empty cells are absent values; occurredAt without an offset is read in --time-zone (default UTC).',
    ],
  };
}

function column(name: string): ValueExpr {
  const type = NUMBERS[name];
  return type ? { column: name, type } : { column: name };
}
