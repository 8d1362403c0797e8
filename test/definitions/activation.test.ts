import pg from 'pg';
import { PostgresEventStore } from '../../libs/event-store/src/postgres-event-store.js';
import { FUNNEL_DEFINITIONS_STREAM } from '../../libs/domain/src/funnel/definition-events.js';
import { waitUntilReached } from '../../libs/projections/src/projection-status.js';
import { activeVersionOf, versionTables } from '../../libs/projections/src/versions.js';
import { createTestDatabase } from '../support/database.js';
import { appendHistories, leadHistories, startWriter, viewChecksums } from '../projections/blue-green-helpers.js';
import { settled, storeKind } from '../projections/helpers.js';
import { spawnWorker, startApiOn, startTestApp } from '../api/test-app.js';
import { ACTIVATE, ONE, PUBLISH, docOf, fromScratchUnder, mql60Definition, until, untilActive } from './helpers.js';

/**
 * Activation while writes keep arriving: the live views are rebuilt under the new definition blue/green. Nothing
 * is lost (the live tables equal a from-scratch projection under the new definition), and every reader
 * statement sees the old views everywhere or the new ones everywhere: the definitions are told apart by a stage
 * key (`mql` under default@1, `mql_60` under mql60@1) present in several tables.
 */

/**
 * One statement over three tables: how many rows carry the old stage key and how many the new one. The views
 * are named in the order the swap replaces them (alphabetical): a statement that locks them in another order
 * can deadlock with the swap (40P01; see the report of issue 4).
 */
const FINGERPRINT = `
  SELECT (SELECT count(*) FROM rm_lead_summary WHERE stage = 'mql')::int
       + (SELECT count(*) FROM rm_stage_visits WHERE stage = 'mql')::int
       + (SELECT count(*) FROM rm_waterfall_daily WHERE stage = 'mql')::int AS old,
         (SELECT count(*) FROM rm_lead_summary WHERE stage = 'mql_60')::int
       + (SELECT count(*) FROM rm_stage_visits WHERE stage = 'mql_60')::int
       + (SELECT count(*) FROM rm_waterfall_daily WHERE stage = 'mql_60')::int AS new`;

/** The whole history by YEAR over GraphQL: the definition it answered under, and the MQL stage's entries. */
const WATERFALL = `{ waterfall(from: "2024-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z", granularity: YEAR) { definition periods { stages { stage entered } } } }`;

async function caughtUp(pool: pg.Pool): Promise<void> {
  await settled(pool);
  const { rows } = await pool.query(`SELECT max(global_position)::text AS head FROM events`);
  await waitUntilReached(pool, 'lead_funnel', rows[0].head, 60_000);
}

describe(`activating a definition on ${storeKind} PostgreSQL`, () => {
  it('while writes keep arriving: nothing lost, the live tables equal a from-scratch build under it, readers see old or new views, never a mix', async () => {
    const app = await startTestApp();
    const pool = new pg.Pool({ connectionString: app.databaseUrl, max: 6 });
    const store = await PostgresEventStore.connect(app.databaseUrl, { log: () => {}, poolSize: 4 });
    const observations: { old: number; new: number }[][] = [[], [], []];
    let reading = true;
    let readers: Promise<void>[] = [];
    try {
      await appendHistories(store, leadHistories(200, 'seed', 41));
      await caughtUp(pool);
      expect((await pool.query(FINGERPRINT)).rows[0].old).toBeGreaterThan(0);

      // An API reader too: each answer must come from one definition and the tables built under it (a mix
      // would report 0 entries for the MQL stage: its key is not in the other definition's tables).
      const answers: { definition: string; mql: number }[] = [];
      const apiReader = (async () => {
        while (reading) {
          const { data, errors } = await app.gql(WATERFALL);
          if (errors) throw new Error(JSON.stringify(errors));
          const stages = data!.waterfall.periods.flatMap((p: any) => p.stages);
          const key = data!.waterfall.definition === 'mql60@1' ? 'mql_60' : 'mql';
          answers.push({ definition: data!.waterfall.definition, mql: stages.filter((st: any) => st.stage === key).reduce((n: number, st: any) => n + st.entered, 0) });
        }
      })();
      readers = [...observations.map(async (seen) => {
        const client = new pg.Client({ connectionString: app.databaseUrl });
        await client.connect();
        try {
          while (reading) seen.push((await client.query(FINGERPRINT)).rows[0]);
        } finally {
          await client.end();
        }
      }), apiReader];
      const writer = startWriter(store, 'live', 42);
      await new Promise((resolve) => setTimeout(resolve, 200));

      const definition = mql60Definition();
      expect((await app.gql(PUBLISH, { document: docOf(definition) })).errors).toBeUndefined();
      const activated = await app.gql(ACTIVATE, { name: 'mql60', version: 1, reason: 'acceptance' });
      expect(activated.errors).toBeUndefined();
      // The old definition's views answer until the swap.
      if (activated.data!.activateFunnelDefinition.status === 'ACTIVATING') {
        const { rows } = await pool.query(FINGERPRINT);
        expect(rows[0].new).toBe(0);
      }
      await untilActive(app.gql, 'mql60', 1);
      await new Promise((resolve) => setTimeout(resolve, 300)); // writes keep arriving after the swap
      const written = await writer.stop();
      expect(written.leads).toBeGreaterThan(0);
      reading = false;
      await Promise.all(readers);
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.mql === 0 || !['default@1', 'mql60@1'].includes(a.definition))).toEqual([]);
      const firstNewAnswer = answers.findIndex((a) => a.definition === 'mql60@1');
      expect(firstNewAnswer).toBeGreaterThan(0);
      expect(answers.slice(firstNewAnswer).every((a) => a.definition === 'mql60@1')).toBe(true);

      // Nothing lost: the live version applied every event once, and equals a from-scratch build under mql60@1.
      await caughtUp(pool);
      const active = await activeVersionOf(pool, 'lead_funnel');
      expect(active).toMatchObject({ version: 2, config: { definition: { name: 'mql60', version: 1 } } });
      const { rows: counts } = await pool.query(
        `SELECT count(*)::int AS events, count(DISTINCT stream_id)::int AS leads FROM events WHERE stream_id <> $1`,
        [FUNNEL_DEFINITIONS_STREAM],
      );
      const { rows: summary } = await pool.query(`SELECT count(*)::int AS leads, sum(last_revision)::int AS revisions FROM rm_lead_summary`);
      expect(summary[0]).toEqual({ leads: counts[0].leads, revisions: counts[0].events });
      expect(counts[0].leads).toBe(200 + written.leads);
      const tables = await versionTables(pool, active!.schema);
      expect(await viewChecksums(pool, tables)).toEqual(await fromScratchUnder(pool, 'reference', definition));
    } finally {
      reading = false;
      await Promise.all(readers).catch(() => undefined);
      await store.close();
      await pool.end();
      await app.close();
    }

    // Never a mix; old until the swap, new after it (no statement goes back to the old views).
    for (const seen of observations) {
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.old > 0 && s.new > 0)).toEqual([]);
      const firstNew = seen.findIndex((s) => s.new > 0);
      expect(firstNew).toBeGreaterThan(0);
      expect(seen.slice(firstNew).filter((s) => s.old > 0)).toEqual([]);
      expect(seen.slice(0, firstNew).every((s) => s.old > 0)).toBe(true);
    }
  }, 240_000);

  it('an activation is picked up by the worker when the API runs RUN_PROJECTIONS=false, even one recorded without its rebuild (a crash between the two)', async () => {
    const database = await createTestDatabase();
    const { app, gql } = await startApiOn(database.url, false);
    const store = await PostgresEventStore.connect(database.url, { log: () => {}, poolSize: 2 });
    const pool = new pg.Pool({ connectionString: database.url, max: 3 });
    const worker = spawnWorker({ ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'info' });
    try {
      await appendHistories(store, leadHistories(40, 'w', 51));
      // A lead scored 65: an MQL under mql60@1 only.
      expect((await gql(`mutation { captureResponder(input: { leadId: "w-65", channel: "web", origin: MARKETING }) { position } }`)).errors).toBeUndefined();
      expect((await gql(`mutation { scoreLead(input: { leadId: "w-65", budget: 15, authority: 15, need: 15, timeframe: 10, trust: 10 }) { position } }`)).errors).toBeUndefined();
      await caughtUp(pool);
      expect((await gql(`{ lead(id: "w-65") { stage } }`)).data!.lead.stage).toBe('responder');
      expect((await gql(PUBLISH, { document: docOf(mql60Definition()) })).errors).toBeUndefined();
      // The activation event alone, as if the API had died before registering the rebuild.
      await store.append(
        FUNNEL_DEFINITIONS_STREAM,
        [
          {
            type: 'FunnelDefinitionActivated',
            schemaVersion: 1,
            data: { name: 'mql60', version: 1, reason: 'recorded, then the API crashed' },
            occurredAt: new Date(),
            metadata: { actor: { type: 'user', id: 'carol' }, correlationId: null, causationId: null },
          },
        ],
        { expectedRevision: 1 },
      );
      const pending = (await gql(ONE, { name: 'mql60', version: 1 })).data!.funnelDefinition;
      expect(['ACTIVATING', 'ACTIVE']).toContain(pending.status);
      const live = await untilActive(gql, 'mql60', 1, 120_000);
      expect(live.activations).toEqual([expect.objectContaining({ activatedBy: { type: 'user', id: 'carol' } })]);
      await until('the worker to log the activation', async () => worker.logs().includes('definition mql60@1 activated'), 10_000);
      // The API (which runs no projections) answers with the new definition once the views were swapped.
      await until('the API catalogue to follow the swap', async () => (await gql(`{ lead(id: "w-65") { stage } }`)).data!.lead.stage === 'mql_60', 5_000);
      const lead = await gql(`{ lead(id: "w-65") { timeline { stageAfter definition } } }`);
      expect(lead.data!.lead.timeline).toEqual([
        { stageAfter: 'responder', definition: 'mql60@1' },
        { stageAfter: 'mql_60', definition: 'mql60@1' },
      ]);
      const { rows } = await pool.query(`SELECT stage FROM rm_lead_summary WHERE lead_id = 'w-65'`);
      expect(rows).toEqual([{ stage: 'mql_60' }]);
    } finally {
      worker.child.kill('SIGTERM');
      await new Promise((resolve) => worker.child.once('exit', resolve));
      await pool.end();
      await store.close();
      await app.close();
      await database.drop();
    }
  }, 240_000);
  it('a later activation supersedes a rebuild still building: it is cancelled and the rebuild under the newer definition replaces it', async () => {
    const database = await createTestDatabase();
    // No process runs the projections: the rebuilds stay registered, unbuilt, so the supersession is observable.
    const { app, gql } = await startApiOn(database.url, false);
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const registry = async () =>
      (await pool.query(`SELECT version, state, config->'definition'->>'name' AS name FROM projection_versions WHERE projection = 'lead_funnel' ORDER BY version`)).rows;
    try {
      for (const definition of [mql60Definition('mql60', 1), mql60Definition('mql60b', 1)]) {
        expect((await gql(PUBLISH, { document: docOf(definition) })).errors).toBeUndefined();
      }
      const first = await gql(ACTIVATE, { name: 'mql60', version: 1 });
      expect(first.data!.activateFunnelDefinition).toMatchObject({ status: 'ACTIVATING', rebuild: { version: 2 } });
      const second = await gql(ACTIVATE, { name: 'mql60b', version: 1 });
      expect(second.data!.activateFunnelDefinition).toMatchObject({ status: 'ACTIVATING', rebuild: { version: 3 } });
      expect(await registry()).toEqual([
        { version: 1, state: 'active', name: null },
        { version: 2, state: 'abandoned', name: 'mql60' },
        { version: 3, state: 'building', name: 'mql60b' },
      ]);
      // mql60 was activated, never live, and is no longer the target.
      expect((await gql(ONE, { name: 'mql60', version: 1 })).data!.funnelDefinition).toMatchObject({ status: 'RETIRED', rebuild: null });
      // Back to the live definition: the pending rebuild is cancelled, nothing new is needed.
      const back = await gql(ACTIVATE, { name: 'default', version: 1 });
      expect(back.data!.activateFunnelDefinition).toMatchObject({ status: 'ACTIVE', rebuild: null });
      expect((await registry()).map((r: any) => r.state)).toEqual(['active', 'abandoned', 'abandoned']);
    } finally {
      await pool.end();
      await app.close();
      await database.drop();
    }
  }, 120_000);
});
