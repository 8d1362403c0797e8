import pg from 'pg';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { projectionStatus, waitUntilReached } from '../../libs/projections/src/projection-status.js';
import {
  countingProjection,
  createCountingTables,
  newEvent,
  openProjectionDb,
  projectionName,
  storeKind,
  until,
  type ProjectionTestDb,
} from './helpers.js';
import { createTestDatabase } from '../support/database.js';

describe(`projections on ${storeKind} PostgreSQL: leadership`, () => {
  let t: ProjectionTestDb;
  beforeAll(async () => (t = await openProjectionDb()));
  afterAll(() => t.close());

  async function appliedBy(name: string, eventIds: string[]): Promise<string[]> {
    const { rows } = await t.pool.query<{ applied_by: string }>(`SELECT applied_by FROM ${name}_applied WHERE event_id = ANY($1::uuid[])`, [eventIds]);
    return [...new Set(rows.map((r) => r.applied_by))];
  }

  it('a standby takes over when the leader dies, and again when the new leader stops', async () => {
    const name = projectionName('takeover');
    await createCountingTables(t.pool, name);
    const base = { pollIntervalMs: 50, log: () => {} };
    const a = new ProjectionRunner(t.pool, countingProjection(name, { tag: 'a' }), { ...base, standbyRetryMs: 300 });
    const b = new ProjectionRunner(t.pool, countingProjection(name, { tag: 'b' }), { ...base, standbyRetryMs: 50 });
    try {
      await a.start();
      await until(() => a.isLeader, 5_000, 'a to lead');
      await b.start();
      await new Promise((resolve) => setTimeout(resolve, 200)); // b tried a few times meanwhile
      expect(b.isLeader).toBe(false);
      expect(await b.status()).toMatchObject({ leader: false, started: true });

      const one = await t.store.append(`${name}-s`, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
      await waitUntilReached(t.pool, name, one.events[1]!.globalPosition, 5_000);
      expect(await appliedBy(name, one.events.map((e) => e.eventId))).toEqual(['a']);

      // a "dies": its leadership session is killed from outside (as when its process or host goes away).
      const [before] = await projectionStatus(t.pool, [name]);
      expect(before!.leaderPid).not.toBeNull();
      await t.pool.query('SELECT pg_terminate_backend($1)', [before!.leaderPid]);
      await until(() => b.isLeader, 5_000, 'b to take over');
      await until(() => !a.isLeader, 5_000, 'a to notice it lost leadership');
      const [after] = await projectionStatus(t.pool, [name]);
      expect(after!.leaderPid).not.toBeNull();
      expect(after!.leaderPid).not.toBe(before!.leaderPid);

      const two = await t.store.append(`${name}-s`, [newEvent()], { expectedRevision: 2 });
      await waitUntilReached(t.pool, name, two.events[0]!.globalPosition, 5_000);
      expect(await appliedBy(name, two.events.map((e) => e.eventId))).toEqual(['b']);

      // a reconnected as a standby; b shuts down cleanly: a takes over.
      await b.stop();
      await until(() => a.isLeader, 5_000, 'a to take over again');
      const three = await t.store.append(`${name}-s`, [newEvent()], { expectedRevision: 3 });
      await waitUntilReached(t.pool, name, three.events[0]!.globalPosition, 5_000);
      expect(await appliedBy(name, three.events.map((e) => e.eventId))).toEqual(['a']);
      const { rows } = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}_applied`);
      expect(rows[0]!.n).toBe(4);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(await projectionStatus(t.pool, [name])).toMatchObject([{ leaderPid: null }]);
  });

  it('refuses to start a second time and refuses a database without the projection schema', async () => {
    const runner = new ProjectionRunner(t.pool, countingProjection(projectionName('once')), { log: () => {} });
    await runner.start();
    await expect(runner.start()).rejects.toThrow(/starts once/);
    await runner.stop();

    const bare = await createTestDatabase(); // event store migrations only
    const pool = new pg.Pool({ connectionString: bare.url, max: 2 });
    try {
      const orphan = new ProjectionRunner(pool, countingProjection('orphan'), { log: () => {} });
      await expect(orphan.start()).rejects.toThrow(/projection_checkpoints does not exist: run the migrations with ALL_MIGRATIONS/);
    } finally {
      await pool.end();
      await bare.drop();
    }
  });
});
