import pg from 'pg';
import { withMqlThreshold } from '../../libs/domain/src/index.js';
import { FIXED_HISTORY, fixedHistoryDefinition, recordFixedHistory } from '../fixtures/fixed-history.js';
import { startApiOn } from '../api/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/*
 * A scenario outlives the process that started it: that process stops mid-replay (its build stays RUNNING and
 * its lock is released with its session), another process finds the build nobody drives and finishes it from
 * the checkpoint, and the result equals a scenario run start to end.
 */

const CANDIDATE = withMqlThreshold(fixedHistoryDefinition({ name: 'mql60-resume' }), 60);
const RUN = `mutation($name: String!, $definition: JSON!) { runScenario(input: { name: $name, definition: $definition }) { id status totalEvents } }`;
const SCENARIO = `query($id: ID!) { scenario(id: $id) { id status processedEvents totalEvents } }`;
const WATERFALL = `
  query($s: ID) {
    waterfall(from: "2025-04-01T00:00:00Z", to: "2025-07-01T00:00:00Z", granularity: MONTH, scenarioId: $s) {
      periods { start stages { stage entered advanced recycled rejected lost open enteredValue advancedValue velocity { count median } } }
    }
  }`;

describe('a scenario resumed by another process', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('is finished from its checkpoint by the next process, and equals a run from start to end', async () => {
    const options = { activeDefinition: fixedHistoryDefinition(), scenarios: { resumeIntervalMs: 0, replayBatchSize: 1 } };
    const first = await startApiOn(database.url, true, options);
    let id = '';
    let stoppedAt = 0;
    try {
      await recordFixedHistory(first.gql, FIXED_HISTORY);
      const started = await first.gql(RUN, { name: 'resumed', definition: CANDIDATE });
      expect(started.errors).toBeUndefined();
      // Every write acknowledged before runScenario is in it, even while the live projection's batch
      // transaction holds the feed's guarded head back.
      expect(started.data!.runScenario.totalEvents).toBe(FIXED_HISTORY.reduce((n, lead) => n + lead.steps.length, 0));
      id = started.data!.runScenario.id;
      // Stop the process once the replay is under way.
      for (;;) {
        const { data } = await first.gql(SCENARIO, { id });
        stoppedAt = data!.scenario.processedEvents;
        if (stoppedAt > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      await first.app.close();
    }
    const db = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const { rows } = await db.query(`SELECT status, processed_events::int AS processed, total_events::int AS total FROM isolated_builds WHERE id = $1`, [id]);
      expect(rows[0].status).toBe('RUNNING');
      const { rows: checkpoint } = await db.query(`SELECT events_processed::int AS n FROM projection_checkpoints WHERE name = $1`, [`isolated:${id}`]);
      expect(checkpoint[0].n).toBeGreaterThan(0);
      expect(checkpoint[0].n).toBeLessThan(rows[0].total);
    } finally {
      await db.end();
    }

    // The next process looks for builds nobody drives at start.
    const second = await startApiOn(database.url, true, { ...options, scenarios: { resumeIntervalMs: 50 } });
    try {
      let status = '';
      for (let i = 0; i < 400 && status !== 'COMPLETED'; i++) {
        const { data } = await second.gql(SCENARIO, { id });
        status = data!.scenario.status;
        if (status !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(status).toBe('COMPLETED');
      const resumed = await second.gql(WATERFALL, { s: id });
      expect(resumed.errors).toBeUndefined();

      // The same definition replayed start to end in one go.
      const again = await second.gql(RUN, { name: 'in one go', definition: CANDIDATE });
      const againId = again.data!.runScenario.id;
      for (let i = 0; i < 400; i++) {
        const { data } = await second.gql(SCENARIO, { id: againId });
        if (data!.scenario.status === 'COMPLETED') break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const whole = await second.gql(WATERFALL, { s: againId });
      expect(whole.errors).toBeUndefined();
      expect(resumed.data).toEqual(whole.data);
      // Non-trivial: the MQL-60 scenario has MQL visits the live default does not.
      const mql = resumed.data!.waterfall.periods.flatMap((p: { stages: { stage: string; entered: number }[] }) => p.stages).filter((s: { stage: string }) => s.stage === 'mql');
      expect(mql.reduce((n: number, s: { entered: number }) => n + s.entered, 0)).toBeGreaterThan(0);
    } finally {
      await second.app.close();
    }
  }, 120_000);
});
