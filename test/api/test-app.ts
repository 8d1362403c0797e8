import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../apps/api/src/app.factory.js';
import type { AppOptions } from '../../apps/api/src/app.module.js';
import { loadConfig } from '../../apps/api/src/config/app-config.js';
import { WORKER_NODE_FLAGS } from '../../apps/worker/src/node-flags.js';
import { createTestDatabase } from '../support/database.js';
import { graphqlClient, MUTATIONS } from './graphql-client.js';

/**
 * The real API on a fresh database of the test server (embedded or system), listening on a free port;
 * `options` as for createApp (e.g. an `activeDefinition` with holidays).
 */
export async function startTestApp(options: AppOptions = {}) {
  const database = await createTestDatabase();
  const config = { ...loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'warn' }), port: 0 };
  let app: NestExpressApplication;
  try {
    app = await createApp(config, options);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await database.drop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl,
    databaseUrl: database.url,
    gql: graphqlClient(baseUrl),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** The real API on an existing database, with or without its in-process projections. */
export async function startApiOn(databaseUrl: string, runProjections: boolean, options: AppOptions = {}) {
  const config = { ...loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', RUN_PROJECTIONS: String(runProjections) }), port: 0 };
  const app: NestExpressApplication = await createApp(config, options);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, gql: graphqlClient(`http://127.0.0.1:${port}`) };
}

/** Captures, scores (80) and hands off one lead through the mutations; the position of the last write. */
export async function recordHandedOffLead(gql: ReturnType<typeof graphqlClient>, leadId: string): Promise<string> {
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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER_MAIN = path.join(ROOT, 'dist/apps/worker/src/main.js');

/** The built standalone worker with `env`, its stdout and stderr collected in `logs()`. */
export function spawnWorker(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, WORKER_MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
  return { child, logs: () => logs };
}
