import pg from 'pg';
import { createTestDatabase } from '../support/database.js';
import type { graphqlClient } from './graphql-client.js';
import { recordHandedOffLead, spawnWorker, startApiOn } from './test-app.js';

const STATUS = `{ projectionStatus { name position headPosition lag state error active eventsProcessed } }`;

async function waitForProjection(gql: ReturnType<typeof graphqlClient>, position: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { data, errors } = await gql(STATUS);
    expect(errors).toBeUndefined();
    const status = data!.projectionStatus.find((s: any) => s.name === 'lead_funnel');
    if (status && BigInt(status.position) >= BigInt(position) && status.lag === 0) return status;
    if (Date.now() > deadline) throw new Error(`lead_funnel did not reach ${position}: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('read-model projections', () => {
  it('run inside the API by default and report their status', async () => {
    const database = await createTestDatabase();
    const { app, gql } = await startApiOn(database.url, true);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const position = await recordHandedOffLead(gql, 'lead-projected');
      const status = await waitForProjection(gql, position);
      expect(status).toMatchObject({ state: 'running', error: null, active: true, eventsProcessed: 3 });
      expect(status.headPosition).toBe(position);
      const { rows } = await db.query('SELECT stage, owner_id FROM rm_lead_summary WHERE lead_id = $1', ['lead-projected']);
      expect(rows).toEqual([{ stage: 'handed_off', owner_id: 'sam' }]);
    } finally {
      await db.end();
      await app.close();
      await database.drop();
    }
  });

  it('run in the standalone worker when the API is told not to run them', async () => {
    const database = await createTestDatabase();
    const { app, gql } = await startApiOn(database.url, false);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'info' };
    const { child, logs } = spawnWorker(env);
    try {
      const position = await recordHandedOffLead(gql, 'lead-by-worker');
      const status = await waitForProjection(gql, position);
      expect(status).toMatchObject({ state: 'running', active: true });
      expect(logs()).toContain('Funnel Ledger worker running');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const { data } = await gql(STATUS);
      expect(data!.projectionStatus.find((s: any) => s.name === 'lead_funnel').active).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await app.close();
      await database.drop();
    }
  }, 120_000);

  it('the worker refuses to start without DATABASE_URL', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    const { child, logs } = spawnWorker(env);
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2);
    expect(logs()).toContain('DATABASE_URL is required by the worker');
  });
});
