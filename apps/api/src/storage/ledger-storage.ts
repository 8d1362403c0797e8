import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import {
  PostgresEventStore,
  runMigrations,
  embeddedServerUrl,
  startEmbeddedPostgres,
  type EventStore,
} from '../../../../libs/event-store/src/index.js';
import { ALL_MIGRATIONS } from '../../../../libs/read-models/src/index.js';
import type { AppConfig } from '../config/app-config.js';

export interface StorageLog {
  info(message: string): void;
  debug(message: string): void;
}

/**
 * The ledger's storage for one process: the PostgreSQL it talks to (an external server from DATABASE_URL,
 * or an embedded server this process starts and stops), migrated to the current schema, and the event store
 * on top of it. Opening is all-or-nothing: if migrations fail, the embedded server is stopped again.
 */
export class LedgerStorage {
  private constructor(
    readonly databaseUrl: string,
    readonly kind: 'embedded' | 'external',
    readonly eventStore: EventStore,
    /** Shared by the event store and the projection runners of this process. */
    readonly pool: pg.Pool,
    private readonly stopEmbedded: (() => Promise<void>) | null,
  ) {}

  /**
   * `shareRunningEmbedded` (the CLI): when the embedded data directory already has a live server (an API is
   * running on it), connect to that server instead of failing to start a second one, and leave it running.
   */
  static async open(config: AppConfig, log: StorageLog, options: { shareRunningEmbedded?: boolean } = {}): Promise<LedgerStorage> {
    let url: string;
    let stopEmbedded: (() => Promise<void>) | null = null;
    const running = config.databaseUrl === null && options.shareRunningEmbedded ? await runningEmbeddedServer(path.resolve(config.dataDir, 'postgres')) : null;
    if (config.databaseUrl !== null) {
      url = config.databaseUrl;
    } else if (running !== null) {
      log.info(`Using the embedded PostgreSQL already running on ${running.dataDir} (port ${running.port})`);
      url = embeddedServerUrl(running.port);
    } else {
      const dataDir = path.resolve(config.dataDir, 'postgres');
      log.info(`No DATABASE_URL: starting the embedded PostgreSQL (data in ${dataDir}, port ${config.embeddedPostgresPort})`);
      const embedded = await startEmbeddedPostgres({
        dataDir,
        port: config.embeddedPostgresPort,
        onLog: (line: string) => log.debug(line.trim()),
      });
      url = embedded.url;
      stopEmbedded = () => embedded.stop();
    }
    try {
      const applied = await runMigrations(url, (message: string) => log.info(message), ALL_MIGRATIONS);
      if (applied.length > 0) log.info(`Applied migrations: ${applied.join(', ')}`);
      const pool = new pg.Pool({ connectionString: url, max: config.databasePoolSize, application_name: 'funnel-ledger' });
      // An idle pooled connection that dies emits 'error' on the pool; unhandled, it would crash the process.
      pool.on('error', (error) => log.info(`idle database connection failed: ${error.message}`));
      const eventStore = new PostgresEventStore(pool);
      return new LedgerStorage(url, config.databaseUrl === null ? 'embedded' : 'external', eventStore, pool, stopEmbedded);
    } catch (error) {
      await stopEmbedded?.();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.eventStore.close();
    await this.pool.end();
    await this.stopEmbedded?.();
  }
}

/** The port of a live server on `dataDir` (postmaster.pid: line 1 its pid, line 4 its port), or null. */
async function runningEmbeddedServer(dataDir: string): Promise<{ dataDir: string; port: number } | null> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, owned by another user (the `postgres` user when the API runs as root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { dataDir, port };
}
