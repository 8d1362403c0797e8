import pg from 'pg';
import { FIXED_HISTORY, fixedHistoryDefinition, recordFixedHistory } from '../fixtures/fixed-history.js';
import { startTestApp } from '../api/test-app.js';

/*
 * The life of as-of builds: a query does not wait longer than asOfWaitMs for its build (it answers
 * AS_OF_BUILDING with the progress, and a later query gets the answer from the same build), and completed
 * builds beyond asOfKeep are dropped, schema and all, least recently used first.
 */

const LEADS = `query($asOf: DateTime) { leads(first: 100, asOf: $asOf) { totalCount } }`;
const HISTORY = FIXED_HISTORY.slice(0, 12);

describe('as-of builds: bounded waits and eviction', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let db: pg.Pool;
  /** Instants between the leads' recordings: asOf[i] knows the first i + 1 leads. */
  const instants: string[] = [];

  beforeAll(async () => {
    // No waiting at all, one event per replay batch: every first as-of query finds its build still running.
    app = await startTestApp({
      activeDefinition: fixedHistoryDefinition(),
      scenarios: { resumeIntervalMs: 0, asOfWaitMs: 0, asOfKeep: 1, replayBatchSize: 1 },
    });
    db = new pg.Pool({ connectionString: app.databaseUrl, max: 2 });
    for (const lead of HISTORY.slice(0, 3)) {
      await recordFixedHistory(app.gql, [lead]);
      await new Promise((resolve) => setTimeout(resolve, 15));
      instants.push(new Date().toISOString());
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await recordFixedHistory(app.gql, HISTORY.slice(3));
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await app?.close();
  });

  /** Asks until the build answers; returns the AS_OF_BUILDING errors seen on the way. */
  async function askUntilBuilt(asOf: string): Promise<{ totalCount: number; building: Record<string, unknown>[] }> {
    const building: Record<string, unknown>[] = [];
    for (let attempt = 0; attempt < 400; attempt++) {
      const result = await app.gql(LEADS, { asOf });
      if (!result.errors) return { totalCount: result.data!.leads.totalCount, building };
      expect(result.errors[0].extensions?.code).toBe('AS_OF_BUILDING');
      building.push(result.errors[0].extensions as Record<string, unknown>);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the as-of build for ${asOf} never completed`);
  }

  it('answers AS_OF_BUILDING with the progress instead of waiting, then the answer from the same build', async () => {
    const { totalCount, building } = await askUntilBuilt(instants[1]!);
    expect(totalCount).toBe(2);
    expect(building.length).toBeGreaterThan(0);
    const first = building[0]!;
    const total = HISTORY.slice(0, 2).reduce((n, lead) => n + lead.steps.length, 0);
    expect(first).toMatchObject({ code: 'AS_OF_BUILDING', asOf: instants[1], totalEvents: total });
    expect(first.processedEvents as number).toBeLessThan(total);
    expect(first.progress).toBeCloseTo((first.processedEvents as number) / total, 10);
    // Asking again replayed nothing new: one build for that instant.
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM isolated_builds WHERE kind = 'AS_OF' AND as_of = $1`, [instants[1]]);
    expect(rows[0].n).toBe(1);
  });

  it('keeps only the most recently used completed build (asOfKeep: 1) and drops the others with their schemas', async () => {
    await askUntilBuilt(instants[1]!); // the build of the first test, used again now
    const { totalCount } = await askUntilBuilt(instants[0]!);
    expect(totalCount).toBe(1);
    // Eviction runs when a build completes: the older one (instants[1]) is gone, schema included.
    const until = Date.now() + 10_000;
    let builds: { as_of: Date; schema_name: string }[] = [];
    while (Date.now() < until) {
      builds = (await db.query(`SELECT as_of, schema_name FROM isolated_builds WHERE kind = 'AS_OF' ORDER BY as_of`)).rows;
      if (builds.length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(builds.map((b) => b.as_of.toISOString())).toEqual([instants[0]]);
    const { rows: schemas } = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'asof_%' ORDER BY 1`);
    expect(schemas.map((s) => s.nspname)).toEqual([builds[0]!.schema_name]);
    // The dropped instant can still be asked for: it is built again.
    expect((await askUntilBuilt(instants[1]!)).totalCount).toBe(2);
  });
});
