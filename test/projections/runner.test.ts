import { appendOnce, prepareAppend } from '../../libs/event-store/src/append.js';
import type { RecordedEvent } from '../../libs/event-store/src/event-store.port.js';
import { CheckpointConflictError } from '../../libs/projections/src/checkpoints.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { projectionStatus, waitUntilReached } from '../../libs/projections/src/projection-status.js';
import {
  appliedEventIds,
  checkpointOf,
  countingProjection,
  createCountingTables,
  newEvent,
  openProjectionDb,
  projectedCounts,
  projectionName,
  settled,
  storeKind,
  type ProjectionTestDb,
} from './helpers.js';
import pg from 'pg';

const quiet = { log: () => {} };

describe(`projections on ${storeKind} PostgreSQL: the batch transaction`, () => {
  let t: ProjectionTestDb;
  beforeAll(async () => (t = await openProjectionDb()));
  afterAll(() => t.close());

  it('catches up from an empty checkpoint in batches, then incrementally', async () => {
    const name = projectionName('catchup');
    await createCountingTables(t.pool, name);
    const calls: RecordedEvent[][] = [];
    const runner = new ProjectionRunner(t.pool, countingProjection(name, { calls }), { batchSize: 10, ...quiet });

    const a = await t.store.append(`${name}-a`, Array.from({ length: 15 }, () => newEvent('LeadCaptured')), { expectedRevision: 'no_stream' });
    const b = await t.store.append(`${name}-b`, Array.from({ length: 10 }, () => newEvent('LeadQualified')), { expectedRevision: 'no_stream' });
    await settled(t.pool);
    const first = await runner.catchUp();
    // Earlier tests' events are in the feed too; this projection starts at the beginning of the feed.
    const { rows } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(first).toMatchObject({ processed: rows[0]!.n, state: 'running', caughtUp: true, busy: false });
    expect(calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(await projectedCounts(t.pool, name)).toEqual({ [`${name}-a|LeadCaptured`]: 15, [`${name}-b|LeadQualified`]: 10 });
    const last = b.events[b.events.length - 1]!;
    expect(await checkpointOf(t.pool, name)).toEqual({ transactionId: last.transactionId, globalPosition: last.globalPosition, state: 'running' });

    const more = await t.store.append(`${name}-a`, [newEvent('LeadCaptured'), newEvent('LeadLost')], { expectedRevision: 15 });
    await settled(t.pool);
    expect(await runner.runOnce()).toMatchObject({ processed: 2, caughtUp: true });
    expect(await runner.runOnce()).toMatchObject({ processed: 0, caughtUp: true });
    expect(await projectedCounts(t.pool, name)).toEqual({
      [`${name}-a|LeadCaptured`]: 16,
      [`${name}-a|LeadLost`]: 1,
      [`${name}-b|LeadQualified`]: 10,
    });
    expect(await appliedEventIds(t.pool, name)).toEqual([...a.events, ...b.events, ...more.events].map((e) => e.eventId));
    const [status] = await projectionStatus(t.pool, [name]);
    expect(status).toMatchObject({ name, state: 'running', eventsProcessed: 27, lag: 0, position: more.events[1]!.globalPosition, error: null });
  });

  it('commits the checkpoint and the writes atomically: a connection killed mid-apply leaves neither', async () => {
    const name = projectionName('atomic');
    await createCountingTables(t.pool, name);
    let crash = false;
    const runner = new ProjectionRunner(
      t.pool,
      countingProjection(name, {
        afterWrite: async (tx) => {
          // The writes are done; now the session dies before COMMIT, as if the process crashed.
          if (crash) await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
        },
      }),
      quiet,
    );
    await settled(t.pool);
    await runner.catchUp(); // earlier tests' events
    crash = true;
    const before = await checkpointOf(t.pool, name);
    const countsBefore = await projectedCounts(t.pool, name);

    const { events } = await t.store.append(`${name}-s`, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
    await settled(t.pool);
    await expect(runner.runOnce()).rejects.toThrow(/terminat/i);
    expect(await checkpointOf(t.pool, name)).toEqual(before); // a connection loss is retried, not a poison event
    expect(await projectedCounts(t.pool, name)).toEqual(countsBefore);

    crash = false;
    expect(await runner.runOnce()).toMatchObject({ processed: 2, state: 'running' });
    expect(await projectedCounts(t.pool, name)).toMatchObject({ [`${name}-s|LeadCaptured`]: 2 });
    expect((await checkpointOf(t.pool, name)).globalPosition).toBe(events[1]!.globalPosition);
  });

  it('rolls the batch back when the compare-and-set finds the checkpoint moved', async () => {
    const name = projectionName('cas');
    await createCountingTables(t.pool, name);
    let tamper = false;
    const runner = new ProjectionRunner(
      t.pool,
      countingProjection(name, {
        afterWrite: async (tx) => {
          // A bug writing the checkpoint behind the runner's back, inside the batch.
          if (tamper) await tx.query(`UPDATE projection_checkpoints SET global_position = global_position + 1 WHERE name = $1`, [name]);
        },
      }),
      quiet,
    );
    await settled(t.pool);
    await runner.catchUp();
    const before = await checkpointOf(t.pool, name);
    await t.store.append(`${name}-s`, [newEvent()], { expectedRevision: 'no_stream' });
    await settled(t.pool);
    tamper = true;
    await expect(runner.runOnce()).rejects.toBeInstanceOf(CheckpointConflictError);
    expect(await checkpointOf(t.pool, name)).toEqual(before);
    expect(await projectedCounts(t.pool, name)).not.toHaveProperty(`${name}-s|LeadCaptured`);
    tamper = false;
    expect(await runner.runOnce()).toMatchObject({ processed: 1 });
  });

  it('projects an append whose transaction commits after later appends (the snapshot guard)', async () => {
    const name = projectionName('late');
    await createCountingTables(t.pool, name);
    const runner = new ProjectionRunner(t.pool, countingProjection(name), { pollIntervalMs: 60_000, ...quiet }); // only NOTIFY wakes it
    await runner.start();
    await waitUntilReached(t.pool, name, (await t.store.headCheckpoint())!.globalPosition, 10_000);

    const late = new pg.Client({ connectionString: t.db.url });
    await late.connect();
    try {
      await late.query('BEGIN');
      const lateAppend = await appendOnce(late, prepareAppend(`${name}-late`, [newEvent('LateEvent')], { expectedRevision: 'no_stream' }), 'fl_events');
      const later = await t.store.append(`${name}-early`, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      expect(BigInt(later.events[0]!.globalPosition)).toBeGreaterThan(BigInt(lateAppend.events[0]!.globalPosition));
      // The runner is woken by the committed appends but must not pass the open transaction.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await appliedEventIds(t.pool, name)).not.toContain(later.events[0]!.eventId);
      await late.query('COMMIT');

      await waitUntilReached(t.pool, name, later.events[1]!.globalPosition, 5_000);
      await waitUntilReached(t.pool, name, lateAppend.events[0]!.globalPosition, 5_000);
      const applied = await appliedEventIds(t.pool, name);
      expect(applied.filter((id) => id === lateAppend.events[0]!.eventId)).toHaveLength(1);
      expect(await projectedCounts(t.pool, name)).toMatchObject({ [`${name}-late|LateEvent`]: 1, [`${name}-early|LeadCaptured`]: 2 });
    } finally {
      await late.end();
      await runner.stop();
    }
  });
});

describe(`projections on ${storeKind} PostgreSQL: poison events`, () => {
  let t: ProjectionTestDb;
  beforeAll(async () => (t = await openProjectionDb()));
  afterAll(() => t.close());

  it('stops on the exact failing event, keeps the events before it, applies nothing after it, and resumes after restart()', async () => {
    const name = projectionName('poison');
    await createCountingTables(t.pool, name);
    let broken = true;
    const runner = new ProjectionRunner(
      t.pool,
      countingProjection(name, { failOn: (event) => broken && (event.data as { poison?: boolean }).poison === true }),
      { batchSize: 100, ...quiet },
    );
    const stream = `${name}-s`;
    const { events } = await t.store.append(
      stream,
      [newEvent('Ok'), newEvent('Ok'), newEvent('Ok'), newEvent('Bad', { poison: true }), newEvent('Ok'), newEvent('Ok')],
      { expectedRevision: 'no_stream' },
    );
    const poison = events[3]!;
    await settled(t.pool);

    const result = await runner.runOnce();
    expect(result).toMatchObject({ processed: 3, state: 'failed', failure: { eventId: poison.eventId } });
    const [status] = await projectionStatus(t.pool, [name]);
    expect(status).toMatchObject({ state: 'failed', failedEventId: poison.eventId, position: events[2]!.globalPosition, lag: 3 });
    expect(status!.error).toContain(`cannot project Bad ${poison.eventId}`);
    expect(status!.error).toContain(`${stream}@4`);
    expect(await appliedEventIds(t.pool, name)).toEqual(events.slice(0, 3).map((e) => e.eventId));

    // Stopped: neither further runs nor new events move it; nothing is skipped.
    const { events: after } = await t.store.append(stream, [newEvent('Ok')], { expectedRevision: 6 });
    await settled(t.pool);
    expect(await runner.catchUp()).toMatchObject({ processed: 0, state: 'failed' });
    expect(await projectedCounts(t.pool, name)).toEqual({ [`${stream}|Ok`]: 3 });
    await expect(waitUntilReached(t.pool, name, after[0]!.globalPosition, 5_000)).rejects.toThrow(
      new RegExp(`Projection ${name} is failed at event ${poison.eventId}`),
    );

    broken = false; // the fix
    expect(await runner.restart()).toBe(true);
    expect(await runner.catchUp()).toMatchObject({ processed: 4, state: 'running', caughtUp: true });
    expect(await projectedCounts(t.pool, name)).toEqual({ [`${stream}|Ok`]: 6, [`${stream}|Bad`]: 1 });
    expect(await projectionStatus(t.pool, [name])).toMatchObject([{ state: 'running', error: null, failedEventId: null, lag: 0 }]);
    expect(await runner.restart()).toBe(false); // already running
  });

  it('a running runner stops on a poison event and picks up again after restart() from another process', async () => {
    const name = projectionName('poison_live');
    await createCountingTables(t.pool, name);
    let broken = true;
    const runner = new ProjectionRunner(t.pool, countingProjection(name, { failOn: (e) => broken && e.type === 'Bad' && e.streamId === `${name}-s` }), { pollIntervalMs: 50, ...quiet });
    await runner.start();
    try {
      const { events } = await t.store.append(`${name}-s`, [newEvent('Ok'), newEvent('Bad'), newEvent('Ok')], { expectedRevision: 'no_stream' });
      await expect(waitUntilReached(t.pool, name, events[2]!.globalPosition, 5_000)).rejects.toThrow(/is failed/);
      expect((await runner.status()).failedEventId).toBe(events[1]!.eventId);
      broken = false;
      // An operator (another process) restarts it: the leader notices on its next poll.
      const operator = new ProjectionRunner(t.pool, countingProjection(name), quiet);
      expect(await operator.restart()).toBe(true);
      await waitUntilReached(t.pool, name, events[2]!.globalPosition, 5_000);
      expect(await projectedCounts(t.pool, name)).toMatchObject({ [`${name}-s|Ok`]: 2, [`${name}-s|Bad`]: 1 });
    } finally {
      await runner.stop();
    }
  });

  it('reports a failure that only the batch composition causes, without blaming a single event', async () => {
    const name = projectionName('composition');
    await createCountingTables(t.pool, name);
    const runner = new ProjectionRunner(
      t.pool,
      countingProjection(name, {
        afterWrite: async (_tx, events) => {
          // Fails only when both halves of the pair are in one batch (like an upsert touching a row twice).
          if (events.some((e) => e.type === 'PairA') && events.some((e) => e.type === 'PairB')) throw new Error('pair in one batch');
        },
      }),
      quiet,
    );
    await settled(t.pool);
    await runner.catchUp();
    const before = await checkpointOf(t.pool, name);
    const { events } = await t.store.append(`${name}-s`, [newEvent('PairA'), newEvent('PairB')], { expectedRevision: 'no_stream' });
    await settled(t.pool);
    expect(await runner.runOnce()).toMatchObject({ processed: 0, state: 'failed', failure: { eventId: events[0]!.eventId } });
    const [status] = await projectionStatus(t.pool, [name]);
    expect(status!.error).toMatch(/pair in one batch.*no single event fails/);
    expect(await checkpointOf(t.pool, name)).toEqual({ ...before, state: 'failed' });
    expect(await projectedCounts(t.pool, name)).not.toHaveProperty(`${name}-s|PairA`);
  });
});
