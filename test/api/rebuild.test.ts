import pg from 'pg';
import { createTestDatabase } from '../support/database.js';
import type { graphqlClient } from './graphql-client.js';
import { recordHandedOffLead, spawnWorker, startApiOn } from './test-app.js';

const STATUS = `{ projectionStatus { name version position lag state active rebuild { version position lag state error failedEventId eventsProcessed startedAt active } } }`;
const REBUILD = `mutation Rebuild($name: String!) { rebuildProjection(name: $name) { name version state rebuild { version state position startedAt } } }`;
const LEADS = `{ leads(first: 50) { edges { node { id stage } } } }`;

type Gql = ReturnType<typeof graphqlClient>;

async function recordLeads(gql: Gql, prefix: string, count: number): Promise<string> {
  let position = '0';
  for (let i = 0; i < count; i++) position = await recordHandedOffLead(gql, `${prefix}-${i}`);
  return position;
}

async function leadFunnelStatus(gql: Gql) {
  const { data, errors } = await gql(STATUS);
  expect(errors).toBeUndefined();
  return data!.projectionStatus.find((s: any) => s.name === 'lead_funnel');
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('rebuildProjection over GraphQL', () => {
  it('rebuilds lead_funnel blue/green in the API process; errors carry codes', async () => {
    const database = await createTestDatabase();
    const { app, gql } = await startApiOn(database.url, true);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const position = await recordLeads(gql, 'rb', 5);
      await until('lead_funnel to catch up', async () => {
        const s = await leadFunnelStatus(gql);
        return BigInt(s.position) >= BigInt(position) && s.lag === 0;
      });
      expect(await leadFunnelStatus(gql)).toMatchObject({ version: 1, rebuild: null, state: 'running', active: true });
      const before = (await gql(LEADS)).data!.leads.edges;
      expect(before).toHaveLength(5);

      // Two requests at once: one starts the rebuild, the other is refused (the registry rows serialize them).
      const both = await Promise.all([gql(REBUILD, { name: 'lead_funnel' }), gql(REBUILD, { name: 'lead_funnel' })]);
      const started = both.find((r) => r.data)!;
      const again = both.find((r) => r !== started)!;
      expect(started.errors).toBeUndefined();
      expect(started.data!.rebuildProjection).toMatchObject({ name: 'lead_funnel', version: 1, state: 'running', rebuild: { version: 2, state: 'running' } });
      expect(Date.parse(started.data!.rebuildProjection.rebuild.startedAt)).not.toBeNaN();
      expect(again.data).toBeNull();
      expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'REBUILD_IN_PROGRESS', version: 2 });
      const unknown = await gql(REBUILD, { name: 'no_such_projection' });
      expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

      const swapped = await until('version 2 to serve reads', async () => {
        const s = await leadFunnelStatus(gql);
        return s.version === 2 && s.rebuild === null ? s : null;
      });
      expect(swapped).toMatchObject({ state: 'running', lag: 0, active: true });
      expect((await gql(LEADS)).data!.leads.edges).toEqual(before);
      // Writes after the swap reach the new version.
      const later = await recordLeads(gql, 'after', 1);
      await until('the new lead to be projected', async () => BigInt((await leadFunnelStatus(gql)).position) >= BigInt(later));
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM lead_funnel_v2.rm_lead_summary`);
      expect(rows[0].n).toBe(6);
      await until('the old schema to be dropped', async () => (await db.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'lead_funnel_v1'`)).rows.length === 0);
    } finally {
      await db.end();
      await app.close();
      await database.drop();
    }
  }, 120_000);

  it('the standalone worker builds and swaps a rebuild requested through an API that does not run projections', async () => {
    const database = await createTestDatabase();
    const { app, gql } = await startApiOn(database.url, false);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const { child, logs } = spawnWorker(env);
    try {
      const position = await recordLeads(gql, 'wk', 3);
      await until('the worker to project', async () => {
        const s = await leadFunnelStatus(gql);
        return BigInt(s.position) >= BigInt(position) && s.lag === 0;
      });
      const started = await gql(REBUILD, { name: 'lead_funnel' });
      expect(started.errors).toBeUndefined();
      expect(started.data!.rebuildProjection.rebuild).toMatchObject({ version: 2 });
      const swapped = await until('the worker to swap version 2 in', async () => {
        const s = await leadFunnelStatus(gql);
        return s.version === 2 && s.rebuild === null ? s : null;
      });
      expect(swapped).toMatchObject({ state: 'running', lag: 0, active: true });
      expect((await gql(LEADS)).data!.leads.edges).toHaveLength(3);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nworker logs:\n${logs()}`);
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await app.close();
      await database.drop();
    }
  }, 120_000);
});
