import pg from 'pg';
import { appendOnce, prepareAppend } from '../../libs/event-store/src/append.js';
import { StaleTransactionOrderError } from '../../libs/event-store/src/errors.js';
import {
  ConcurrencyConflictError,
  type AppendOptions,
  type AppendResult,
  type Checkpoint,
  type EventBatch,
  type NewEvent,
  type RecordedEvent,
} from '../../libs/event-store/src/event-store.port.js';
import type { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { compareCheckpoints } from '../../libs/event-store/src/rows.js';
import { uuidv7 } from '../../libs/event-store/src/uuid-v7.js';
import type { TestDatabase } from '../support/database.js';
import { newEvent, openStore, storeKind } from './helpers.js';

/*
 * 16 concurrent writers x 1,000 appends while two catch-up readers (a subscription and a readAll loop) follow
 * the feed. Every acknowledged event must be stored exactly once, streams gap-free, nothing unacknowledged
 * stored, and each reader must receive every event exactly once, per stream in revision order, with a
 * checkpoint that never moves backwards.
 *
 * FL_DISABLE_SNAPSHOT_GUARD=1 builds the store with the naive `global_position > last` reader: this test then
 * fails, because some appends (those in slow explicit transactions below) commit after a later position was
 * already read, and the naive readers skip them for good.
 */
const WRITERS = 16;
const APPENDS_PER_WRITER = Number(process.env.FL_LOAD_APPENDS ?? 1000);
const CONTENDED_STREAMS = 4; // shared by the 'any' writers
const SLOW_EVERY = 10; // every 10th append commits 5 ms after taking its position
const snapshotGuard = process.env.FL_DISABLE_SNAPSHOT_GUARD !== '1';

describe(`event store on ${storeKind} PostgreSQL: concurrent load (snapshot guard ${snapshotGuard ? 'on' : 'OFF'})`, () => {
  let store: PostgresEventStore;
  let db: TestDatabase;
  let close: () => Promise<void>;
  let slowPool: pg.Pool;
  beforeAll(async () => {
    ({ store, db, close } = await openStore({ poolSize: 24, snapshotGuard }));
    slowPool = new pg.Pool({ connectionString: db.url, max: 8 });
    // An idle connection that the server ends (the database dropped with FORCE at the end) is discarded by
    // the pool; without a listener its 'error' would fail the run. Appends in flight still reject as before.
    slowPool.on('error', () => undefined);
  });
  afterAll(async () => {
    await slowPool.end();
    await close();
  });

  /** An append inside an explicit transaction that holds its position ~5 ms before committing. */
  async function slowAppend(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const prepared = prepareAppend(streamId, events, options);
    for (;;) {
      const client = await slowPool.connect();
      try {
        await client.query('BEGIN');
        const result = await appendOnce(client, prepared, 'fl_events');
        await client.query('SELECT pg_sleep(0.005)');
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        if (!(error instanceof StaleTransactionOrderError)) throw error;
      } finally {
        client.release();
      }
    }
  }

  it('stores every acknowledged append exactly once and every reader receives each event once, in order', async () => {
    const acknowledged: string[] = [];
    const refused: string[] = [];
    let conflicts = 0;

    async function writer(w: number): Promise<void> {
      const contended = w % 2 === 0;
      // Odd writers pair up on streams appended with exact revisions, so conflicts really happen.
      const exactStream = (i: number) => `exact-${Math.floor(w / 4)}-${Math.floor(i / 100)}`;
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const streamId = contended ? `contended-${i % CONTENDED_STREAMS}` : exactStream(i);
        const append = i % SLOW_EVERY === SLOW_EVERY - 1 ? slowAppend : store.append.bind(store);
        for (;;) {
          const event = newEvent({ eventId: uuidv7(), data: { writer: w, i } });
          const expectedRevision = contended ? 'any' : await store.streamRevision(streamId);
          try {
            const result = await append(streamId, [event], { expectedRevision });
            acknowledged.push(...result.events.map((e) => e.eventId));
            break;
          } catch (error) {
            if (!(error instanceof ConcurrencyConflictError)) throw error;
            conflicts++;
            refused.push(event.eventId!);
          }
        }
      }
    }

    const subscriptionReader = new FeedRecorder();
    const subscription = store.subscribe({ handler: async (batch) => subscriptionReader.take(batch), pollIntervalMs: 100, batchSize: 200 });
    const loopReader = new FeedRecorder();
    let writing = true;
    const readAllLoop = (async () => {
      let after: Checkpoint | undefined;
      while (writing || (await store.headCheckpoint()) === null || !loopReader.reached((await store.headCheckpoint())!)) {
        for await (const batch of store.readAll({ after, batchSize: 300 })) {
          loopReader.take(batch);
          after = batch.checkpoint;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    const started = Date.now();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const writeMs = Date.now() - started;
    writing = false;
    await readAllLoop;
    const head = (await store.headCheckpoint())!;
    await until(() => subscriptionReader.reached(head), 30_000);
    await subscription.stop();

    // Storage: exactly the acknowledged events, once each; streams gap-free.
    expect(acknowledged).toHaveLength(WRITERS * APPENDS_PER_WRITER);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    const stored = await storedEvents(db.url);
    expect(stored.length).toBe(acknowledged.length);
    expect(new Set(stored.map((e) => e.event_id))).toEqual(new Set(acknowledged));
    expect(stored.filter((e) => refused.includes(e.event_id))).toEqual([]);
    expect(gaps(stored)).toEqual([]);

    // Readers: every event exactly once, per-stream revision order, checkpoints only forward.
    for (const [name, reader] of [
      ['subscription', subscriptionReader],
      ['readAll loop', loopReader],
    ] as const) {
      const received = reader.events.map((e) => e.eventId);
      const missing = acknowledged.filter((id) => !reader.seen.has(id));
      expect({
        reader: name,
        received: received.length,
        distinct: reader.seen.size,
        missing: missing.length,
        missingSample: missing.slice(0, 3),
        duplicateSample: reader.duplicates.slice(0, 3),
      }).toEqual({ reader: name, received: acknowledged.length, distinct: acknowledged.length, missing: 0, missingSample: [], duplicateSample: [] });
      expect({ reader: name, outOfOrder: reader.outOfOrder.slice(0, 5), backwards: reader.backwards }).toEqual({ reader: name, outOfOrder: [], backwards: 0 });
    }
    console.info(
      `[${storeKind}] ${acknowledged.length} appends by ${WRITERS} writers in ${writeMs} ms (${Math.round((acknowledged.length / writeMs) * 1000)}/s), ` +
        `${conflicts} conflicts retried, readers complete`,
    );
  }, 120_000); // jest ignores testTimeout inside a `projects` entry, so long tests set their own
});

/** What a reader received, with the invariants checked as batches arrive. */
class FeedRecorder {
  readonly events: RecordedEvent[] = [];
  readonly seen = new Set<string>();
  readonly outOfOrder: string[] = [];
  backwards = 0;
  readonly duplicates: string[] = [];
  private readonly lastRevision = new Map<string, number>();
  private checkpoint: Checkpoint | null = null;

  take(batch: EventBatch): void {
    if (this.checkpoint && this.compare(batch.checkpoint, this.checkpoint) <= 0) this.backwards++;
    this.checkpoint = batch.checkpoint;
    for (const event of batch.events) {
      if (this.seen.has(event.eventId)) this.duplicates.push(`${event.streamId}@${event.revision} (${event.transactionId}, ${event.globalPosition}) again`);
      this.events.push(event);
      this.seen.add(event.eventId);
      const previous = this.lastRevision.get(event.streamId) ?? 0;
      if (event.revision !== previous + 1) this.outOfOrder.push(`${event.streamId}: ${previous} then ${event.revision}`);
      this.lastRevision.set(event.streamId, Math.max(previous, event.revision));
    }
  }

  reached(head: Checkpoint): boolean {
    return this.checkpoint !== null && this.compare(this.checkpoint, head) >= 0;
  }

  /** The store's feed order: the pair with the guard, the position alone for the naive reader. */
  private compare(a: Checkpoint, b: Checkpoint): number {
    return snapshotGuard ? compareCheckpoints(a, b) : Number(BigInt(a.globalPosition) - BigInt(b.globalPosition));
  }
}

async function storedEvents(url: string): Promise<{ event_id: string; stream_id: string; revision: number }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT event_id::text, stream_id, revision::int FROM events ORDER BY stream_id, revision');
    return rows;
  } finally {
    await client.end();
  }
}

function gaps(rows: { stream_id: string; revision: number }[]): string[] {
  const found: string[] = [];
  let stream = '';
  let expected = 1;
  for (const row of rows) {
    if (row.stream_id !== stream) [stream, expected] = [row.stream_id, 1];
    if (row.revision !== expected) found.push(`${row.stream_id}: expected revision ${expected}, found ${row.revision}`);
    expected = row.revision + 1;
  }
  return found;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
