import { canonicalEvent, eventHash } from '../../libs/event-store/src/canonical-json.js';
import { InvalidAppendError } from '../../libs/event-store/src/errors.js';
import type { EventBatch } from '../../libs/event-store/src/event-store.port.js';
import type { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { uuidv7 } from '../../libs/event-store/src/uuid-v7.js';
import { newEvent, openStore, storeKind, uniqueStream } from './helpers.js';

describe(`event store on ${storeKind} PostgreSQL: append and read`, () => {
  let store: PostgresEventStore;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store, close } = await openStore()));
  afterAll(() => close());

  it('appends to a new stream and reads the events back in revision order', async () => {
    const stream = uniqueStream();
    const result = await store.append(stream, [newEvent(), newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    expect(result.idempotentReplay).toBe(false);
    expect(result.nextExpectedRevision).toBe(3);
    expect(result.events.map((e) => e.revision)).toEqual([1, 2, 3]);
    const positions = result.events.map((e) => BigInt(e.globalPosition));
    expect(positions[0]! < positions[1]! && positions[1]! < positions[2]!).toBe(true);
    expect(new Set(result.events.map((e) => e.transactionId)).size).toBe(1);

    const more = await store.append(stream, [newEvent()], { expectedRevision: 3 });
    expect(more.events[0]!.revision).toBe(4);
    expect(BigInt(more.events[0]!.transactionId)).toBeGreaterThan(BigInt(result.events[0]!.transactionId));

    const read = await store.readStream(stream);
    expect(read).toEqual([...result.events, ...more.events]);
    expect((await store.readStream(stream, { fromRevision: 3 })).map((e) => e.revision)).toEqual([3, 4]);
    expect(await store.streamRevision(stream)).toBe(4);
    expect(await store.streamRevision(uniqueStream('absent'))).toBe(0);
    expect(await store.readStream(uniqueStream('absent'))).toEqual([]);
  });

  it('orders revisions and positions numerically (10 after 9)', async () => {
    const stream = uniqueStream();
    const events = Array.from({ length: 12 }, () => newEvent());
    await store.append(stream, events.slice(0, 9), { expectedRevision: 'no_stream' });
    await store.append(stream, events.slice(9), { expectedRevision: 9 });
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const feed: number[] = [];
    for await (const batch of store.readAll()) feed.push(...batch.events.filter((e) => e.streamId === stream).map((e) => e.revision));
    expect(feed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('round-trips every field of an event', async () => {
    const stream = uniqueStream();
    const eventId = uuidv7();
    const occurredAt = new Date('2026-03-04T05:06:07.891Z');
    const data = { company: 'Ünïcode GmbH 🚀', seats: 42, ratio: 0.1, big: 1e21, tags: ['a', 'b'], nested: { z: null, a: true }, empty: {} };
    const before = Date.now();
    const { events } = await store.append(
      stream,
      [
        {
          eventId,
          type: 'LeadQualified',
          schemaVersion: 3,
          data,
          metadata: { actor: { type: 'import', id: 'crm-sync' }, correlationId: 'corr-1', causationId: 'cause-1' },
          occurredAt,
        },
      ],
      { expectedRevision: 'any', idempotencyKey: 'import-row-17' },
    );
    const [stored] = await store.readStream(stream);
    expect(stored).toEqual(events[0]);
    expect(stored).toMatchObject({
      eventId,
      streamId: stream,
      revision: 1,
      type: 'LeadQualified',
      schemaVersion: 3,
      data,
      metadata: { actor: { type: 'import', id: 'crm-sync' }, correlationId: 'corr-1', causationId: 'cause-1', idempotencyKey: 'import-row-17' },
      occurredAt,
    });
    expect(stored!.globalPosition).toMatch(/^[1-9][0-9]*$/);
    expect(stored!.transactionId).toMatch(/^[1-9][0-9]*$/);
    expect(stored!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(stored!.recordedAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
    // The hash is the chain over the canonical JSON, recomputable from the read event alone.
    expect(stored!.hash).toBe(eventHash(null, canonicalEvent(stored!)));
  });

  it('defaults metadata ids to null and generates UUID v7 event ids', async () => {
    const stream = uniqueStream();
    const { events } = await store.append(stream, [newEvent({ metadata: { actor: { type: 'system', id: 'sla-clock' } } as never })], {
      expectedRevision: 'no_stream',
    });
    expect(events[0]!.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(events[0]!.metadata).toEqual({ actor: { type: 'system', id: 'sla-clock' }, correlationId: null, causationId: null, idempotencyKey: null });
  });

  it('refuses unusable appends before touching the database', async () => {
    const stream = uniqueStream();
    await expect(store.append('', [newEvent()], { expectedRevision: 'any' })).rejects.toThrow(InvalidAppendError);
    await expect(store.append(stream, [], { expectedRevision: 'any' })).rejects.toThrow(/Nothing to append/);
    await expect(store.append(stream, [newEvent({ type: '' })], { expectedRevision: 'any' })).rejects.toThrow(/type of event #1/);
    await expect(store.append(stream, [newEvent({ occurredAt: new Date('nope') })], { expectedRevision: 'any' })).rejects.toThrow(/occurredAt/);
    await expect(store.append(stream, [newEvent({ eventId: 'not-a-uuid' })], { expectedRevision: 'any' })).rejects.toThrow(/not a UUID/);
    await expect(store.append(stream, [newEvent()], { expectedRevision: -1 })).rejects.toThrow(/expectedRevision/);
    expect(await store.streamRevision(stream)).toBe(0);
  });

  it('refuses an event id that is already stored, appending nothing', async () => {
    const eventId = uuidv7();
    await store.append(uniqueStream(), [newEvent({ eventId })], { expectedRevision: 'any' });
    const other = uniqueStream();
    await expect(store.append(other, [newEvent(), newEvent({ eventId })], { expectedRevision: 'any' })).rejects.toThrow(/already stored/);
    expect(await store.readStream(other)).toEqual([]);
  });

  it('reads the global feed in batches from a checkpoint, and reports checkpoints', async () => {
    const head0 = await store.headCheckpoint();
    const stream = uniqueStream();
    const { events } = await store.append(stream, [newEvent(), newEvent(), newEvent(), newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    const batches: EventBatch[] = [];
    for await (const batch of store.readAll({ after: head0 ?? undefined, batchSize: 2 })) batches.push(batch);
    expect(batches.map((b) => b.events.length)).toEqual([2, 2, 1]);
    expect(batches.flatMap((b) => b.events)).toEqual(events);
    expect(batches[2]!.checkpoint).toEqual({ transactionId: events[4]!.transactionId, globalPosition: events[4]!.globalPosition });

    expect(await store.headCheckpoint()).toEqual(batches[2]!.checkpoint);
    expect(await store.checkpointOf(events[1]!.globalPosition)).toEqual({ transactionId: events[1]!.transactionId, globalPosition: events[1]!.globalPosition });
    expect(await store.checkpointOf('999999999999')).toBeNull();
    await expect(store.checkpointOf('1; DROP TABLE events')).rejects.toThrow(/unsigned decimal/);

    const all: string[] = [];
    for await (const batch of store.readAll()) all.push(...batch.events.map((e) => e.eventId));
    expect(all.slice(-5)).toEqual(events.map((e) => e.eventId));
  });
});
