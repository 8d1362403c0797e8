import fc from 'fast-check';
import type { LeadEvent } from '../lead/events.js';
import { RANDOM_HISTORY_START as START, historyOf, randomLeadArb } from '../lead/random-history.test-kit.js';
import { DEFAULT_FUNNEL_DEFINITION as DEFAULT, withMqlThreshold, type FunnelDefinition } from './definition.js';
import { EXIT_KINDS, classifyTimeline, currentStage, deriveStageVisits, type StageVisit } from './stage-visits.js';
import { WITH_DOWNSTREAM_STEPS } from './funnel.test-kit.js';

/**
 * Random VALID histories: a random list of commands is run through the lead's decider; the commands it
 * refuses are dropped, so every history respects the write side's rules (accept after hand-off, no events
 * after won, time order...). Then, for every definition, the visits must obey the invariants of metrics.md.
 */

const leadArb = randomLeadArb(30);
const history = historyOf;

const DEFINITIONS: [string, FunnelDefinition][] = [
  ['default', DEFAULT],
  ['mql at 60', withMqlThreshold(DEFAULT, 60)],
  ['meeting and proposal', WITH_DOWNSTREAM_STEPS],
  ['recycle to mql', { ...DEFAULT, name: 'recycle-mql', recycleTo: 'mql' }],
];

/** The invariants of one lead's visits (shared/metrics.md, "Stage visits"). */
function checkLead(leadId: string, events: LeadEvent[], definition: FunnelDefinition, visits: StageVisit[]): void {
  const stageKeys = definition.stages.map((s) => s.key);
  visits.forEach((visit, i) => {
    expect(visit.leadId).toBe(leadId);
    expect(visit.visitNumber).toBe(i + 1);
    expect(visit.stageOrder).toBe(stageKeys.indexOf(visit.stage) + 1);
    expect(visit.enteredAt).toEqual(events[visit.enteredByRevision - 1]!.occurredAt);
    if (visit.exitKind === 'open') {
      // at most one open visit, and it is the last one
      expect(i).toBe(visits.length - 1);
      expect([visit.exitedAt, visit.exitedByRevision]).toEqual([null, null]);
    } else {
      expect(visit.exitedByRevision).toBeGreaterThan(visit.enteredByRevision);
      expect(visit.exitedAt!.getTime()).toBeGreaterThanOrEqual(visit.enteredAt.getTime());
      expect(visit.exitedAt).toEqual(events[visit.exitedByRevision! - 1]!.occurredAt);
      const exitEvent = events[visit.exitedByRevision! - 1]!.type;
      const expectedEvent = { advanced: undefined, recycled: ['Recycled', 'Rejected'], rejected: ['Rejected'], lost: ['Lost'] }[visit.exitKind];
      if (expectedEvent) expect(expectedEvent).toContain(exitEvent);
    }
    const next = visits[i + 1];
    if (next !== undefined) {
      // ordered and non-overlapping: the next visit opens when (or after) this one closes
      expect(visit.exitedByRevision).not.toBeNull();
      expect(next.enteredByRevision).toBeGreaterThanOrEqual(visit.exitedByRevision!);
      expect(next.enteredAt.getTime()).toBeGreaterThanOrEqual(visit.exitedAt!.getTime());
      if (visit.exitKind === 'advanced') {
        expect(next.enteredByRevision).toBe(visit.exitedByRevision);
        expect(next.stageOrder).toBeGreaterThan(visit.stageOrder);
      }
      if (visit.exitKind === 'recycled') expect(events[next.enteredByRevision - 1]!.type).toBe('Recycled');
    }
    if (definition.stages[visit.stageOrder - 1]!.terminal) expect(visit.exitKind).toBe('open');
  });
  // the open visit is the lead's current stage; the timeline agrees
  const open = visits.find((v) => v.exitKind === 'open');
  expect(currentStage(events, definition)).toBe(open?.stage ?? null);
  const timeline = classifyTimeline(events, definition);
  expect(timeline).toHaveLength(events.length);
  timeline.forEach((t, i) => {
    expect(t.stageBefore).toBe(i === 0 ? null : timeline[i - 1]!.stageAfter);
  });
  expect(timeline.at(-1)?.stageAfter ?? null).toBe(open?.stage ?? null);
}

describe('deriveStageVisits (property)', () => {
  it.each(DEFINITIONS)('given random valid histories, then under the %s definition visits obey the invariants and the counts add up', (_, definition) => {
    fc.assert(
      fc.property(fc.array(leadArb, { minLength: 1, maxLength: 4 }), (leads) => {
        const entered = new Map<string, number>();
        const byExit = new Map<string, number>();
        leads.forEach((lead, n) => {
          const leadId = `lead-${n}`;
          const events = history(leadId, lead);
          const visits = deriveStageVisits(leadId, events, definition);
          checkLead(leadId, events, definition, visits);
          for (const visit of visits) {
            entered.set(visit.stage, (entered.get(visit.stage) ?? 0) + 1);
            byExit.set(`${visit.stage}/${visit.exitKind}`, (byExit.get(`${visit.stage}/${visit.exitKind}`) ?? 0) + 1);
          }
        });
        // entered = advanced + recycled + rejected + lost + open, per stage
        for (const stage of definition.stages.map((s) => s.key)) {
          const sum = EXIT_KINDS.reduce((total, kind) => total + (byExit.get(`${stage}/${kind}`) ?? 0), 0);
          expect(sum).toBe(entered.get(stage) ?? 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('given random valid histories, then as of any instant the visits are those of the history cut at that instant', () => {
    fc.assert(
      fc.property(leadArb, fc.integer({ min: 0, max: 30 * 15_000 }), (lead, minutes) => {
        const events = history('lead-x', lead);
        const asOf = new Date(START + minutes * 60_000);
        const cut = events.filter((event) => event.occurredAt.getTime() <= asOf.getTime());
        expect(deriveStageVisits('lead-x', events, DEFAULT, asOf)).toEqual(deriveStageVisits('lead-x', cut, DEFAULT));
      }),
      { numRuns: 200 },
    );
  });
});
