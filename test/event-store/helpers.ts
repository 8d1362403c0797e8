import pg from 'pg';
import type { NewEvent, RecordedEvent } from '../../libs/event-store/src/event-store.port.js';
import { PostgresEventStore, type PostgresEventStoreOptions } from '../../libs/event-store/src/postgres-event-store.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/database.js';

export const storeKind = testDatabaseKind();

/** A migrated database and a store on it, for one test file. */
export async function openStore(options: PostgresEventStoreOptions & { poolSize?: number } = {}): Promise<{
  db: TestDatabase;
  store: PostgresEventStore;
  close(): Promise<void>;
}> {
  const db = await createTestDatabase();
  const store = await PostgresEventStore.connect(db.url, { log: () => {}, ...options });
  return {
    db,
    store,
    async close() {
      await store.close();
      await db.drop();
    },
  };
}

let counter = 0;
export function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  counter++;
  return {
    type: 'LeadCaptured',
    schemaVersion: 1,
    data: { n: counter },
    metadata: { actor: { type: 'user', id: 'user-1' }, correlationId: null, causationId: null },
    occurredAt: new Date('2026-11-02T09:30:00.123Z'),
    ...overrides,
  };
}

export function uniqueStream(prefix = 'lead'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A client outside the store's pool, for explicit transactions and superuser-only statements. */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Resolves when some backend of this database waits on a lock (the test then knows the race is set up). */
export async function waitForLockWaiter(client: pg.Client, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await client.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no backend started waiting on a lock within ${timeoutMs} ms`);
}

export function ids(events: RecordedEvent[]): string[] {
  return events.map((event) => event.eventId);
}
