import pg from 'pg';
import { projectionStatus, waitUntilReached } from '../../libs/projections/src/projection-status.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { ProjectionSupervisor, type SupervisedProjection } from '../../libs/projections/src/supervisor.js';
import {
  ProjectionNotVersionedError,
  RebuildInProgressError,
  activeVersionOf,
  beginRebuild,
  cancelRebuild,
  dropRetiredVersion,
  swapVersion,
  versionTables,
} from '../../libs/projections/src/versions.js';
import { pauseProjection, restartProjection } from '../../libs/projections/src/checkpoints.js';
import { runMigrations, revertLastMigration } from '../../libs/event-store/src/migrate.js';
import { ALL_MIGRATIONS, LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import { openReadModelDb, type ReadModelDb } from '../read-models/helpers.js';
import {
  PROJECTION,
  appendHistories,
  fromScratch,
  leadHistories,
  markedProjection,
  registry,
  schemaChecksums,
  schemaExists,
  startWriter,
  viewChecksums,
} from './blue-green-helpers.js';
import { settled, storeKind, until } from './helpers.js';

/**
 * Blue/green rebuilds of a versioned projection (lead_funnel): the next version is built in its own schema
 * while the active one keeps serving the public views, then one transaction repoints every view.
 */

const quiet = () => {};
const leadFunnel: SupervisedProjection = { name: PROJECTION, create: () => new LeadFunnelProjection() };

function supervisor(pool: pg.Pool, projections: SupervisedProjection[] = [leadFunnel]) {
  return new ProjectionSupervisor(pool, projections, {
    runner: { batchSize: 100, pollIntervalMs: 50, standbyRetryMs: 100, log: quiet },
    reconcileIntervalMs: 50,
    log: quiet,
  });
}

async function caughtUp(pool: pg.Pool, name = PROJECTION): Promise<void> {
  await settled(pool);
  const { rows } = await pool.query(`SELECT max(global_position)::text AS head FROM events`);
  await waitUntilReached(pool, name, rows[0].head, 60_000);
}

async function untilActive(pool: pg.Pool, version: number, timeoutMs = 60_000): Promise<void> {
  await until(async () => (await activeVersionOf(pool, PROJECTION))?.version === version, timeoutMs, `version ${version} to be active`);
}

describe(`blue/green rebuilds on ${storeKind} PostgreSQL`, () => {
  let h: ReadModelDb;
  beforeEach(async () => (h = await openReadModelDb()));
  afterEach(() => h.close());

  it('the migration moved every rm_* table into lead_funnel_v1 behind views, and the views keep the plans index-based', async () => {
    const tables = await versionTables(h.pool, 'lead_funnel_v1');
    expect(tables).toEqual(expect.arrayContaining(['rm_lead_summary', 'rm_sla_cases', 'rm_stage_visits']));
    expect(tables.every((t) => t.startsWith('rm_'))).toBe(true);
    const { rows: publicTables } = await h.pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'rm\\_%'`);
    expect(publicTables).toEqual([]);
    const { rows: views } = await h.pool.query(`SELECT viewname FROM pg_views WHERE schemaname = 'public' AND viewname LIKE 'rm\\_%' ORDER BY 1`);
    expect(views.map((v) => v.viewname)).toEqual(tables);
    expect(await registry(h.pool)).toEqual([[1, 'active', false]]);

    // The views are inlined: the plan through a view is the plan on the table, and it uses the indexes.
    const client = await h.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = async (sql: string) => (await client.query(`EXPLAIN (COSTS OFF) ${sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      for (const [sql, index] of [
        [`SELECT * FROM %s.rm_lead_summary WHERE lead_id = 'x'`, 'rm_lead_summary_pkey'],
        [`SELECT * FROM %s.rm_stage_visits WHERE stage = 'mql' AND entered_at >= now() - interval '30 days'`, 'rm_stage_visits_stage_entered_idx'],
        [`SELECT * FROM %s.rm_sla_cases WHERE resolved_at IS NULL AND due_at < now()`, 'rm_sla_cases_open_due_idx'],
      ] as const) {
        const viaView = await plan(sql.replace('%s', 'public'));
        expect(viaView).toMatch(new RegExp(`Index (Only )?Scan .*using ${index}`));
        expect(viaView).toBe(await plan(sql.replace('%s', 'lead_funnel_v1')));
      }
    } finally {
      client.release();
    }
  });

  it('the versioning migration reverts to plain tables holding the active version (after a rebuild too), and re-applies', async () => {
    await appendHistories(h.store, leadHistories(30, 'seed', 61));
    await settled(h.pool);
    const live = new ProjectionRunner(h.pool, new LeadFunnelProjection(), { log: quiet });
    await live.catchUp();
    const version = await beginRebuild(h.pool, PROJECTION);
    const building = new ProjectionRunner(h.pool, new LeadFunnelProjection(), { version: { checkpoint: version.checkpoint, schema: version.schema }, log: quiet });
    await building.catchUp();
    expect(await swapVersion(h.pool, PROJECTION, 2)).toMatchObject({ swapped: true });
    const tables = await versionTables(h.pool, 'lead_funnel_v2');
    const before = await viewChecksums(h.pool, tables);
    const [status] = await projectionStatus(h.pool, [PROJECTION]);

    // Later migrations (e.g. CreateIsolatedBuilds1732487000000) are reverted first, then the versioning one.
    const reverted: (string | null)[] = [];
    while (reverted.length < 10 && reverted.at(-1) !== 'VersionLeadFunnelReadModels1732470000000') reverted.push(await revertLastMigration(h.db.url, quiet, ALL_MIGRATIONS));
    expect(reverted.at(-1)).toBe('VersionLeadFunnelReadModels1732470000000');
    const { rows: publicTables } = await h.pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'rm\\_%' ORDER BY 1`);
    expect(publicTables.map((r) => r.tablename)).toEqual(tables);
    expect(await viewChecksums(h.pool, tables)).toEqual(before);
    expect(await schemaExists(h.pool, 'lead_funnel_v1')).toBe(false);
    expect(await schemaExists(h.pool, 'lead_funnel_v2')).toBe(false);
    const { rows: checkpoints } = await h.pool.query(`SELECT name, global_position::text AS position, state FROM projection_checkpoints ORDER BY name`);
    expect(checkpoints).toEqual([{ name: PROJECTION, position: status!.position, state: 'running' }]);

    expect(await runMigrations(h.db.url, quiet, ALL_MIGRATIONS)).toEqual([...reverted].reverse());
    expect(await registry(h.pool)).toEqual([[1, 'active', false]]);
    expect(await viewChecksums(h.pool, tables)).toEqual(before);
  });

  it('rebuilds while a writer keeps appending: nothing lost, the new tables equal a from-scratch projection, the old schema dropped', async () => {
    const initial = leadHistories(150, 'seed', 11);
    await appendHistories(h.store, initial);
    const sup = supervisor(h.pool);
    await sup.start();
    try {
      await caughtUp(h.pool);
      const writer = startWriter(h.store, 'live', 12);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const version = await sup.rebuild(PROJECTION);
      expect(version).toMatchObject({ version: 2, schema: 'lead_funnel_v2', checkpoint: 'lead_funnel@2', state: 'building' });
      await expect(sup.rebuild(PROJECTION)).rejects.toBeInstanceOf(RebuildInProgressError);
      await untilActive(h.pool, 2);
      await new Promise((resolve) => setTimeout(resolve, 200)); // writes keep arriving after the swap
      const written = await writer.stop();
      expect(written.leads).toBeGreaterThan(0);
      await caughtUp(h.pool);
      await until(async () => !(await schemaExists(h.pool, 'lead_funnel_v1')), 10_000, 'the old schema to be dropped');
      expect(await registry(h.pool)).toEqual([
        [1, 'retired', true],
        [2, 'active', false],
      ]);

      // Nothing lost: every event applied once by the active version, every lead present.
      const { rows: counts } = await h.pool.query(`SELECT count(*)::int AS events, count(DISTINCT stream_id)::int AS leads FROM events`);
      const [status] = await projectionStatus(h.pool, [PROJECTION]);
      expect(status).toMatchObject({ name: PROJECTION, checkpoint: 'lead_funnel@2', version: 2, versionState: 'active', state: 'running', lag: 0 });
      expect(status!.eventsProcessed).toBe(counts[0].events);
      const { rows: summary } = await h.pool.query(`SELECT count(*)::int AS leads, sum(last_revision)::int AS revisions FROM rm_lead_summary`);
      expect(summary[0]).toEqual({ leads: counts[0].leads, revisions: counts[0].events });
      expect(counts[0].leads).toBe(initial.length + written.leads);

      // The active tables (read through the views) equal a from-scratch projection of the same feed.
      const tables = await versionTables(h.pool, 'lead_funnel_v2');
      const live = await viewChecksums(h.pool, tables);
      expect(live).toEqual(await schemaChecksums(h.pool, 'lead_funnel_v2'));
      expect(live).toEqual(await fromScratch(h.pool, 'reference'));
    } finally {
      await sup.stop();
    }
  });

  it('readers never see a mix: each statement sees the old version everywhere or the new one everywhere, old until the swap, new after', async () => {
    await appendHistories(h.store, leadHistories(150, 'seed', 21));
    const sup = supervisor(h.pool);
    await sup.start();
    await caughtUp(h.pool);
    const observations: { old: number; new: number }[][] = [[], [], []];
    let reading = true;
    // One statement reads a fingerprint across two tables: rows of the old version (plain lead ids) and of the
    // new one (ids marked `v2:` by the rebuild's projection instance), in rm_lead_summary and rm_stage_visits.
    const readers = observations.map(async (seen) => {
      const client = new pg.Client({ connectionString: h.db.url });
      await client.connect();
      try {
        while (reading) {
          const { rows } = await client.query(`
            SELECT (SELECT count(*) FROM rm_lead_summary WHERE lead_id NOT LIKE 'v2:%')::int AS s_old,
                   (SELECT count(*) FROM rm_lead_summary WHERE lead_id LIKE 'v2:%')::int AS s_new,
                   (SELECT count(*) FROM rm_stage_visits WHERE lead_id NOT LIKE 'v2:%')::int AS v_old,
                   (SELECT count(*) FROM rm_stage_visits WHERE lead_id LIKE 'v2:%')::int AS v_new`);
          const r = rows[0];
          seen.push({ old: r.s_old + r.v_old, new: r.s_new + r.v_new });
        }
      } finally {
        await client.end();
      }
    });
    try {
      const writer = startWriter(h.store, 'live', 22);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await sup.rebuild(PROJECTION, { projection: markedProjection() });
      await untilActive(h.pool, 2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writer.stop();
    } finally {
      reading = false;
      await Promise.all(readers);
      await sup.stop();
    }
    for (const seen of observations) {
      const mixed = seen.filter((o) => o.old > 0 && o.new > 0);
      expect(mixed).toEqual([]);
      expect(seen.filter((o) => o.old === 0 && o.new === 0)).toEqual([]);
      const firstNew = seen.findIndex((o) => o.new > 0);
      expect(firstNew).toBeGreaterThan(0); // old before the swap...
      expect(seen.slice(firstNew).every((o) => o.old === 0)).toBe(true); // ...new only after it
      expect(seen.length - firstNew).toBeGreaterThan(0);
      // Rows are only ever added, and the swap never goes back in the feed: the totals never decrease, not even
      // from the last old observation to the first new one.
      const totals = seen.map((o) => o.old + o.new);
      expect(totals.filter((n, i) => i > 0 && n < totals[i - 1]!)).toEqual([]);
    }
    const total = observations.reduce((n, seen) => n + seen.length, 0);
    console.log(`[blue/green ${storeKind}] ${total} reader statements across the swap, none mixed`);
  });

  it('the old version answers until the swap, even once the new one has caught up; then the old schema is dropped', async () => {
    await appendHistories(h.store, leadHistories(80, 'seed', 31));
    await settled(h.pool);
    const live = new ProjectionRunner(h.pool, new LeadFunnelProjection(), { log: quiet });
    await live.catchUp();
    const before = await viewChecksums(h.pool, await versionTables(h.pool, 'lead_funnel_v1'));

    // The lower-level API, step by step: nobody else builds this version (builder set to another supervisor).
    const version = await beginRebuild(h.pool, PROJECTION, { builder: 'this-test' });
    expect(await versionTables(h.pool, version.schema)).toEqual(await versionTables(h.pool, 'lead_funnel_v1'));
    const building = new ProjectionRunner(h.pool, markedProjection(), { version: { checkpoint: version.checkpoint, schema: version.schema }, batchSize: 50, log: quiet });
    await building.runOnce();
    await building.runOnce();
    // Mid-build: the views answer the old version; the new schema holds partial marked rows; status shows the progress.
    expect(await viewChecksums(h.pool, Object.keys(before))).toEqual(before);
    const { rows: partial } = await h.pool.query(`SELECT count(*)::int AS n FROM lead_funnel_v2.rm_lead_summary WHERE lead_id LIKE 'v2:%'`);
    expect(partial[0].n).toBeGreaterThan(0);
    const statuses = await projectionStatus(h.pool);
    expect(statuses.find((s) => s.name === PROJECTION)).toMatchObject({ version: 1, versionState: 'active', checkpoint: PROJECTION, lag: 0 });
    expect(statuses.find((s) => s.name === 'lead_funnel@2')).toMatchObject({ projection: PROJECTION, version: 2, versionState: 'building', eventsProcessed: 100 });
    expect(statuses.find((s) => s.name === 'lead_funnel@2')!.lag).toBeGreaterThan(0);

    // Behind the live checkpoint: no swap.
    expect(await swapVersion(h.pool, PROJECTION, 2)).toEqual({ swapped: false, reason: 'behind' });
    // Caught up but not swapped: still the old version.
    await building.catchUp();
    expect(await viewChecksums(h.pool, Object.keys(before))).toEqual(before);
    // The swap (catching the last events up while the live checkpoint is locked, if any arrived).
    await appendHistories(h.store, leadHistories(3, 'late', 32));
    await settled(h.pool);
    await live.catchUp();
    const swap = await swapVersion(h.pool, PROJECTION, 2, { catchUp: async () => void (await building.catchUp()) });
    expect(swap).toMatchObject({ swapped: true, from: { version: 1, state: 'retired' }, to: { version: 2, state: 'active' } });
    const { rows: after } = await h.pool.query(
      `SELECT count(*) FILTER (WHERE lead_id LIKE 'v2:%')::int AS marked, count(*)::int AS n FROM rm_lead_summary`,
    );
    expect(after[0]).toEqual({ marked: 83, n: 83 });
    // The old runner never writes the old tables again (its checkpoint is retired); its status is the exact row.
    expect(await live.runOnce()).toMatchObject({ processed: 0, state: 'retired' });
    expect((await live.status()).state).toBe('retired');
    // Read-your-writes through the plain name now follows version 2.
    const { rows: head } = await h.pool.query(`SELECT max(global_position)::text AS p FROM events`);
    await waitUntilReached(h.pool, PROJECTION, head[0].p, 1000);

    // Dropping waits for a reader still in the old tables; with a short lock timeout it gives up and retries.
    const reader = await h.pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM lead_funnel_v1.rm_lead_summary');
      await expect(dropRetiredVersion(h.pool, PROJECTION, 1, { lockTimeoutMs: 100 })).rejects.toMatchObject({ code: '55P03' });
      // New readers are not blocked meanwhile: they read version 2 through the views.
      expect((await h.pool.query('SELECT count(*)::int AS n FROM rm_lead_summary')).rows[0].n).toBe(83);
      await reader.query('COMMIT');
    } finally {
      reader.release();
    }
    expect(await dropRetiredVersion(h.pool, PROJECTION, 1)).toBe(true);
    expect(await dropRetiredVersion(h.pool, PROJECTION, 1)).toBe(false);
    expect(await schemaExists(h.pool, 'lead_funnel_v1')).toBe(false);
    expect(await registry(h.pool)).toEqual([
      [1, 'retired', true],
      [2, 'active', false],
    ]);
  });

  it('two rebuilds requested at once: one starts, the other is refused; an unversioned projection cannot be rebuilt', async () => {
    const results = await Promise.allSettled([beginRebuild(h.pool, PROJECTION), beginRebuild(h.pool, PROJECTION), beginRebuild(h.pool, PROJECTION)]);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ version: number }>).value.version)).toEqual([2]);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RebuildInProgressError);
    await expect(beginRebuild(h.pool, 'counting_things')).rejects.toBeInstanceOf(ProjectionNotVersionedError);
    // cancelRebuild gives it up: schema dropped, checkpoint retired; the next rebuild takes the next number.
    expect(await cancelRebuild(h.pool, PROJECTION)).toMatchObject({ version: 2, state: 'abandoned' });
    expect(await schemaExists(h.pool, 'lead_funnel_v2')).toBe(false);
    expect((await beginRebuild(h.pool, PROJECTION)).version).toBe(3);
  });

  it('a poison event in the rebuild leaves the old version live and reports the failure; a new rebuild replaces it', async () => {
    const leads = leadHistories(60, 'seed', 41);
    await appendHistories(h.store, leads);
    const sup = supervisor(h.pool);
    await sup.start();
    try {
      await caughtUp(h.pool);
      const before = await viewChecksums(h.pool, await versionTables(h.pool, 'lead_funnel_v1'));
      const { rows } = await h.pool.query(`SELECT event_id::text AS id FROM events ORDER BY global_position OFFSET 100 LIMIT 1`);
      const poisonId = rows[0].id;
      await sup.rebuild(PROJECTION, { projection: markedProjection({ failOn: (e) => e.eventId === poisonId }) });
      await until(async () => (await projectionStatus(h.pool, ['lead_funnel@2']))[0]?.state === 'failed', 30_000, 'the rebuild to fail');
      const [failed] = await projectionStatus(h.pool, ['lead_funnel@2']);
      expect(failed).toMatchObject({ versionState: 'building', failedEventId: poisonId, eventsProcessed: 100 });
      expect(failed!.error).toMatch(/poison event/);
      // The old version stays live and keeps projecting.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await activeVersionOf(h.pool, PROJECTION)).toMatchObject({ version: 1 });
      expect(await viewChecksums(h.pool, Object.keys(before))).toEqual(before);
      await appendHistories(h.store, leadHistories(2, 'after', 42));
      await caughtUp(h.pool);
      expect((await projectionStatus(h.pool, [PROJECTION]))[0]).toMatchObject({ version: 1, state: 'running', lag: 0 });

      // A new rebuild abandons the failed version (schema dropped) and completes.
      const next = await sup.rebuild(PROJECTION);
      expect(next.version).toBe(3);
      expect(await schemaExists(h.pool, 'lead_funnel_v2')).toBe(false);
      await untilActive(h.pool, 3);
      await until(async () => !(await schemaExists(h.pool, 'lead_funnel_v1')), 10_000, 'the old schema to be dropped');
      expect(await registry(h.pool)).toEqual([
        [1, 'retired', true],
        [2, 'abandoned', true],
        [3, 'active', false],
      ]);
      await caughtUp(h.pool);
      const tables = await versionTables(h.pool, 'lead_funnel_v3');
      expect(await viewChecksums(h.pool, tables)).toEqual(await fromScratch(h.pool, 'reference'));
    } finally {
      await sup.stop();
    }
  });

  it('a rebuild interrupted with its process resumes in another one (paused and restarted on the way)', async () => {
    await appendHistories(h.store, leadHistories(120, 'seed', 51));
    // A slow instance (20 ms per batch of 20 events), so the rebuild is surely still under way when paused.
    const slow: SupervisedProjection = {
      name: PROJECTION,
      create: () => {
        const inner = new LeadFunnelProjection();
        return {
          name: PROJECTION,
          batchSize: 20,
          apply: async (tx, events) => {
            await new Promise((resolve) => setTimeout(resolve, 20));
            await inner.apply(tx, events);
          },
        };
      },
    };
    const first = new ProjectionSupervisor(h.pool, [slow], { runner: { pollIntervalMs: 50, standbyRetryMs: 100, log: quiet }, reconcileIntervalMs: 50, log: quiet });
    await first.start();
    await caughtUp(h.pool);
    await first.rebuild(PROJECTION);
    await until(async () => ((await projectionStatus(h.pool, ['lead_funnel@2']))[0]?.eventsProcessed ?? 0) > 0, 30_000, 'the rebuild to start');
    expect(await pauseProjection(h.pool, 'lead_funnel@2')).toBe(true);
    await first.stop(); // the process goes away mid-rebuild
    expect(await activeVersionOf(h.pool, PROJECTION)).toMatchObject({ version: 1 });

    const second = supervisor(h.pool);
    await second.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await activeVersionOf(h.pool, PROJECTION)).toMatchObject({ version: 1 }); // paused: no swap
      expect(await restartProjection(h.pool, 'lead_funnel@2')).toBe(true);
      await untilActive(h.pool, 2);
      await caughtUp(h.pool);
      const tables = await versionTables(h.pool, 'lead_funnel_v2');
      expect(await viewChecksums(h.pool, tables)).toEqual(await fromScratch(h.pool, 'reference'));
    } finally {
      await second.stop();
    }
  });
});
