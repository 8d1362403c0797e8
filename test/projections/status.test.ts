import pg from 'pg';
import { appendOnce, prepareAppend } from '../../libs/event-store/src/append.js';
import { MIGRATIONS_TABLE, revertLastMigration, runMigrations } from '../../libs/event-store/src/migrate.js';
import { UnknownProjectionError, pauseProjection } from '../../libs/projections/src/checkpoints.js';
import { ALL_MIGRATIONS } from '../../libs/projections/src/migrations/index.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import {
  LAG_EXACT_LIMIT,
  ProjectionNotRunningError,
  ProjectionWaitTimeoutError,
  hasReached,
  projectionStatus,
  waitUntilReached,
} from '../../libs/projections/src/projection-status.js';
import { createTestDatabase } from '../support/database.js';
import { checkpointOf, countingProjection, createCountingTables, newEvent, openProjectionDb, projectionName, settled, storeKind, type ProjectionTestDb } from './helpers.js';

const quiet = { log: () => {} };

/**
 * Catches up until nothing is left after the checkpoint: on a shared server another session's open transaction
 * can hold the guarded feed back for a moment.
 */
async function catchUpFully(runner: ProjectionRunner): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await runner.catchUp();
    if ((await runner.status()).lag === 0) return;
    if (Date.now() > deadline) throw new Error(`projection ${runner.name} did not catch up within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe(`projections on ${storeKind} PostgreSQL: status and read-your-writes`, () => {
  let t: ProjectionTestDb;
  beforeAll(async () => (t = await openProjectionDb()));
  afterAll(() => t.close());

  it('hasReached compares (transaction id, position) pairs, not positions; unknown positions are not reached', async () => {
    const name = projectionName('reached');
    await createCountingTables(t.pool, name);
    const runner = new ProjectionRunner(t.pool, countingProjection(name), { batchSize: 1, ...quiet });
    await settled(t.pool);
    await runner.catchUp();

    // Transaction A takes its id first and its position last; B commits in between. Feed order: A's event
    // (smaller transaction id, larger position), then B's (larger id, smaller position).
    const txA = new pg.Client({ connectionString: t.db.url });
    await txA.connect();
    let eventA: string;
    let eventB: string;
    try {
      await txA.query('BEGIN');
      await txA.query('SELECT pg_current_xact_id()');
      eventB = (await t.store.append(`${name}-b`, [newEvent()], { expectedRevision: 'no_stream' })).events[0]!.globalPosition;
      eventA = (await appendOnce(txA, prepareAppend(`${name}-a`, [newEvent()], { expectedRevision: 'no_stream' }), 'fl_events')).events[0]!.globalPosition;
      await txA.query('COMMIT');
    } finally {
      await txA.end();
    }
    expect(BigInt(eventA)).toBeGreaterThan(BigInt(eventB));
    await settled(t.pool);

    expect(await hasReached(t.pool, name, eventA)).toBe(false);
    expect(await runner.runOnce()).toMatchObject({ processed: 1 }); // batchSize 1: only A's event
    expect((await checkpointOf(t.pool, name)).globalPosition).toBe(eventA);
    expect(await hasReached(t.pool, name, eventA)).toBe(true);
    // B's position is smaller than the checkpoint's, yet B's event is not applied: a position compare would lie.
    expect(await hasReached(t.pool, name, eventB)).toBe(false);
    await runner.runOnce();
    expect(await hasReached(t.pool, name, eventB)).toBe(true);

    expect(await hasReached(t.pool, name, '9223372036854775807')).toBe(false);
    await expect(hasReached(t.pool, name, '-1')).rejects.toThrow(/unsigned decimal/);
    await expect(hasReached(t.pool, 'no_such_projection', eventA)).rejects.toBeInstanceOf(UnknownProjectionError);
  });

  it('waitUntilReached resolves once every projection applied the position, and fails fast or times out otherwise', async () => {
    const fast = projectionName('fast');
    const slow = projectionName('slow');
    await Promise.all([createCountingTables(t.pool, fast), createCountingTables(t.pool, slow)]);
    const fastRunner = new ProjectionRunner(t.pool, countingProjection(fast), { pollIntervalMs: 60_000, ...quiet });
    const slowRunner = new ProjectionRunner(t.pool, countingProjection(slow), quiet); // never started: runs only when told
    await fastRunner.start();
    try {
      await settled(t.pool);
      await slowRunner.catchUp();
      const { events } = await t.store.append(`${fast}-s`, [newEvent()], { expectedRevision: 'no_stream' });
      const position = events[0]!.globalPosition;
      await settled(t.pool);

      const started = Date.now();
      await waitUntilReached(t.pool, fast, position, 5_000); // woken by NOTIFY, not by the 60 s poll
      expect(Date.now() - started).toBeLessThan(2_000);

      const timedOut = waitUntilReached(t.pool, [fast, slow], position, 300).catch((error: unknown) => error);
      const error = await timedOut;
      expect(error).toBeInstanceOf(ProjectionWaitTimeoutError);
      expect((error as ProjectionWaitTimeoutError).behind.map((b) => b.name)).toEqual([slow]);

      const both = waitUntilReached(t.pool, [fast, slow], position, 5_000);
      await slowRunner.runOnce();
      await expect(both).resolves.toBeUndefined();

      await expect(waitUntilReached(t.pool, fast, '9223372036854775807', 100)).rejects.toBeInstanceOf(ProjectionWaitTimeoutError);
      await expect(waitUntilReached(t.pool, [fast, 'missing'], position, 100)).rejects.toBeInstanceOf(UnknownProjectionError);

      // A paused (or failed) projection that is behind cannot get there: no point waiting out the timeout.
      expect(await pauseProjection(t.pool, slow)).toBe(true);
      const next = await t.store.append(`${fast}-s`, [newEvent()], { expectedRevision: 1 });
      await settled(t.pool);
      const quick = Date.now();
      await expect(waitUntilReached(t.pool, [fast, slow], next.events[0]!.globalPosition, 10_000)).rejects.toBeInstanceOf(ProjectionNotRunningError);
      expect(Date.now() - quick).toBeLessThan(1_000);
      expect(await slowRunner.runOnce()).toMatchObject({ processed: 0, state: 'stopped' });
      expect(await slowRunner.restart()).toBe(true);
      expect(await slowRunner.runOnce()).toMatchObject({ processed: 1, state: 'running' });
    } finally {
      await fastRunner.stop();
    }
  });

  it('projectionStatus reports position, guarded head, lag (exact, then estimated), state and leader', async () => {
    const name = projectionName('status');
    await createCountingTables(t.pool, name);
    const runner = new ProjectionRunner(t.pool, countingProjection(name), { batchSize: 5000, ...quiet });
    await catchUpFully(runner);
    const head = await t.store.headCheckpoint();
    expect(await projectionStatus(t.pool, [name])).toEqual([
      expect.objectContaining({ name, position: head!.globalPosition, headPosition: head!.globalPosition, lag: 0, lagIsEstimate: false, leaderPid: null }),
    ]);

    const { events } = await t.store.append(`${name}-s`, Array.from({ length: 3 }, () => newEvent()), { expectedRevision: 'no_stream' });
    await settled(t.pool);
    const [behind] = await projectionStatus(t.pool, [name]);
    expect(behind).toMatchObject({ lag: 3, lagIsEstimate: false, headPosition: events[2]!.globalPosition, position: head!.globalPosition });

    // Beyond LAG_EXACT_LIMIT the count stops and the lag is estimated from positions.
    const big = LAG_EXACT_LIMIT + 500;
    await t.store.append(`${name}-bulk`, Array.from({ length: big }, () => newEvent()), { expectedRevision: 'no_stream' });
    const [far] = await projectionStatus(t.pool, [name]);
    expect(far!.lagIsEstimate).toBe(true);
    expect(far!.lag).toBe(big + 3);

    // An open transaction holds the guarded head back; the lag still counts what it holds back once committed.
    const open = new pg.Client({ connectionString: t.db.url });
    await open.connect();
    try {
      await catchUpFully(runner);
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
      const held = await t.store.append(`${name}-s`, [newEvent()], { expectedRevision: 3 });
      const [heldBack] = await projectionStatus(t.pool, [name]);
      expect(heldBack).toMatchObject({ lag: 1, position: heldBack!.headPosition });
      expect(heldBack!.headPosition).not.toBe(held.events[0]!.globalPosition);
      await open.query('COMMIT');
    } finally {
      await open.end();
    }
    const all = await projectionStatus(t.pool);
    expect(all.map((s) => s.name)).toEqual([...all.map((s) => s.name)].sort());
    expect(all.map((s) => s.name)).toContain(name);
  }, 60_000);
});

describe(`projections on ${storeKind} PostgreSQL: migrations`, () => {
  it('creates projection_checkpoints (with the bulk build cursor) and projection_versions after the event store and reverts them with the same migration list', async () => {
    const db = await createTestDatabase({ migrate: false });
    const client = new pg.Client({ connectionString: db.url });
    try {
      expect(await runMigrations(db.url, () => {}, ALL_MIGRATIONS)).toEqual([
        'CreateEventStore1732350000000',
        'AddMultiStreamAppend1732355000000',
        'CreateProjectionCheckpoints1732400000000',
        'CreateProjectionVersions1732410000000',
        'AddBulkBuildCursor1732490000000',
      ]);
      await client.connect();
      const tables = async () =>
        (await client.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
      expect(await tables()).toEqual(['events', 'projection_checkpoints', 'projection_versions', MIGRATIONS_TABLE, 'stream_idempotency', 'streams']);
      await expect(client.query(`INSERT INTO projection_checkpoints (name, state) VALUES ('x', 'failed')`)).rejects.toThrow(/projection_checkpoints_failure_ck/);
      await expect(client.query(`INSERT INTO projection_checkpoints (name, state) VALUES ('x', 'paused')`)).rejects.toThrow(/check constraint/);
      await client.query(`INSERT INTO projection_checkpoints (name, state) VALUES ('x@2', 'retired')`);
      // A bulk build's cursor is all three columns or none.
      await expect(client.query(`INSERT INTO projection_checkpoints (name, bulk_after_stream) VALUES ('z', '')`)).rejects.toThrow(/projection_checkpoints_bulk_ck/);

      expect(await revertLastMigration(db.url, () => {}, ALL_MIGRATIONS)).toBe('AddBulkBuildCursor1732490000000');
      const columns = async () =>
        (await client.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'projection_checkpoints' AND column_name LIKE 'bulk%'`)).rows;
      expect(await columns()).toEqual([]);
      expect(await revertLastMigration(db.url, () => {}, ALL_MIGRATIONS)).toBe('CreateProjectionVersions1732410000000');
      expect(await tables()).toEqual(['events', 'projection_checkpoints', MIGRATIONS_TABLE, 'stream_idempotency', 'streams']);
      await expect(client.query(`INSERT INTO projection_checkpoints (name, state) VALUES ('y', 'retired')`)).rejects.toThrow(/check constraint/);
      expect(await revertLastMigration(db.url, () => {}, ALL_MIGRATIONS)).toBe('CreateProjectionCheckpoints1732400000000');
      expect(await tables()).toEqual(['events', MIGRATIONS_TABLE, 'stream_idempotency', 'streams']);
      expect(await runMigrations(db.url, () => {}, ALL_MIGRATIONS)).toEqual([
        'CreateProjectionCheckpoints1732400000000',
        'CreateProjectionVersions1732410000000',
        'AddBulkBuildCursor1732490000000',
      ]);
      expect(await runMigrations(db.url, () => {}, ALL_MIGRATIONS)).toEqual([]);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
