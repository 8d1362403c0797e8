import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../apps/api/src/app.factory.js';
import { loadConfig } from '../../apps/api/src/config/app-config.js';
import { createTestDatabase } from '../support/database.js';
import { graphqlClient, MUTATIONS } from './graphql-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const worker = path.join(root, 'dist/apps/worker/src/main.js');
const STATUS = `{ projectionStatus { name position headPosition lag state error active eventsProcessed } }`;

async function startApi(databaseUrl: string, runProjections: boolean) {
  const config = { ...loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', RUN_PROJECTIONS: String(runProjections) }), port: 0 };
  const app: NestExpressApplication = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, gql: graphqlClient(`http://127.0.0.1:${port}`) };
}

async function recordLead(gql: ReturnType<typeof graphqlClient>, leadId: string): Promise<string> {
  let position = '0';
  for (const [mutation, input] of [
    [MUTATIONS.capture, { leadId, channel: 'web form', origin: 'MARKETING' }],
    [MUTATIONS.score, { leadId, budget: 20, authority: 20, need: 20, timeframe: 10, trust: 10 }],
    [MUTATIONS.handOff, { leadId, ownerId: 'sam' }],
  ] as const) {
    const result = await gql(mutation, { input });
    expect(result.errors).toBeUndefined();
    position = Object.values(result.data!)[0].position;
  }
  return position;
}

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
    const { app, gql } = await startApi(database.url, true);
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const position = await recordLead(gql, 'lead-projected');
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
    const { app, gql } = await startApi(database.url, false);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [worker], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    try {
      const position = await recordLead(gql, 'lead-by-worker');
      const status = await waitForProjection(gql, position);
      expect(status).toMatchObject({ state: 'running', active: true });
      expect(logs).toContain('Funnel Ledger worker running');
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
    const child = spawn(process.execPath, [worker], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2);
    expect(output).toContain('DATABASE_URL is required by the worker');
  });
});
