import { ConcurrencyConflictError, type RecordedEvent } from '../../libs/event-store/src/event-store.port.js';
import { DuplicateEventIdError, InvalidAppendError } from '../../libs/event-store/src/errors.js';
import { eventHash, canonicalEvent } from '../../libs/event-store/src/canonical-json.js';
import type { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { uuidv7 } from '../../libs/event-store/src/uuid-v7.js';
import { appendManySummaryOnce, prepareAppendMany } from '../../libs/event-store/src/append-many.js';
import pg from 'pg';
import { ids, newEvent, openStore, rawClient, storeKind, uniqueStream } from './helpers.js';

describe(`event store on ${storeKind} PostgreSQL: appendMany (many streams, one transaction)`, () => {
  let store: PostgresEventStore;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openStore({ poolSize: 12 });
    ({ store, close } = opened);
    url = opened.db.url;
  });
  afterAll(() => close());

  /** The chain recomputed from what was read back: sha256(previous || canonical). */
  function expectChained(events: RecordedEvent[]) {
    let previous: string | null = null;
    for (const event of events) {
      expect(event.hash).toBe(eventHash(previous, canonicalEvent(event)));
      previous = event.hash;
    }
  }

  it('appends to new and existing streams in one transaction: gap-free revisions, chained hashes, positions in revision order', async () => {
    const [a, b, c] = [uniqueStream(), uniqueStream(), uniqueStream()];
    await store.append(b, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    const results = await store.appendMany([
      { streamId: a, events: [newEvent(), newEvent(), newEvent()], options: { expectedRevision: 'no_stream' } },
      { streamId: b, events: [newEvent()], options: { expectedRevision: 2 } },
      { streamId: c, events: [newEvent()], options: { expectedRevision: 'any', idempotencyKey: 'k-c' } },
    ]);
    expect(results.map((r) => [r.streamId, r.nextExpectedRevision, r.idempotentReplay])).toEqual([
      [a, 3, false],
      [b, 3, false],
      [c, 1, false],
    ]);
    // One transaction for all of them; the returned events are what a read gives back.
    expect(new Set(results.flatMap((r) => r.events.map((e) => e.transactionId))).size).toBe(1);
    for (const result of results) {
      const stored = await store.readStream(result.streamId);
      expect(stored.slice(-result.events.length)).toEqual(result.events);
      expect(stored.map((e) => e.revision)).toEqual(stored.map((_, i) => i + 1));
      expectChained(stored);
      const positions = stored.map((e) => BigInt(e.globalPosition));
      expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
    }
    expect(results[2]!.events[0]!.metadata.idempotencyKey).toBe('k-c');
    expect((await store.verifyAll()).ok).toBe(true);
  });

  it('appendManySummaryOnce (the import\'s path) writes the same and reports where each stream\'s append ended, a replay as a replay', async () => {
    const [a, b] = [uniqueStream(), uniqueStream()];
    await store.append(b, [newEvent()], { expectedRevision: 'no_stream', idempotencyKey: `k-${b}` });
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const summaries = await appendManySummaryOnce(
        pool,
        prepareAppendMany([
          { streamId: a, events: [newEvent(), newEvent()], options: { expectedRevision: 'no_stream', idempotencyKey: `k-${a}` } },
          { streamId: b, events: [newEvent()], options: { expectedRevision: 'no_stream', idempotencyKey: `k-${b}` } },
        ]),
        null,
      );
      const [storedA, storedB] = [await store.readStream(a), await store.readStream(b)];
      expect(storedA).toHaveLength(2);
      expect(storedB).toHaveLength(1); // replayed: nothing appended
      expect(summaries).toEqual([
        { streamId: a, idempotentReplay: false, lastPosition: storedA[1]!.globalPosition, transactionId: storedA[1]!.transactionId },
        { streamId: b, idempotentReplay: true, lastPosition: storedB[0]!.globalPosition, transactionId: storedB[0]!.transactionId },
      ]);
      // Errors are the typed ones of appendManyOnce, and nothing is written.
      const c = uniqueStream();
      await expect(
        appendManySummaryOnce(
          pool,
          prepareAppendMany([
            { streamId: c, events: [newEvent()], options: { expectedRevision: 'no_stream' } },
            { streamId: a, events: [newEvent()], options: { expectedRevision: 1 } },
          ]),
          null,
        ),
      ).rejects.toMatchObject({ constructor: ConcurrencyConflictError, streamId: a });
      expect(await store.readStream(c)).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('writes nothing when one stream conflicts, and names that stream', async () => {
    const [a, b] = [uniqueStream(), uniqueStream()];
    await store.append(b, [newEvent()], { expectedRevision: 'no_stream' });
    const call = store.appendMany([
      { streamId: a, events: [newEvent()], options: { expectedRevision: 'no_stream' } },
      { streamId: b, events: [newEvent()], options: { expectedRevision: 'no_stream' } },
    ]);
    await expect(call).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(call).rejects.toMatchObject({ streamId: b, expected: 'no_stream', actual: 1 });
    expect(await store.streamRevision(a)).toBe(0);
    expect(await store.readStream(a)).toEqual([]);
    expect(await store.streamRevision(b)).toBe(1);
  });

  it('replays streams whose idempotency key is known and appends the others', async () => {
    const [a, b] = [uniqueStream(), uniqueStream()];
    const first = await store.appendMany([{ streamId: a, events: [newEvent(), newEvent()], options: { expectedRevision: 'no_stream', idempotencyKey: 'import-1' } }]);
    // The retry carries regenerated events and a stale expectation: the key decides, as for append.
    const again = await store.appendMany([
      { streamId: a, events: [newEvent(), newEvent()], options: { expectedRevision: 'no_stream', idempotencyKey: 'import-1' } },
      { streamId: b, events: [newEvent()], options: { expectedRevision: 'no_stream', idempotencyKey: 'import-1' } },
    ]);
    expect(again[0]).toEqual({ ...first[0], idempotentReplay: true });
    expect(again[1]!.idempotentReplay).toBe(false);
    expect(await store.streamRevision(a)).toBe(2);
    expect(await store.streamRevision(b)).toBe(1);
    // A call made only of replays writes nothing at all.
    const replayOnly = await store.appendMany([{ streamId: b, events: [newEvent()], options: { expectedRevision: 'no_stream', idempotencyKey: 'import-1' } }]);
    expect(replayOnly[0]!.idempotentReplay).toBe(true);
    expect(ids(replayOnly[0]!.events)).toEqual(ids(again[1]!.events));
  });

  it('refuses a duplicate event id, a stream given twice and an empty stream, writing nothing', async () => {
    const [a, b] = [uniqueStream(), uniqueStream()];
    const eventId = uuidv7();
    await store.append(uniqueStream(), [newEvent({ eventId })], { expectedRevision: 'no_stream' });
    const duplicate = store.appendMany([
      { streamId: a, events: [newEvent()], options: { expectedRevision: 'no_stream' } },
      { streamId: b, events: [newEvent({ eventId })], options: { expectedRevision: 'no_stream' } },
    ]);
    await expect(duplicate).rejects.toBeInstanceOf(DuplicateEventIdError);
    await expect(duplicate).rejects.toMatchObject({ streamId: b });
    expect(await store.streamRevision(a)).toBe(0);
    await expect(
      store.appendMany([
        { streamId: a, events: [newEvent()], options: { expectedRevision: 'any' } },
        { streamId: a, events: [newEvent()], options: { expectedRevision: 'any' } },
      ]),
    ).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.appendMany([{ streamId: a, events: [], options: { expectedRevision: 'any' } }])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.appendMany([])).rejects.toBeInstanceOf(InvalidAppendError);
    expect(await store.streamRevision(a)).toBe(0);
  });

  it('lets concurrent calls on overlapping new streams write each stream once (one wins, the other conflicts or replays)', async () => {
    const streams = Array.from({ length: 20 }, () => uniqueStream());
    const call = (key: string | null, order: string[]) =>
      store.appendMany(order.map((streamId) => ({ streamId, events: [newEvent(), newEvent()], options: { expectedRevision: 'no_stream' as const, idempotencyKey: key } })));
    // Without keys: exactly one call succeeds, the other gets a conflict (never a deadlock or a duplicate).
    const settled = await Promise.allSettled([call(null, streams), call(null, [...streams].reverse())]);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    const rejected = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ConcurrencyConflictError);
    for (const stream of streams) expect(await store.streamRevision(stream)).toBe(2);

    // With the same key on both (two imports of one file at once): one writes, the other replays every stream.
    const keyed = Array.from({ length: 20 }, () => uniqueStream());
    const [x, y] = await Promise.all([call('same-import', keyed), call('same-import', [...keyed].reverse())]);
    const replays = [...x!, ...y!].filter((r) => r.idempotentReplay);
    expect(replays).toHaveLength(20);
    for (const stream of keyed) expect(await store.streamRevision(stream)).toBe(2);
    expect((await store.verifyAll()).ok).toBe(true);
  });

  it('refuses an append from a transaction older than a stream’s last writer (retried by the store)', async () => {
    const stream = uniqueStream();
    await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
    const older = await rawClient(url);
    const newer = await rawClient(url);
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()'); // takes its (older) transaction id now
      await newer.query('BEGIN');
      await newer.query('SELECT pg_current_xact_id()');
      await newer.query(
        `SELECT count(*) FROM fl_append_streams($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::text, NULL)`,
        [[stream], ['any'], [null], [null], [1], canonicalEvent({ ...newEvent(), eventId: uuidv7(), streamId: stream, metadata: { actor: { type: 'user', id: 'u' }, correlationId: null, causationId: null, idempotencyKey: null } })],
      );
      await newer.query('COMMIT');
      await expect(
        older.query(
          `SELECT count(*) FROM fl_append_streams($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::text, NULL)`,
          [[stream], ['any'], [null], [null], [1], canonicalEvent({ ...newEvent(), eventId: uuidv7(), streamId: stream, metadata: { actor: { type: 'user', id: 'u' }, correlationId: null, causationId: null, idempotencyKey: null } })],
        ),
      ).rejects.toMatchObject({ code: 'FL002' });
      await older.query('ROLLBACK');
    } finally {
      await older.end();
      await newer.end();
    }
    expect(await store.streamRevision(stream)).toBe(2);
    expect((await store.verifyStream(stream)).ok).toBe(true);
  });
});
