import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { EmbeddedPostgres } from '../../libs/event-store/src/embedded-postgres.js';

type EmbeddedPostgresModule = typeof import('../../libs/event-store/src/embedded-postgres.js');
/*
 * jest loads global setup files as CommonJS through its transform, but without moduleNameMapper, so an ESM
 * import of '…/embedded-postgres.js' would look for a .js file that does not exist. While this file loads,
 * jest's require hook transpiles .ts files, so require the source itself; fall back to import() if a future
 * jest loads this file as ESM (where the mapper applies).
 */
const embeddedModule: EmbeddedPostgresModule | undefined =
  typeof require === 'function' ? (require('../../libs/event-store/src/embedded-postgres.ts') as EmbeddedPostgresModule) : undefined;

/**
 * One PostgreSQL server for the whole integration run; every test file creates its own database on it
 * (test/support/database.ts). TEST_DATABASE_URL selects an existing server (a maintenance-database URL such
 * as postgres://postgres@127.0.0.1:5432/postgres, as a superuser: tests create databases and tamper with
 * triggers); otherwise an embedded PostgreSQL starts in a fresh temporary directory. Workers inherit
 * process.env, so they find the URL there.
 */
export interface TestServerHandle {
  server: EmbeddedPostgres;
  tempDir: string;
}

declare global {
  var __FL_TEST_SERVER__: TestServerHandle | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    process.env.TEST_DATABASE_KIND = 'system';
    await assertReachable(process.env.TEST_DATABASE_URL);
    return;
  }
  const { findFreePort, startEmbeddedPostgres } = embeddedModule ?? (await import('../../libs/event-store/src/embedded-postgres.js'));
  const tempDir = await mkdtemp(path.join(tmpdir(), 'fl-test-pg-'));
  await chmod(tempDir, 0o755); // the server runs as the postgres user, which must enter this directory
  const server = await startEmbeddedPostgres({
    dataDir: path.join(tempDir, 'data'),
    port: await findFreePort(),
    database: 'postgres',
    // A throwaway cluster: durability buys nothing here, and commit flushes would dominate the suite's time.
    extraFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  });
  globalThis.__FL_TEST_SERVER__ = { server, tempDir };
  process.env.TEST_DATABASE_URL = server.url;
  process.env.TEST_DATABASE_KIND = 'embedded';
}

/** Fail once, clearly, instead of in every test file. */
async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const shown = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    throw new Error(`TEST_DATABASE_URL (${shown}) is not reachable: ${(error as Error).message}. Unset it to use an embedded PostgreSQL.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
