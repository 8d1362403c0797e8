import { START_OF_FEED, type EventBatch, type RecordedEvent } from '../../libs/event-store/src/event-store.port.js';
import { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import type { TestDatabase } from '../support/database.js';
import { newEvent, openStore, rawClient, storeKind, uniqueStream } from './helpers.js';

const LONG_POLL = 60_000; // far beyond every wait below: anything received quickly came by NOTIFY

describe(`event store on ${storeKind} PostgreSQL: subscriptions`, () => {
  let store: PostgresEventStore;
  let db: TestDatabase;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store, db, close } = await openStore()));
  afterAll(() => close());

  /** A handler that records events and lets a test wait for a given event. */
  function recorder() {
    const received: RecordedEvent[] = [];
    const waiters: { eventId: string; resolve: () => void }[] = [];
    return {
      received,
      handler: async (batch: EventBatch) => {
        received.push(...batch.events);
        for (const w of waiters) if (received.some((e) => e.eventId === w.eventId)) w.resolve();
      },
      /** Milliseconds until the event arrives; rejects after timeoutMs. */
      async waitFor(eventId: string, timeoutMs: number): Promise<number> {
        const start = Date.now();
        if (received.some((e) => e.eventId === eventId)) return 0;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`event ${eventId} not received within ${timeoutMs} ms`)), timeoutMs);
          waiters.push({ eventId, resolve: () => (clearTimeout(timer), resolve()) });
        });
        return Date.now() - start;
      },
    };
  }

  it('catches up from a checkpoint, then is woken by NOTIFY well before the poll interval', async () => {
    const stream = uniqueStream();
    const before = await store.append(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    const rec = recorder();
    const subscription = store.subscribe({ after: START_OF_FEED, handler: rec.handler, pollIntervalMs: LONG_POLL });
    await subscription.ready;
    expect(rec.received.map((e) => e.eventId)).toEqual(expect.arrayContaining(before.events.map((e) => e.eventId)));

    const { events } = await store.append(stream, [newEvent()], { expectedRevision: 2 });
    const latency = await rec.waitFor(events[0]!.eventId, 5_000);
    expect(latency).toBeLessThan(1_000);
    await subscription.stop();
    expect(rec.received.filter((e) => e.streamId === stream).map((e) => e.revision)).toEqual([1, 2, 3]);
  });

  it('falls back to polling when no notification comes', async () => {
    // This subscription listens on a channel nobody notifies; appends go through the default channel.
    const silent = await PostgresEventStore.connect(db.url, { notifyChannel: 'fl_nobody_notifies', poolSize: 3, log: () => {} });
    const rec = recorder();
    const subscription = silent.subscribe({ after: (await store.headCheckpoint()) ?? START_OF_FEED, handler: rec.handler, pollIntervalMs: 200 });
    await subscription.ready;
    const { events } = await store.append(uniqueStream(), [newEvent()], { expectedRevision: 'no_stream' });
    expect(await rec.waitFor(events[0]!.eventId, 5_000)).toBeLessThan(5_000);
    await silent.close();
    await subscription.done;
  });

  it('holds an event back while an older transaction runs, and delivers it soon after that ends', async () => {
    const older = await rawClient(db.url);
    const rec = recorder();
    const subscription = store.subscribe({ after: (await store.headCheckpoint()) ?? START_OF_FEED, handler: rec.handler, pollIntervalMs: LONG_POLL });
    await subscription.ready;
    await older.query('BEGIN');
    await older.query('SELECT pg_current_xact_id()'); // an older transaction still in flight: the guard waits for it
    const { events } = await store.append(uniqueStream(), [newEvent()], { expectedRevision: 'no_stream' });
    await expect(rec.waitFor(events[0]!.eventId, 400)).rejects.toThrow(/not received/);
    await older.query('COMMIT');
    expect(await rec.waitFor(events[0]!.eventId, 5_000)).toBeLessThan(2_000);
    await older.end();
    await subscription.stop();
  });

  it('stops on a handler error, reports it, and never skips the failed batch', async () => {
    const after = (await store.headCheckpoint()) ?? START_OF_FEED;
    const { events } = await store.append(uniqueStream(), [newEvent()], { expectedRevision: 'no_stream' });
    const errors: unknown[] = [];
    let calls = 0;
    const failing = store.subscribe({
      after,
      pollIntervalMs: 50,
      handler: async () => {
        calls++;
        throw new Error('poison');
      },
      onError: (error) => errors.push(error),
    });
    await failing.done;
    expect(calls).toBe(1);
    expect(errors).toEqual([new Error('poison')]);

    const rec = recorder();
    const again = store.subscribe({ after, handler: rec.handler, pollIntervalMs: LONG_POLL });
    expect(await rec.waitFor(events[0]!.eventId, 5_000)).toBeLessThan(5_000);
    await again.stop();
  });

  it('delivers nothing after stop()', async () => {
    const rec = recorder();
    const subscription = store.subscribe({ after: (await store.headCheckpoint()) ?? START_OF_FEED, handler: rec.handler, pollIntervalMs: 20 });
    await subscription.ready;
    await subscription.stop();
    const { events } = await store.append(uniqueStream(), [newEvent()], { expectedRevision: 'no_stream' });
    await expect(rec.waitFor(events[0]!.eventId, 300)).rejects.toThrow(/not received/);
  });

  it('reconnects its LISTEN connection after it is killed', async () => {
    const admin = await rawClient(db.url);
    const rec = recorder();
    const subscription = store.subscribe({ after: (await store.headCheckpoint()) ?? START_OF_FEED, handler: rec.handler, pollIntervalMs: LONG_POLL });
    await subscription.ready;
    const listenerPids = async () =>
      (
        await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'funnel-ledger-subscription'`,
        )
      ).rows.map((r) => r.pid);
    const [killed] = await listenerPids();
    await admin.query('SELECT pg_terminate_backend($1)', [killed]);
    const deadline = Date.now() + 10_000;
    while (!(await listenerPids()).some((pid) => pid !== killed)) {
      if (Date.now() > deadline) throw new Error('the subscription did not reconnect');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // let LISTEN run on the new connection
    const { events } = await store.append(uniqueStream(), [newEvent()], { expectedRevision: 'no_stream' });
    expect(await rec.waitFor(events[0]!.eventId, 5_000)).toBeLessThan(1_500);
    await subscription.stop();
    await admin.end();
  });
});
