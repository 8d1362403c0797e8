import { MIGRATIONS_TABLE, revertLastMigration, runMigrations } from '../../libs/event-store/src/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rawClient, storeKind } from './helpers.js';

describe(`event store on ${storeKind} PostgreSQL: migrations`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase({ migrate: false })));
  afterAll(() => db.drop());

  async function tables(): Promise<string[]> {
    const client = await rawClient(db.url);
    try {
      const { rows } = await client.query<{ name: string }>(
        `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
      );
      return rows.map((r) => r.name);
    } finally {
      await client.end();
    }
  }

  it('applies pending migrations once even when two processes migrate at the same time', async () => {
    const logs: string[] = [];
    const results = await Promise.all([runMigrations(db.url, (m) => logs.push(m)), runMigrations(db.url, (m) => logs.push(m))]);
    expect(results.flat()).toEqual(['CreateEventStore1732350000000', 'AddMultiStreamAppend1732355000000']);
    expect(logs).toEqual(expect.arrayContaining(['migration CreateEventStore1732350000000: applied', 'migrations: schema is up to date']));
    expect(await tables()).toEqual(['events', MIGRATIONS_TABLE, 'stream_idempotency', 'streams']);

    // The bookkeeping TypeORM's MigrationExecutor expects: (id, timestamp from the name, name).
    const client = await rawClient(db.url);
    const { rows } = await client.query(`SELECT "timestamp"::text AS timestamp, name FROM ${MIGRATIONS_TABLE}`);
    await client.end();
    expect(rows).toEqual([
      { timestamp: '1732350000000', name: 'CreateEventStore1732350000000' },
      { timestamp: '1732355000000', name: 'AddMultiStreamAppend1732355000000' },
    ]);
    expect(await runMigrations(db.url)).toEqual([]);
  });

  it('reverts with down() and applies again', async () => {
    expect(await revertLastMigration(db.url)).toBe('AddMultiStreamAppend1732355000000');
    expect(await revertLastMigration(db.url)).toBe('CreateEventStore1732350000000');
    expect(await tables()).toEqual([MIGRATIONS_TABLE]);
    expect(await revertLastMigration(db.url)).toBeNull();
    expect(await runMigrations(db.url)).toEqual(['CreateEventStore1732350000000', 'AddMultiStreamAppend1732355000000']);
    expect(await tables()).toEqual(['events', MIGRATIONS_TABLE, 'stream_idempotency', 'streams']);
  });
});
