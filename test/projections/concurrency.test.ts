import pg from 'pg';
import { appendOnce, prepareAppend } from '../../libs/event-store/src/append.js';
import { StaleTransactionOrderError } from '../../libs/event-store/src/errors.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { projectionStatus, waitUntilReached } from '../../libs/projections/src/projection-status.js';
import {
  countingProjection,
  createCountingTables,
  expectedCounts,
  newEvent,
  openProjectionDb,
  projectedCounts,
  projectionName,
  storeKind,
  until,
  type ProjectionTestDb,
} from './helpers.js';

const WRITERS = 8;
const APPENDS_PER_WRITER = 250; // x 1-5 events (3 on average): ~6,000 events
const SLOW_EVERY = 10; // every 10th append holds its transaction open ~5 ms: it commits after later positions

describe(`projections on ${storeKind} PostgreSQL: concurrent runners`, () => {
  let t: ProjectionTestDb;
  let slowPool: pg.Pool;
  beforeAll(async () => {
    t = await openProjectionDb({ poolSize: 12 });
    slowPool = new pg.Pool({ connectionString: t.db.url, max: WRITERS });
    slowPool.on('error', () => {}); // dropping the database ends idle connections
  });
  afterAll(async () => {
    await slowPool.end();
    await t.close();
  });

  /** An append in an explicit transaction that commits ~5 ms after taking its positions. */
  async function slowAppend(streamId: string, count: number): Promise<void> {
    const prepared = prepareAppend(
      streamId,
      Array.from({ length: count }, () => newEvent('Slow')),
      { expectedRevision: 'any' },
    );
    for (;;) {
      const client = await slowPool.connect();
      try {
        await client.query('BEGIN');
        await appendOnce(client, prepared, 'fl_events');
        await client.query('SELECT pg_sleep(0.005)');
        await client.query('COMMIT');
        return;
      } catch (error) {
        await client.query('ROLLBACK');
        if (!(error instanceof StaleTransactionOrderError)) throw error;
      } finally {
        client.release();
      }
    }
  }

  it('applies every event exactly once with two runners (leader + standby, handing over mid-load) and a third running batches directly', async () => {
    const name = projectionName('exactly_once');
    await createCountingTables(t.pool, name);
    const options = { batchSize: 50, pollIntervalMs: 50, standbyRetryMs: 30, log: () => {} };
    const a = new ProjectionRunner(t.pool, countingProjection(name, { tag: 'a' }), options);
    const b = new ProjectionRunner(t.pool, countingProjection(name, { tag: 'b' }), options);
    // Not started, so no leadership: only the checkpoint row lock (NOWAIT) and the compare-and-set protect it.
    const rogue = new ProjectionRunner(t.pool, countingProjection(name, { tag: 'rogue' }), options);
    await Promise.all([a.start(), b.start()]);

    let bothLeading = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      if (a.isLeader && b.isLeader) bothLeading++;
    }, 1);

    let writing = true;
    let rogueBatches = 0;
    let rogueBusy = 0;
    const rogueLoop = (async () => {
      while (writing) {
        const result = await rogue.runOnce();
        if (result.busy) rogueBusy++;
        else if (result.processed > 0) rogueBatches++;
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    })();

    let appended = 0;
    let handedOver: Promise<void> | null = null;
    const first = await until(() => a.isLeader || b.isLeader, 5_000, 'a leader').then(() => (a.isLeader ? a : b));
    const second = first === a ? b : a;
    async function writer(w: number): Promise<void> {
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const stream = `${name}-w${w}-${i % 7}`;
        const count = 1 + ((w + i) % 5);
        if (i % SLOW_EVERY === SLOW_EVERY - 1) await slowAppend(stream, count);
        else await t.store.append(stream, Array.from({ length: count }, () => newEvent(i % 2 ? 'LeadCaptured' : 'LeadQualified')), { expectedRevision: 'any' });
        appended += count;
        // Half way through, the leader shuts down: the standby must take over while writers keep going.
        if (!handedOver && appended > 3_000) handedOver = first.stop();
      }
    }
    const started = Date.now();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await handedOver;
    writing = false;
    await rogueLoop;
    expect(second.isLeader).toBe(true);

    // The last event in feed order (not the guarded head: on a shared server another session's open
    // transaction can hold that back for a moment).
    const { rows: last } = await t.pool.query<{ p: string }>(
      'SELECT e.global_position::text AS p FROM events e ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1',
    );
    await waitUntilReached(t.pool, name, last[0]!.p, 30_000);
    const elapsed = Date.now() - started;
    clearInterval(sampler);
    await second.stop();

    const { rows: totals } = await t.pool.query<{ events: number; applied: number; distinct_applied: number }>(
      `SELECT (SELECT count(*)::int FROM events) AS events, count(*)::int AS applied, count(DISTINCT event_id)::int AS distinct_applied FROM ${name}_applied`,
    );
    expect(appended).toBeGreaterThanOrEqual(5_000);
    expect(totals[0]).toEqual({ events: appended, applied: appended, distinct_applied: appended });
    expect(await projectedCounts(t.pool, name)).toEqual(await expectedCounts(t.pool));
    const { rows: byRunner } = await t.pool.query<{ applied_by: string }>(`SELECT DISTINCT applied_by FROM ${name}_applied ORDER BY 1`);
    expect(byRunner.map((r) => r.applied_by)).toEqual(expect.arrayContaining(['a', 'b'])); // both led, one after the other
    expect(rogueBusy + rogueBatches).toBeGreaterThan(0);
    expect(samples).toBeGreaterThan(100);
    expect(bothLeading).toBe(0);
    const [status] = await projectionStatus(t.pool, [name]);
    expect(status).toMatchObject({ state: 'running', eventsProcessed: appended, lag: 0, leaderPid: null });
    console.log(
      `[${storeKind}] ${appended} events by ${WRITERS} writers, 2 runners + direct batches: caught up ${elapsed} ms after the first append; ` +
        `direct batches applied ${rogueBatches}, found the row busy ${rogueBusy} times; leader sampled ${samples} times`,
    );
  });
});
