import fc from 'fast-check';
import {
  DEFAULT_FUNNEL_DEFINITION,
  deriveSlaCases,
  deriveStageVisits,
  foldLead,
  interpretLead,
  type FunnelDefinition,
  type LeadEvent,
} from '../../libs/domain/src/index.js';
import { WITH_DOWNSTREAM_STEPS } from '../../libs/domain/src/funnel/funnel.test-kit.js';
import { RANDOM_HISTORY_NOW, historyOf, randomLeadArb } from '../../libs/domain/src/lead/random-history.test-kit.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import { settled } from '../projections/helpers.js';
import { aggregatesFromRows, appendLead, openReadModelDb, slaCases, storedAggregates, summaries, visits, type ReadModelDb } from './helpers.js';

/**
 * Random VALID histories (commands through decide/evolve, refusals dropped, as stage-visits.property.spec.ts),
 * appended in interleaved chunks and projected in small batches with catch-ups in between, must give exactly
 * what deriveStageVisits / deriveSlaCases / foldLead compute from each lead's full stream.
 */

const NOW = RANDOM_HISTORY_NOW;
const LEADS = 200;
const leadArb = fc.record({ lead: randomLeadArb(25), chunks: fc.integer({ min: 1, max: 4 }) });
const history = historyOf;

/** Downstream steps, SLA with business hours and a holiday in another time zone. */
const VARIANT: FunnelDefinition = {
  ...WITH_DOWNSTREAM_STEPS,
  name: 'variant',
  // Local days of the daily aggregates in a zone with DST, unlike the default's UTC.
  timeZone: 'America/New_York',
  sla: { ...WITH_DOWNSTREAM_STEPS.sla, workingDays: 2, timeZone: 'Europe/Berlin', holidays: ['2024-01-05', '2024-02-14'], businessHours: { start: '09:00', end: '17:00' } },
};

describe.each([
  ['default', DEFAULT_FUNNEL_DEFINITION, 7, 101],
  ['variant (downstream steps, business hours, holidays)', VARIANT, 5, 202],
] as const)('LeadFunnelProjection under the %s definition', (_, definition, batchSize, seed) => {
  let h: ReadModelDb;
  const leads = fc.sample(leadArb, { seed, numRuns: LEADS }).map((lead, i) => {
    const leadId = `lead-${String(i).padStart(3, '0')}`;
    return { leadId, chunks: lead.chunks, events: history(leadId, lead.lead) };
  });

  beforeAll(async () => {
    h = await openReadModelDb();
  });
  afterAll(() => h.close());

  it(`projects ${LEADS} random histories, appended in interleaved chunks, like deriveStageVisits / deriveSlaCases`, async () => {
    const runner = new ProjectionRunner(h.pool, new LeadFunnelProjection(definition), { batchSize });
    // Round r appends the r-th chunk of every lead; a catch-up runs after every round.
    const appended = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      for (const lead of leads) {
        const size = Math.ceil(lead.events.length / lead.chunks);
        const from = round * size;
        if (round >= lead.chunks || from >= lead.events.length) continue;
        await appendLead(h.store, lead.leadId, lead.events.slice(from, from + size), appended.get(lead.leadId) ?? 0);
        appended.set(lead.leadId, Math.min(from + size, lead.events.length));
      }
      await settled(h.pool); // on a shared server, other sessions' transactions hold the feed back for moments
      const result = await runner.catchUp();
      expect(result.state).toBe('running');
      expect(result.failure).toBeUndefined();
    }
    for (const lead of leads) expect(appended.get(lead.leadId)).toBe(lead.events.length);

    const expectedVisits = leads.flatMap(({ leadId, events }) => {
      const value = foldLead(leadId, events);
      return deriveStageVisits(leadId, events, definition).map((v) => ({
        leadId,
        visitNumber: v.visitNumber,
        stage: v.stage,
        stageOrder: v.stageOrder,
        enteredAt: v.enteredAt,
        enteredByRevision: v.enteredByRevision,
        exitedAt: v.exitedAt,
        exitedByRevision: v.exitedByRevision,
        exitKind: v.exitKind,
        // open visits store null: their value is the lead's current value (rm_lead_summary.value, else 0)
        exitValue: v.exitKind === 'open' ? (expect(v.value).toBe((value.exists && value.value) || 0), null) : v.value,
      }));
    });
    const actualVisits = await visits(h.pool);
    expect(actualVisits).toEqual(expectedVisits);

    const expectedCases = leads.flatMap(({ leadId, events }) =>
      deriveSlaCases(leadId, events, definition, NOW).map((c) => ({
        leadId,
        caseNumber: c.caseNumber,
        handedOffAt: c.handedOffAt,
        dueAt: c.dueAt,
        resolvedAt: c.resolvedAt,
        resolvedBy: c.resolvedBy,
        ownerId: c.ownerId,
        team: c.team,
        responseWorkingSeconds: c.responseWorkingSeconds,
        responseCalendarSeconds: c.responseCalendarSeconds,
      })),
    );
    expect(await slaCases(h.pool)).toEqual(expectedCases);

    const expectedSummaries = leads.map(({ leadId, events }) => {
      const state = foldLead(leadId, events);
      if (!state.exists) throw new Error('not captured');
      const { position, visits: vs } = interpretLead(leadId, events, definition);
      const won = events.find((ev) => ev.type === 'Won');
      return {
        leadId,
        status: state.status,
        stage: position.stage,
        ownerId: state.ownerId,
        team: state.team,
        score: state.score,
        value: state.value,
        currency: state.currency,
        wonAt: won?.occurredAt ?? null,
        wonAmount: won?.type === 'Won' ? won.data.amount : null,
        funnelPosition: position,
        visitCount: vs.length,
        slaCaseCount: deriveSlaCases(leadId, events, definition, NOW).length,
        lastRevision: events.length,
        lastOccurredAt: state.lastOccurredAt,
        capturedAt: state.capturedAt,
        origin: state.source.origin,
      };
    });
    const actualSummaries = (await summaries(h.pool)).map((s) => ({
      leadId: s.leadId,
      status: s.status,
      stage: s.stage,
      ownerId: s.ownerId,
      team: s.team,
      score: s.score,
      value: s.value,
      currency: s.currency,
      wonAt: s.wonAt,
      wonAmount: s.wonAmount,
      funnelPosition: s.funnelPosition,
      visitCount: s.visitCount,
      slaCaseCount: s.slaCaseCount,
      lastRevision: s.lastRevision,
      lastOccurredAt: s.lastOccurredAt,
      capturedAt: s.capturedAt,
      origin: s.origin,
    }));
    expect(actualSummaries).toEqual(expectedSummaries);

    // The daily aggregates, maintained by contributions batch after batch, equal a recomputation from the rows.
    const aggregates = await storedAggregates(h.pool);
    expect(aggregates).toEqual(await aggregatesFromRows(h.pool, definition.timeZone));
    expect(aggregates.waterfall.length).toBeGreaterThan(0);
    expect(aggregates.cohorts.length).toBeGreaterThan(0);

    // the histories exercise every exit kind
    const kinds = new Set(actualVisits.map((v) => v.exitKind));
    expect([...kinds].sort()).toEqual(['advanced', 'lost', 'open', 'recycled', 'rejected']);
    const stats = { events: leads.reduce((n, l) => n + l.events.length, 0), visits: actualVisits.length, cases: expectedCases.length };
    console.log(`${definition.name}: ${JSON.stringify(stats)}`);
  });
});
