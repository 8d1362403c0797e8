import type { LeadEventType } from '../../domain/src/index.js';
import { planLead, type StoredLeadEvent } from './lead-plan.js';
import type { SourceEvent } from './source-event.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const CONTEXT = { now: NOW, defaultCurrency: 'USD' };
let sequence = 0;
const source = (type: LeadEventType, at: string, data: Record<string, unknown>, row = ++sequence): SourceEvent => ({
  leadId: 'L1',
  row,
  sequence: row,
  type,
  occurredAt: new Date(at),
  data,
  eventId: `00000000-0000-5000-8000-${String(row).padStart(12, '0')}`,
});
const capture = (row?: number) => source('ResponderCaptured', '2026-01-01T00:00:00Z', { channel: 'field sales', origin: 'SALES' }, row);
const accept = (at = '2026-01-02T00:00:00Z', row?: number) => source('Accepted', at, { by: 'ann' }, row);
const win = (at = '2026-01-03T00:00:00Z', row?: number) => source('Won', at, { amount: 100 }, row);
const stored = (events: SourceEvent[]): StoredLeadEvent[] =>
  events.map((e, i) => ({ eventId: e.eventId, type: e.type, schemaVersion: 1, occurredAt: e.occurredAt, data: [{ channel: 'field sales', origin: 'SALES', campaign: null, account: null, contact: null, attributes: {}, estimatedValue: null }, { by: 'ann', note: null }][i] }));

describe('planLead (one lead of an import, all or nothing)', () => {
  it('given rows in any order, when planned, then the events are sorted by date and normalised by decide, with the revision and a key from their ids', () => {
    const [c, a, w] = [capture(1), accept(undefined, 2), win(undefined, 3)];
    const plan = planLead('L1', [w, c, a], [], [], CONTEXT);
    expect(plan.outcome).toBe('import');
    if (plan.outcome !== 'import') return;
    expect(plan.events.map((e) => [e.event.type, e.row])).toEqual([['ResponderCaptured', 1], ['Accepted', 2], ['Won', 3]]);
    expect(plan.events[2]!.event.data).toEqual({ amount: 100, currency: 'USD' });
    expect(plan.expectedRevision).toBe(0);
    expect(plan.idempotencyKey).toMatch(/^import:[0-9a-f]{40}$/);
    expect(planLead('L1', [c, a, w], [], [], CONTEXT)).toEqual(plan);
  });

  it('given a rule broken by one row, when planned, then the lead is rejected with that row, the field and the reason', () => {
    const plan = planLead('L1', [capture(1), accept(undefined, 2), source('Won', '2026-01-03T00:00:00Z', { amount: -5 }, 3)], [], [], CONTEXT);
    expect(plan).toEqual({ outcome: 'reject', leadId: 'L1', rows: [1, 2, 3], problems: [{ row: 3, field: 'amount', reason: expect.stringMatching(/amount is required and must be a finite number > 0/) }] });
    const future = planLead('L1', [capture(1), source('Accepted', '2026-06-02T00:00:00Z', { by: 'ann' }, 2)], [], [], CONTEXT);
    expect(future).toMatchObject({ outcome: 'reject', problems: [{ row: 2, field: 'occurredAt', reason: expect.stringMatching(/in the future/) }] });
  });

  it('given dates that put a fact before the one it needs, when planned, then the reason says the dates are out of order', () => {
    const plan = planLead('L1', [capture(1), accept('2026-02-01T00:00:00Z', 2), win('2026-01-15T00:00:00Z', 3)], [], [], CONTEXT);
    expect(plan).toMatchObject({ outcome: 'reject', problems: [{ row: 3, field: 'type', reason: expect.stringMatching(/is dated before row 2.*dates out of order/) }] });
  });

  it('given a repeated row or an unknown data field, when planned, then the lead is rejected naming it', () => {
    const c = capture(1);
    expect(planLead('L1', [c, { ...c, row: 7 }], [], [], CONTEXT)).toMatchObject({ outcome: 'reject', problems: [{ row: 7, field: 'row', reason: expect.stringMatching(/row 7 repeats row 1/) }] });
    const extra = planLead('L1', [source('ResponderCaptured', '2026-01-01T00:00:00Z', { channel: 'web', origin: 'SALES', colour: 'red' }, 4)], [], [], CONTEXT);
    expect(extra).toMatchObject({ outcome: 'reject', problems: [{ row: 4, field: 'data.colour' }] });
  });

  it('given a lead already stored, when planned, then it is skipped if it holds every event, extended if it holds their beginning, else rejected', () => {
    const [c, a, w] = [capture(1), accept(undefined, 2), win(undefined, 3)];
    expect(planLead('L1', [c, a], [], stored([c, a]), CONTEXT)).toEqual({ outcome: 'skip', leadId: 'L1', events: 2, rows: [1, 2] });
    const extended = planLead('L1', [c, a, w], [], stored([c, a]), CONTEXT);
    expect(extended).toMatchObject({ outcome: 'import', expectedRevision: 2 });
    if (extended.outcome === 'import') expect(extended.events.map((e) => e.event.type)).toEqual(['Won']);
    const other = planLead('L1', [capture(9), accept(undefined, 10)], [], stored([c]), CONTEXT);
    expect(other).toMatchObject({ outcome: 'reject', problems: [{ field: 'leadId', reason: expect.stringMatching(/already has 1 event/) }] });
  });

  it('given problems the mapping found in a row, when planned, then they are the rejection, sorted by row', () => {
    const plan = planLead('L1', [capture(1)], [{ row: 5, field: 'close_date', reason: 'x' }, { row: 2, field: 'b', reason: 'y' }], [], CONTEXT);
    expect(plan).toEqual({ outcome: 'reject', leadId: 'L1', rows: [1, 2, 5], problems: [{ row: 2, field: 'b', reason: 'y' }, { row: 5, field: 'close_date', reason: 'x' }] });
  });
});
