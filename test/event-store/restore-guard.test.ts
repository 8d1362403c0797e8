import { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { newEvent, rawClient, storeKind } from './helpers.js';

describe(`event store on ${storeKind} PostgreSQL: transaction ids after a restore`, () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase()));
  afterAll(() => db.drop());

  it('starts on a database whose stored transaction ids are behind the server', async () => {
    const store = await PostgresEventStore.connect(db.url, { log: () => {} });
    await store.append('lead-1', [newEvent()], { expectedRevision: 'no_stream' });
    await store.close();
    const again = await PostgresEventStore.connect(db.url);
    expect(await again.streamRevision('lead-1')).toBe(1);
    await again.close();
  });

  it('refuses to start when stored transaction ids are ahead of the server (a dump restored into a new cluster)', async () => {
    // What a restore into a fresh cluster looks like: rows carrying ids the new server has not reached yet.
    const client = await rawClient(db.url);
    const ahead = `${(1n << 40n) + 7n}`; // epoch 256: far beyond this server's counter
    await client.query(`INSERT INTO streams (stream_id, version, last_hash, last_transaction_id) VALUES ('restored', 1, '\\x00', $1::xid8)`, [ahead]);
    await client.query(
      `INSERT INTO events (transaction_id, stream_id, revision, event_id, type, schema_version, data, metadata, occurred_at, hash)
       VALUES ($1::xid8, 'restored', 1, gen_random_uuid(), 'T', 1, '{}', '{}', now(), '\\x00')`,
      [ahead],
    );
    await client.end();
    await expect(PostgresEventStore.connect(db.url)).rejects.toThrow(`holds transaction id ${ahead} but this server's next transaction id is`);
  });
});
