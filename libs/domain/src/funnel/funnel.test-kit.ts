/// <reference types="jest" />
// Test helpers of the funnel interpreter (never exported from the library's index).
import type { LeadEvent } from '../lead/events.js';
import { event } from '../lead/lead.test-kit.js';
import { DEFAULT_FUNNEL_DEFINITION, type FunnelDefinition } from './definition.js';
import type { StageVisit } from './stage-visits.js';

export { LEAD_ID, at, event, events } from '../lead/lead.test-kit.js';

/** Monday 2024-03-04 00:00 UTC; `day(n, hour)` is n days and `hour` hours later. */
export const D0 = new Date('2024-03-04T00:00:00.000Z');
export const day = (n: number, hour = 9): Date => new Date(D0.getTime() + n * 86_400_000 + hour * 3_600_000);

export const recycledTo = (toStage: string | null, occurredAt: Date): LeadEvent =>
  event('Recycled', { reason: 'timing', toStage, note: null }, occurredAt);

/** The default definition with `meeting` and `proposal` (entered by StageAdvanced steps) between sal and won. */
export const WITH_DOWNSTREAM_STEPS: FunnelDefinition = {
  ...DEFAULT_FUNNEL_DEFINITION,
  name: 'downstream',
  stages: [
    ...DEFAULT_FUNNEL_DEFINITION.stages.slice(0, 4),
    { key: 'meeting', enteredBy: [{ event: 'StageAdvanced', when: { field: 'step', op: 'eq', value: 'meeting' } }] },
    { key: 'proposal', enteredBy: [{ event: 'StageAdvanced', when: { field: 'step', op: 'eq', value: 'proposal' } }] },
    ...DEFAULT_FUNNEL_DEFINITION.stages.slice(4),
  ],
};

/** One visit as a table row: revisions stand for the events of the hand-written history (1-based). */
interface VisitRow {
  visit: number;
  stage: string;
  entered: number;
  exited: number | null;
  exit: string;
  value: number;
}

function toRow(v: StageVisit): VisitRow {
  return { visit: v.visitNumber, stage: v.stage, entered: v.enteredByRevision, exited: v.exitedByRevision, exit: v.exitKind, value: v.value };
}

/**
 * Parses a visits table; the header names the columns, `-` is null, rows are visits 1, 2, ... in order:
 *   stage      | entered | exited | exit     | value
 *   responder  | 1       | 2      | advanced | 0
 */
export function visitsTable(text: string): VisitRow[] {
  const lines = text
    .trim()
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const [header, ...rows] = lines;
  expect(header).toEqual(['stage', 'entered', 'exited', 'exit', 'value']);
  return rows.map(([stage, entered, exited, exit, value], i) => ({
    visit: i + 1,
    stage: stage!,
    entered: Number(entered),
    exited: exited === '-' ? null : Number(exited),
    exit: exit!,
    value: Number(value),
  }));
}

/** then: the visits are exactly the table's rows (and each visit's times are those of its events). */
export function expectVisits(visits: StageVisit[], history: readonly LeadEvent[], table: string): void {
  expect(visits.map(toRow)).toEqual(visitsTable(table));
  for (const v of visits) {
    expect(v.enteredAt).toEqual(history[v.enteredByRevision - 1]!.occurredAt);
    expect(v.exitedAt).toEqual(v.exitedByRevision === null ? null : history[v.exitedByRevision - 1]!.occurredAt);
  }
}
