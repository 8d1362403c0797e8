import fc from 'fast-check';
import pg from 'pg';
import { historyOf, randomLeadArb } from '../../libs/domain/src/lead/random-history.test-kit.js';
import { PostgresEventStore } from '../../libs/event-store/src/index.js';
import { appendLead } from '../read-models/helpers.js';
import { startTestApp } from './test-app.js';

/**
 * Properties every answer must have whatever the history (shared/metrics.md), over random VALID histories
 * (commands through the lead's decider, refusals dropped) appended to the store, projected by the API's
 * in-process runner and read through GraphQL:
 * - waterfall: entered = advanced + recycled + rejected + lost + open, and the value sums add up the same way;
 *   every rate within [0, 1]; velocity.count = advanced; flow exits over all time equal the exits of all visits;
 * - cohorts and sourceComparison: the groups partition the leads, reached(S) <= leads, conversionToNext within
 *   [0, 1]; every Wilson interval contains its rate and lies within [0, 1];
 * - slaCompliance: met + breached + open = the hand-offs of the period; compliance within [0, 1].
 */
const FROM = '2023-01-01T00:00:00.000Z';
const TO = '2031-01-01T00:00:00.000Z';
const SEEDS = [11, 29];
const LEADS_PER_SEED = 60;

const WATERFALL = `query($from: DateTime!, $to: DateTime!, $min: String) { waterfall(from: $from, to: $to, granularity: YEAR, minPosition: $min) {
  periods { start stages { stage entered advanced recycled rejected lost open enteredValue advancedValue recycledValue rejectedValue lostValue openValue
    conversion leakage recycling conversionByValue leakageByValue recyclingByValue velocity { count median mean p90 }
    exitedAdvanced exitedRecycled exitedRejected exitedLost } } } }`;
const SOURCES = `query($from: DateTime!, $to: DateTime!) { sourceComparison(from: $from, to: $to, dimension: ORIGIN) {
  key leads reached { stage count conversionToNext } steps { from to rate low high } overall { rate low high } } }`;
const COHORTS = `query($from: DateTime!, $to: DateTime!) { funnelCohorts(from: $from, to: $to, granularity: YEAR) { leads reached { stage count conversionToNext } } }`;
const SLA = `query($from: DateTime!, $to: DateTime!) { slaCompliance(from: $from, to: $to, granularity: YEAR, now: "2030-06-01T00:00:00Z") {
  periods { groups { key met breached open compliance responseTime { count } } } } }`;

const within01 = (x: number | null) => x === null || (x >= 0 && x <= 1 + 1e-12);

describe.each(SEEDS)('read queries over random valid histories (seed %i)', (seed) => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let pool: pg.Pool;
  let position = '0';
  let handOffs = 0;
  let totalLeads = 0;

  beforeAll(async () => {
    app = await startTestApp();
    pool = new pg.Pool({ connectionString: app.databaseUrl, max: 4 });
    const store = new PostgresEventStore(pool);
    const leads = fc.sample(randomLeadArb(20), { seed, numRuns: LEADS_PER_SEED });
    for (const [i, lead] of leads.entries()) {
      const events = historyOf(`lead-${seed}-${i}`, lead);
      handOffs += events.filter((e) => e.type === 'HandedOff').length;
      await appendLead(store, `lead-${seed}-${i}`, events);
    }
    totalLeads = leads.length;
    const head = await pool.query<{ p: string }>('SELECT max(global_position)::text AS p FROM events');
    position = head.rows[0]!.p;
  });
  afterAll(async () => {
    await pool?.end();
    await app?.close();
  });

  it('waterfall: exits add up to entered (counts and values), rates within [0, 1], flow matches exits', async () => {
    const { data, errors } = await app.gql(WATERFALL, { from: FROM, to: TO, min: position });
    expect(errors).toBeUndefined();
    const exits = new Map<string, { advanced: number; recycled: number; rejected: number; lost: number }>();
    let entered = 0;
    for (const period of data!.waterfall.periods) {
      for (const s of period.stages) {
        entered += s.entered;
        expect(s.advanced + s.recycled + s.rejected + s.lost + s.open).toBe(s.entered);
        expect(s.advancedValue + s.recycledValue + s.rejectedValue + s.lostValue + s.openValue).toBeCloseTo(s.enteredValue, 6);
        for (const rate of [s.conversion, s.leakage, s.recycling, s.conversionByValue, s.leakageByValue, s.recyclingByValue]) expect(within01(rate)).toBe(true);
        expect(s.velocity.count).toBe(s.advanced);
        if (s.velocity.count > 0) expect(s.velocity.median).toBeLessThanOrEqual(s.velocity.p90 + 1e-9);
        const e = exits.get(s.stage) ?? { advanced: 0, recycled: 0, rejected: 0, lost: 0 };
        e.advanced += s.exitedAdvanced - s.advanced;
        e.recycled += s.exitedRecycled - s.recycled;
        e.rejected += s.exitedRejected - s.rejected;
        e.lost += s.exitedLost - s.lost;
        exits.set(s.stage, e);
      }
    }
    // Over a range holding every event, the exits during the periods are exactly the exits of the visits entered.
    for (const e of exits.values()) expect(e).toEqual({ advanced: 0, recycled: 0, rejected: 0, lost: 0 });
    expect(entered).toBeGreaterThanOrEqual(totalLeads); // every lead has at least its responder visit
  });

  it('cohorts and sources: reached never exceeds the leads, every rate and Wilson interval within [0, 1] around the rate', async () => {
    const cohorts = await app.gql(COHORTS, { from: FROM, to: TO });
    expect(cohorts.errors).toBeUndefined();
    expect(cohorts.data!.funnelCohorts.reduce((sum: number, c: any) => sum + c.leads, 0)).toBe(totalLeads);
    for (const cohort of cohorts.data!.funnelCohorts) {
      for (const r of cohort.reached) {
        expect(r.count).toBeLessThanOrEqual(cohort.leads);
        expect(within01(r.conversionToNext)).toBe(true);
      }
    }
    const sources = await app.gql(SOURCES, { from: FROM, to: TO });
    expect(sources.errors).toBeUndefined();
    expect(sources.data!.sourceComparison.reduce((sum: number, s: any) => sum + s.leads, 0)).toBe(totalLeads);
    for (const source of sources.data!.sourceComparison) {
      for (const r of source.reached) expect(r.count).toBeLessThanOrEqual(source.leads);
      for (const rate of [...source.steps, source.overall]) {
        if (rate.rate === null) {
          expect([rate.low, rate.high]).toEqual([null, null]);
          continue;
        }
        expect(within01(rate.rate) && within01(rate.low) && within01(rate.high)).toBe(true);
        expect(rate.low).toBeLessThanOrEqual(rate.rate + 1e-12);
        expect(rate.high).toBeGreaterThanOrEqual(rate.rate - 1e-12);
      }
    }
  });

  it('the daily aggregates (whole-day ranges) and the row tables (any other range) give the same answers', async () => {
    // One millisecond after FROM (no event lies in that millisecond): the same periods, but the range is not made
    // of whole local days, so the queries read the row tables instead of the daily aggregates.
    const rowPath = new Date(Date.parse(FROM) + 1).toISOString();
    const CHANNELS = `query($from: DateTime!, $to: DateTime!) { sourceComparison(from: $from, to: $to, dimension: CAMPAIGN) {
      key leads reached { stage count conversionToNext } steps { rate low high } wonValue averageDealValue timeToWin { count median mean p90 } } }`;
    for (const query of [WATERFALL, COHORTS, SOURCES, CHANNELS]) {
      const daily = await app.gql(query, { from: FROM, to: TO, min: position });
      const rows = await app.gql(query, { from: rowPath, to: TO, min: position });
      expect(daily.errors).toBeUndefined();
      expect(rows.errors).toBeUndefined();
      const strip = (data: any) => JSON.parse(JSON.stringify(data).replace(/"start":"[^"]*",?/g, ''));
      expect(strip(rows.data)).toEqual(strip(daily.data));
    }
  });

  it('slaCompliance: met + breached + open = the hand-offs, compliance within [0, 1]', async () => {
    const { data, errors } = await app.gql(SLA, { from: FROM, to: TO });
    expect(errors).toBeUndefined();
    let cases = 0;
    for (const period of data!.slaCompliance.periods) {
      for (const g of period.groups) {
        cases += g.met + g.breached + g.open;
        expect(within01(g.compliance)).toBe(true);
        expect(g.responseTime.count).toBeLessThanOrEqual(g.met + g.breached);
      }
    }
    expect(cases).toBe(handOffs);
  });
});
