import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '../../libs/event-store/src/migrate.js';

export type TestDatabaseKind = 'embedded' | 'system';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** The server chosen by global-setup.ts: 'embedded' (default) or 'system' (TEST_DATABASE_URL was given). */
export function testDatabaseKind(): TestDatabaseKind {
  return process.env.TEST_DATABASE_KIND === 'system' ? 'system' : 'embedded';
}

function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run integration tests through jest --selectProjects integration (its global setup provides the server)');
  return url;
}

/**
 * A fresh database `fl_test_<random>` on the test server, migrated unless `migrate: false`; drop() removes it
 * (ending its connections).
 */
export async function createTestDatabase({ migrate = true }: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `fl_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  try {
    if (migrate) await runMigrations(url.toString());
  } catch (error) {
    await dropDatabase(name);
    throw error;
  }
  return { url: url.toString(), name, drop: () => dropDatabase(name) };
}

async function dropDatabase(name: string): Promise<void> {
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
