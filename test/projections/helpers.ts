import pg from 'pg';
import type { NewEvent, RecordedEvent } from '../../libs/event-store/src/event-store.port.js';
import { runMigrations, type MigrationList } from '../../libs/event-store/src/migrate.js';
import { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { ALL_MIGRATIONS } from '../../libs/projections/src/migrations/index.js';
import type { Projection, ProjectionTransaction } from '../../libs/projections/src/projection.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

export const storeKind = testDatabaseKind();

export interface ProjectionTestDb {
  db: TestDatabase;
  pool: pg.Pool;
  store: PostgresEventStore;
  close(): Promise<void>;
}

/** A fresh database migrated with event store + projection migrations (or the list given), a pool and a store on it. */
export async function openProjectionDb({
  poolSize = 10,
  migrations = ALL_MIGRATIONS,
}: { poolSize?: number; migrations?: MigrationList } = {}): Promise<ProjectionTestDb> {
  const db = await createTestDatabase({ migrate: false });
  await runMigrations(db.url, () => {}, migrations);
  const pool = new pg.Pool({ connectionString: db.url, max: poolSize });
  pool.on('error', () => {}); // tests terminate backends on purpose
  const store = await PostgresEventStore.connect(db.url, { log: () => {}, poolSize: 8 });
  return {
    db,
    pool,
    store,
    async close() {
      await store.close();
      await pool.end();
      await db.drop();
    },
  };
}

let counter = 0;
export function newEvent(type = 'LeadCaptured', data: Record<string, unknown> = {}): NewEvent {
  counter++;
  return {
    type,
    schemaVersion: 1,
    data: { n: counter, ...data },
    metadata: { actor: { type: 'system', id: 'projection-tests' }, correlationId: null, causationId: null },
    occurredAt: new Date('2026-11-02T09:30:00.000Z'),
  };
}

export interface CountingOptions {
  /** Recorded in the applied table: which runner applied each event. */
  tag?: string;
  batchSize?: number;
  /** Throws (after writing) when a batch contains an event this returns true for: a poison event. */
  failOn?: (event: RecordedEvent) => boolean;
  /** Runs after the writes, inside the batch transaction (to crash it, tamper with it...). */
  afterWrite?: (tx: ProjectionTransaction, events: readonly RecordedEvent[]) => Promise<void>;
  /** Every apply call's batch (bisecting replays included). */
  calls?: RecordedEvent[][];
}

/**
 * The test projection: counts events per (stream, type) with one multi-row upsert per batch, and logs every
 * applied event (no unique key, so a double apply would show up as a duplicate row instead of an error).
 */
export function countingProjection(name: string, options: CountingOptions = {}): Projection {
  const counts = `${name}_counts`;
  const applied = `${name}_applied`;
  return {
    name,
    batchSize: options.batchSize,
    async apply(tx, events) {
      options.calls?.push([...events]);
      const byKey = new Map<string, { stream: string; type: string; n: number }>();
      for (const event of events) {
        const key = `${event.streamId}\u0000${event.type}`;
        const entry = byKey.get(key) ?? { stream: event.streamId, type: event.type, n: 0 };
        entry.n++;
        byKey.set(key, entry);
      }
      const keys = [...byKey.values()];
      await tx.query(
        `INSERT INTO ${counts} (stream_id, type, n)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
         ON CONFLICT (stream_id, type) DO UPDATE SET n = ${counts}.n + excluded.n`,
        [keys.map((k) => k.stream), keys.map((k) => k.type), keys.map((k) => k.n)],
      );
      await tx.query(`INSERT INTO ${applied} (event_id, global_position, applied_by) SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[])`, [
        events.map((e) => e.eventId),
        events.map((e) => e.globalPosition),
        events.map(() => options.tag ?? 'runner'),
      ]);
      await options.afterWrite?.(tx, events);
      const poison = options.failOn ? events.find(options.failOn) : undefined;
      if (poison) throw new Error(`cannot project ${poison.type} ${poison.eventId}`);
    },
  };
}

export async function createCountingTables(pool: pg.Pool, name: string): Promise<void> {
  await pool.query(`CREATE TABLE ${name}_counts (stream_id text NOT NULL, type text NOT NULL, n bigint NOT NULL, PRIMARY KEY (stream_id, type))`);
  await pool.query(`CREATE TABLE ${name}_applied (event_id uuid NOT NULL, global_position bigint NOT NULL, applied_by text NOT NULL)`);
}

/** The projection's counts as 'stream|type' -> n. */
export async function projectedCounts(pool: pg.Pool, name: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ key: string; n: string }>(`SELECT stream_id || '|' || type AS key, n::text AS n FROM ${name}_counts`);
  return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}

/** What the counts must be: straight from the events table. */
export async function expectedCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ key: string; n: string }>(`SELECT stream_id || '|' || type AS key, count(*)::text AS n FROM events GROUP BY 1`);
  return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}

export async function appliedEventIds(pool: pg.Pool, name: string): Promise<string[]> {
  const { rows } = await pool.query<{ event_id: string }>(`SELECT event_id::text AS event_id FROM ${name}_applied ORDER BY global_position`);
  return rows.map((r) => r.event_id);
}

export async function checkpointOf(pool: pg.Pool, name: string): Promise<{ transactionId: string; globalPosition: string; state: string }> {
  const { rows } = await pool.query(
    `SELECT transaction_id::text AS "transactionId", global_position::text AS "globalPosition", state FROM projection_checkpoints WHERE name = $1`,
    [name],
  );
  if (!rows[0]) throw new Error(`no checkpoint row for ${name}`);
  return rows[0];
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let projectionCounter = 0;
/** A projection name (also a table prefix) unique within the test database. */
export function projectionName(prefix: string): string {
  return `${prefix}_${++projectionCounter}`;
}

/**
 * Waits until the guarded feed holds nothing back: every committed event is readable. On a shared server
 * (TEST_DATABASE_URL), other sessions' transactions hold the guard back for moments; tests that expect an
 * exact batch right after an append wait for this first. Never call it while the test itself keeps a
 * transaction open.
 */
export async function settled(pool: pg.Pool): Promise<void> {
  await until(
    async () =>
      (
        await pool.query<{ held: boolean }>(
          'SELECT EXISTS (SELECT 1 FROM events e WHERE e.transaction_id >= pg_snapshot_xmin(pg_current_snapshot())) AS held',
        )
      ).rows[0]!.held === false,
    10_000,
    'the feed to release every committed event',
  );
}
