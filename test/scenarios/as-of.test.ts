import pg from 'pg';
import { FIXED_HISTORY, FIXED_HISTORY_NOW as NOW, fixedHistoryDefinition, recordFixedHistory, type FixedLead } from '../fixtures/fixed-history.js';
import { startTestApp } from '../api/test-app.js';

/*
 * As-of (knowledge time): record a history, take T = the newest recordedAt, then backfill two leads whose
 * events are dated in April and May (business time before T's reports). A read with asOf: T must answer what
 * the live views answered before the backfill, and the live answer now must differ from it by exactly the
 * backfilled events:
 *   bf-01 (web, MARKETING): captured 04-10 09:00 (est. 1000), scored 80 on 04-11 09:00, handed off to alice on
 *         04-14 09:00 -> April: responder entered +1 advanced +1, mql entered +1 advanced +1, handed_off entered
 *         +1 open +1; cohort April: leads +1, reached responder, mql, handed_off +1; one more April SLA case, open
 *         at now (due 04-21 09:00 < now: breached, overdue).
 *   bf-02 (event, MARKETING): captured 05-05 09:00, lost 05-06 09:00 -> May: responder entered +1 lost +1;
 *         cohort May: leads +1, reached responder +1.
 */

const FROM = '2025-04-01T00:00:00.000Z';
const TO = '2025-07-01T00:00:00.000Z';
const BASE = FIXED_HISTORY.slice(0, 6);
const BACKFILL: FixedLead[] = [
  {
    id: 'bf-01',
    steps: [
      { mutation: 'capture', occurredAt: '2025-04-10T09:00:00.000Z', input: { channel: 'web', origin: 'MARKETING', estimatedValue: 1000 }, actor: { type: 'import', id: 'crm-backfill' } },
      { mutation: 'score', occurredAt: '2025-04-11T09:00:00.000Z', input: { budget: 20, authority: 20, need: 20, timeframe: 10, trust: 10 }, actor: { type: 'import', id: 'crm-backfill' } },
      { mutation: 'handOff', occurredAt: '2025-04-14T09:00:00.000Z', input: { ownerId: 'alice', team: 'east' }, actor: { type: 'import', id: 'crm-backfill' } },
    ],
  },
  {
    id: 'bf-02',
    steps: [
      { mutation: 'capture', occurredAt: '2025-05-05T09:00:00.000Z', input: { channel: 'event', origin: 'MARKETING' }, actor: { type: 'import', id: 'crm-backfill' } },
      { mutation: 'lost', occurredAt: '2025-05-06T09:00:00.000Z', input: { reason: 'no interest' }, actor: { type: 'import', id: 'crm-backfill' } },
    ],
  },
];

const WATERFALL = `
  query($asOf: DateTime, $p: String) {
    waterfall(from: "${FROM}", to: "${TO}", granularity: MONTH, asOf: $asOf, minPosition: $p) {
      definition periods { start stages { stage entered advanced recycled rejected lost open enteredValue velocity { count median } exitedAdvanced exitedLost } }
    }
  }`;
const COHORTS = `query($asOf: DateTime, $p: String) { funnelCohorts(from: "${FROM}", to: "${TO}", granularity: MONTH, asOf: $asOf, minPosition: $p) { start leads reached { stage count } } }`;
const SLA = `
  query($asOf: DateTime, $p: String) {
    slaCompliance(from: "${FROM}", to: "${TO}", granularity: MONTH, now: "${NOW}", asOf: $asOf, minPosition: $p) {
      periods { start groups { key met breached open } } overdue { leadId }
    }
  }`;
const LEADS = `query($asOf: DateTime, $p: String) { leads(first: 50, asOf: $asOf, minPosition: $p) { totalCount } }`;

type Waterfall = { periods: { start: string; stages: Record<string, any>[] }[] };

describe('asOf: the read queries as the ledger was known at an instant', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let db: pg.Pool;
  let before: Record<string, any>;
  let asOf = '';
  let after: Record<string, any>;

  async function data(text: string, variables: Record<string, unknown> = {}) {
    const result = await app.gql(text, variables);
    expect(result.errors).toBeUndefined();
    return result.data!;
  }
  const all = async (variables: Record<string, unknown>) => ({
    waterfall: (await data(WATERFALL, variables)).waterfall,
    cohorts: (await data(COHORTS, variables)).funnelCohorts,
    sla: (await data(SLA, variables)).slaCompliance,
    leads: (await data(LEADS, variables)).leads,
  });

  beforeAll(async () => {
    app = await startTestApp({ activeDefinition: fixedHistoryDefinition(), scenarios: { resumeIntervalMs: 0 } });
    db = new pg.Pool({ connectionString: app.databaseUrl, max: 2 });
    const position = await recordFixedHistory(app.gql, BASE);
    before = await all({ p: position });
    // T: an instant after the last event of the history was recorded and before the backfill.
    await new Promise((resolve) => setTimeout(resolve, 20));
    asOf = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const backfilled = await recordFixedHistory(app.gql, BACKFILL);
    after = await all({ p: backfilled });
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
  });

  it('asOf T answers what the live views answered at T, before the backfill', async () => {
    expect(await all({ asOf })).toEqual(before);
    // One as-of build, cached: asking again does not replay again.
    expect(await all({ asOf })).toEqual(before);
    const { rows } = await db.query(`SELECT kind, status, total_events::int AS total FROM isolated_builds`);
    expect(rows).toEqual([{ kind: 'AS_OF', status: 'COMPLETED', total: BASE.reduce((n, lead) => n + lead.steps.length, 0) }]);
  });

  it('the live answer differs from asOf T by exactly the backfilled events', async () => {
    const then = (await data(WATERFALL, { asOf })).waterfall as Waterfall;
    const now = after.waterfall as Waterfall;
    const fields = ['entered', 'advanced', 'recycled', 'rejected', 'lost', 'open', 'enteredValue', 'exitedAdvanced', 'exitedLost'];
    const differences = now.periods.map((period, i) =>
      Object.fromEntries(
        period.stages.map((stage, k) => [
          stage.stage,
          Object.fromEntries(fields.map((f) => [f, stage[f] - then.periods[i]!.stages[k]![f]]).filter(([, d]) => d !== 0)),
        ]),
      ),
    );
    expect(differences).toEqual([
      // April: bf-01 responder -> mql -> handed_off (open); its enteredValue 1000 on each visit
      {
        responder: { entered: 1, advanced: 1, enteredValue: 1000, exitedAdvanced: 1 },
        mql: { entered: 1, advanced: 1, enteredValue: 1000, exitedAdvanced: 1 },
        handed_off: { entered: 1, open: 1, enteredValue: 1000 },
        sal: {},
        won: {},
      },
      // May: bf-02 responder lost
      { responder: { entered: 1, lost: 1, exitedLost: 1 }, mql: {}, handed_off: {}, sal: {}, won: {} },
      { responder: {}, mql: {}, handed_off: {}, sal: {}, won: {} },
    ]);
    const cohortsThen = (await data(COHORTS, { asOf })).funnelCohorts;
    expect(
      after.cohorts.map((c: any, i: number) => [c.leads - cohortsThen[i].leads, c.reached.map((r: any, k: number) => r.count - cohortsThen[i].reached[k].count)]),
    ).toEqual([
      [1, [1, 1, 1, 0, 0]],
      [1, [1, 0, 0, 0, 0]],
      [0, [0, 0, 0, 0, 0]],
    ]);
    const slaThen = (await data(SLA, { asOf })).slaCompliance;
    expect(slaThen.overdue.map((o: any) => o.leadId)).not.toContain('bf-01');
    expect(after.sla.overdue.map((o: any) => o.leadId)).toContain('bf-01');
    expect(after.leads.totalCount - (await data(LEADS, { asOf })).leads.totalCount).toBe(2);
  });

  it('asOf at or after the newest recorded event answers from the live views (no build)', async () => {
    const { rows } = await db.query<{ newest: Date }>('SELECT max(recorded_at) AS newest FROM events');
    expect(await all({ asOf: rows[0]!.newest.toISOString() })).toEqual(after);
    expect(await all({ asOf: new Date().toISOString() })).toEqual(after);
    expect((await db.query(`SELECT 1 FROM isolated_builds`)).rowCount).toBe(1);
  });

  it('refuses asOf with scenarioId or minPosition', async () => {
    const withScenario = await app.gql(`query { waterfall(from: "${FROM}", to: "${TO}", granularity: MONTH, asOf: "${asOf}", scenarioId: "x") { definition } }`);
    expect(withScenario.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOf' });
    const withPosition = await app.gql(`query { waterfall(from: "${FROM}", to: "${TO}", granularity: MONTH, asOf: "${asOf}", minPosition: "1") { definition } }`);
    expect(withPosition.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'minPosition' });
  });
});
