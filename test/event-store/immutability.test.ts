import type pg from 'pg';
import type { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { canonicalEvent, eventHash } from '../../libs/event-store/src/canonical-json.js';
import type { TestDatabase } from '../support/database.js';
import { newEvent, openStore, rawClient, storeKind } from './helpers.js';

describe(`event store on ${storeKind} PostgreSQL: immutability and the hash chain`, () => {
  let store: PostgresEventStore;
  let db: TestDatabase;
  let close: () => Promise<void>;
  let admin: pg.Client;
  beforeAll(async () => {
    ({ store, db, close } = await openStore());
    admin = await rawClient(db.url); // the test server's superuser
  });
  afterAll(async () => {
    await admin.end();
    await close();
  });

  /** Tampering as a superuser would: with user triggers off for this session (replica role). */
  async function tamper(sql: string, params: unknown[]): Promise<void> {
    await admin.query('BEGIN');
    await admin.query('SET LOCAL session_replication_role = replica');
    const { rowCount } = await admin.query(sql, params);
    expect(rowCount).toBe(1);
    await admin.query('COMMIT');
  }

  async function appendThree(stream: string) {
    return (await store.append(stream, [newEvent(), newEvent({ data: { seats: 10 } }), newEvent()], { expectedRevision: 'no_stream' })).events;
  }

  it('verifies untouched streams', async () => {
    await appendThree('a-untouched');
    await appendThree('b-untouched');
    expect(await store.verifyStream('a-untouched')).toEqual({ ok: true, streamsChecked: 1, eventsChecked: 3, firstBrokenLink: null });
    expect(await store.verifyAll()).toEqual({ ok: true, streamsChecked: 2, eventsChecked: 6, firstBrokenLink: null });
    expect(await store.verifyStream('no-such-stream')).toEqual({ ok: true, streamsChecked: 0, eventsChecked: 0, firstBrokenLink: null });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of events and idempotency keys', async () => {
    await store.append('a-untouched', [newEvent()], { expectedRevision: 3, idempotencyKey: 'k' });
    const refused = /on table (events|stream_idempotency) is refused: the event log is append-only/;
    await expect(admin.query(`UPDATE events SET data = '{}' WHERE stream_id = 'a-untouched'`)).rejects.toMatchObject({ code: 'FL003', message: expect.stringMatching(refused) });
    await expect(admin.query(`DELETE FROM events WHERE stream_id = 'a-untouched'`)).rejects.toMatchObject({ code: 'FL003', message: expect.stringMatching(/^DELETE on table events/) });
    await expect(admin.query('TRUNCATE events CASCADE')).rejects.toMatchObject({ code: 'FL003', message: expect.stringMatching(/^TRUNCATE on table events/) });
    await expect(admin.query(`UPDATE stream_idempotency SET last_revision = 9`)).rejects.toMatchObject({ code: 'FL003' });
    await expect(admin.query(`DELETE FROM stream_idempotency`)).rejects.toMatchObject({ code: 'FL003' });
    await expect(admin.query('TRUNCATE stream_idempotency')).rejects.toMatchObject({ code: 'FL003' });
    expect(await store.readStream('a-untouched')).toHaveLength(4);
    expect((await store.verifyAll()).ok).toBe(true);
  });

  it('reports an event changed behind the triggers as the first broken link', async () => {
    const events = await appendThree('c-edited');
    await tamper(`UPDATE events SET data = jsonb_set(data, '{seats}', '11') WHERE stream_id = 'c-edited' AND revision = 2`, []);
    const edited = (await store.readStream('c-edited'))[1]!;
    const expected = {
      ok: false,
      firstBrokenLink: {
        streamId: 'c-edited',
        revision: 2,
        eventId: events[1]!.eventId,
        storedHash: events[1]!.hash,
        expectedHash: eventHash(events[0]!.hash, canonicalEvent(edited)),
        reason: 'hash_mismatch',
        message: expect.stringContaining('revision 2'),
      },
    };
    expect(expected.firstBrokenLink.expectedHash).not.toBe(events[1]!.hash);
    expect(await store.verifyStream('c-edited')).toMatchObject({ ...expected, eventsChecked: 2 });
    expect(await store.verifyAll()).toMatchObject(expected);
    expect((await store.verifyStream('b-untouched')).ok).toBe(true);
  });

  it('catches a forger who also recomputes the edited event’s hash: the next link breaks', async () => {
    const events = await appendThree('d-rehashed');
    const forged = { ...events[0]!, data: { forged: true } };
    await tamper(`UPDATE events SET data = $1, hash = decode($2, 'hex') WHERE stream_id = 'd-rehashed' AND revision = 1`, [
      JSON.stringify(forged.data),
      eventHash(null, canonicalEvent(forged)),
    ]);
    expect((await store.verifyStream('d-rehashed')).firstBrokenLink).toMatchObject({ revision: 2, eventId: events[1]!.eventId, reason: 'hash_mismatch' });
  });

  it('reports a deleted revision in the middle and at the end of a stream', async () => {
    const middle = await appendThree('e-gap');
    await tamper(`DELETE FROM events WHERE stream_id = 'e-gap' AND revision = 2`, []);
    expect((await store.verifyStream('e-gap')).firstBrokenLink).toMatchObject({
      streamId: 'e-gap',
      revision: 3,
      eventId: middle[2]!.eventId,
      reason: 'missing_revision',
      message: 'stream e-gap: revision 2 is missing before revision 3',
    });

    await appendThree('f-tail');
    await tamper(`DELETE FROM events WHERE stream_id = 'f-tail' AND revision = 3`, []);
    expect((await store.verifyStream('f-tail')).firstBrokenLink).toMatchObject({
      streamId: 'f-tail',
      revision: 3,
      reason: 'missing_revision',
      message: 'stream f-tail is at revision 3 but its events end at revision 2',
    });
    // verifyAll still reports the first broken stream in stream order.
    expect((await store.verifyAll()).firstBrokenLink).toMatchObject({ streamId: 'c-edited', revision: 2 });
  });
});
