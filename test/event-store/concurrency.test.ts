import type pg from 'pg';
import { appendOnce, prepareAppend } from '../../libs/event-store/src/append.js';
import { StaleTransactionOrderError } from '../../libs/event-store/src/errors.js';
import { ConcurrencyConflictError, type AppendResult } from '../../libs/event-store/src/event-store.port.js';
import type { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import type { TestDatabase } from '../support/database.js';
import { newEvent, openStore, rawClient, storeKind, uniqueStream, waitForLockWaiter } from './helpers.js';

describe(`event store on ${storeKind} PostgreSQL: optimistic concurrency`, () => {
  let store: PostgresEventStore;
  let db: TestDatabase;
  let close: () => Promise<void>;
  const clients: pg.Client[] = [];
  beforeAll(async () => ({ store, db, close } = await openStore({ poolSize: 12 })));
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await close();
  });
  async function client(): Promise<pg.Client> {
    const c = await rawClient(db.url);
    clients.push(c);
    return c;
  }

  async function conflictOf(promise: Promise<unknown>): Promise<ConcurrencyConflictError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConcurrencyConflictError);
    return error as ConcurrencyConflictError;
  }

  it("refuses 'no_stream' when the stream exists, reporting its revision", async () => {
    const stream = uniqueStream();
    await store.append(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    const conflict = await conflictOf(store.append(stream, [newEvent()], { expectedRevision: 'no_stream' }));
    expect(conflict).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 2, code: 'CONCURRENCY_CONFLICT' });
    expect(conflict.message).toBe(`Stream ${stream} is at revision 2, expected no stream`);
    expect(await store.streamRevision(stream)).toBe(2);
  });

  it('refuses a stale expected revision and appends nothing', async () => {
    const stream = uniqueStream();
    await store.append(stream, [newEvent()], { expectedRevision: 0 });
    await store.append(stream, [newEvent()], { expectedRevision: 1 });
    const conflict = await conflictOf(store.append(stream, [newEvent(), newEvent()], { expectedRevision: 1 }));
    expect(conflict).toMatchObject({ expected: 1, actual: 2 });
    expect(await conflictOf(store.append(uniqueStream(), [newEvent()], { expectedRevision: 3 }))).toMatchObject({ actual: 0 });
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([1, 2]);
  });

  it('lets exactly one of concurrent appends with the same expected revision win', async () => {
    const stream = uniqueStream();
    await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => store.append(stream, [newEvent()], { expectedRevision: 1 })));
    const won = outcomes.filter((o): o is PromiseFulfilledResult<AppendResult> => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const o of lost) expect(o.reason).toMatchObject({ name: 'ConcurrencyConflictError', actual: 2 });
    expect((await store.readStream(stream)).map((e) => e.eventId)).toEqual([expect.any(String), won[0]!.value.events[0]!.eventId]);
  });

  it("lets exactly one of concurrent 'no_stream' appends create the stream", async () => {
    const stream = uniqueStream();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => store.append(stream, [newEvent()], { expectedRevision: 'no_stream' })));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(await store.streamRevision(stream)).toBe(1);
  });

  it('reports a conflict when another transaction creates the stream first (no unique violation swallowed)', async () => {
    const stream = uniqueStream();
    const creator = await client();
    await creator.query('BEGIN');
    await appendOnce(creator, prepareAppend(stream, [newEvent()], { expectedRevision: 'no_stream' }), null);
    const loser = store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
    const anyAppend = store.append(stream, [newEvent()], { expectedRevision: 'any' });
    await waitForLockWaiter(creator);
    await creator.query('COMMIT');
    expect(await conflictOf(loser)).toMatchObject({ actual: expect.any(Number) });
    const appended = await anyAppend;
    expect(appended.events[0]!.revision).toBe(2);
    expect(await store.streamRevision(stream)).toBe(2);
  });

  /*
   * The FL002 guard. B takes its transaction id first, A appends and commits, then B appends: B's revision
   * would come after A's in the stream but before it in the feed (ordered by transaction id). The function
   * refuses with FL002; a new transaction succeeds and the feed order matches the revision order.
   */
  it('refuses an append from a transaction older than the stream’s last writer, and a retry succeeds', async () => {
    const stream = uniqueStream();
    await store.append(stream, [newEvent()], { expectedRevision: 'no_stream' });
    const [a, b] = [await client(), await client()];
    await b.query('BEGIN');
    const { rows } = await b.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    await a.query('BEGIN');
    const first = await appendOnce(a, prepareAppend(stream, [newEvent()], { expectedRevision: 'any' }), null);
    const stale = appendOnce(b, prepareAppend(stream, [newEvent()], { expectedRevision: 'any' }), null);
    await waitForLockWaiter(a); // b waits for a's row lock, holding an older transaction id
    await a.query('COMMIT');
    expect(BigInt(rows[0]!.xid)).toBeLessThan(BigInt(first.events[0]!.transactionId));
    await expect(stale).rejects.toBeInstanceOf(StaleTransactionOrderError);
    await b.query('ROLLBACK');

    const retried = await appendOnce(b, prepareAppend(stream, [newEvent()], { expectedRevision: 'any' }), null);
    expect(retried.events[0]!.revision).toBe(3);
    const feed: number[] = [];
    for await (const batch of store.readAll()) feed.push(...batch.events.filter((e) => e.streamId === stream).map((e) => e.revision));
    expect(feed).toEqual([1, 2, 3]);
  });

  it('refuses the stale transaction even when the newer writer committed before it arrived', async () => {
    const stream = uniqueStream();
    const old = await client();
    await old.query('BEGIN');
    await old.query('SELECT pg_current_xact_id()');
    await store.append(stream, [newEvent()], { expectedRevision: 'any' });
    await expect(appendOnce(old, prepareAppend(stream, [newEvent()], { expectedRevision: 'any' }), null)).rejects.toMatchObject({
      name: 'StaleTransactionOrderError',
      cause: expect.objectContaining({ code: 'FL002' }),
    });
    await old.query('ROLLBACK');
    expect(await store.streamRevision(stream)).toBe(1);
  });
});
