import type { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { ids, newEvent, openStore, storeKind, uniqueStream } from './helpers.js';

describe(`event store on ${storeKind} PostgreSQL: idempotent appends`, () => {
  let store: PostgresEventStore;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store, close } = await openStore({ poolSize: 12 })));
  afterAll(() => close());

  it('returns the first append’s events for a repeated key and appends nothing', async () => {
    const stream = uniqueStream();
    const first = await store.append(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream', idempotencyKey: 'cmd-1' });
    await store.append(stream, [newEvent()], { expectedRevision: 2 });
    // The retry carries other (regenerated) events and a now-stale expectation: the key decides.
    const retry = await store.append(stream, [newEvent(), newEvent()], { expectedRevision: 'no_stream', idempotencyKey: 'cmd-1' });
    expect(first.idempotentReplay).toBe(false);
    expect(retry).toEqual({ ...first, idempotentReplay: true });
    expect(first.events.every((e) => e.metadata.idempotencyKey === 'cmd-1')).toBe(true);
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([1, 2, 3]);
    expect(await store.findIdempotentAppend(stream, 'cmd-1')).toEqual({ ...first, idempotentReplay: true });
    expect(await store.findIdempotentAppend(stream, 'cmd-unknown')).toBeNull();
  });

  it('scopes keys to their stream', async () => {
    const [a, b] = [uniqueStream(), uniqueStream()];
    await store.append(a, [newEvent()], { expectedRevision: 'any', idempotencyKey: 'same' });
    const other = await store.append(b, [newEvent()], { expectedRevision: 'any', idempotencyKey: 'same' });
    expect(other.idempotentReplay).toBe(false);
    expect(await store.streamRevision(b)).toBe(1);
  });

  it('stores concurrent appends with the same key once, on a new stream and on an existing one', async () => {
    for (const [stream, expectedRevision] of [
      [uniqueStream(), 'any'],
      [uniqueStream(), 'no_stream'],
    ] as const) {
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.append(stream, [newEvent()], { expectedRevision, idempotencyKey: 'concurrent' })),
      );
      expect(results.filter((r) => !r.idempotentReplay)).toHaveLength(1);
      expect(new Set(results.map((r) => ids(r.events).join()))).toEqual(new Set([ids(results[0]!.events).join()]));
      expect(await store.readStream(stream)).toHaveLength(1);
    }

    const existing = uniqueStream();
    await store.append(existing, [newEvent()], { expectedRevision: 'no_stream' });
    // Every retry of the command expects revision 1: the first appends, the others are replays, not conflicts.
    const results = await Promise.all(
      Array.from({ length: 10 }, () => store.append(existing, [newEvent()], { expectedRevision: 1, idempotencyKey: 'k' })),
    );
    expect(results.filter((r) => !r.idempotentReplay)).toHaveLength(1);
    expect(new Set(results.map((r) => r.events[0]!.eventId)).size).toBe(1);
    expect(await store.streamRevision(existing)).toBe(2);
  });
});
