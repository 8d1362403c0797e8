import { beginRebuild, swapVersion } from '../../libs/projections/src/versions.js';
import { completeBuildTables, completeVersionTables, missingIndexes } from '../../libs/projections/src/version-tables.js';
import { openReadModelDb, type ReadModelDb } from '../read-models/helpers.js';
import { storeKind } from './helpers.js';

const PROJECTION = 'lead_funnel';

/** Index and constraint definitions of a schema, with the schema name taken out so two versions compare. */
async function shape(h: ReadModelDb, schema: string) {
  const { rows: indexes } = await h.pool.query<{ table: string; name: string; definition: string }>(
    `SELECT tablename AS "table", indexname AS name, replace(indexdef, $1 || '.', '') AS definition
       FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2`,
    [schema],
  );
  const { rows: constraints } = await h.pool.query<{ table: string; name: string; definition: string; key: boolean }>(
    `SELECT c.relname AS "table", k.conname AS name, pg_get_constraintdef(k.oid) AS definition, k.contype IN ('p', 'u') AS key
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY 1, 2`,
    [schema],
  );
  return { indexes, constraints };
}

describe(`a rebuild's tables defer their secondary indexes (${storeKind} PostgreSQL)`, () => {
  let h: ReadModelDb;
  beforeEach(async () => {
    h = await openReadModelDb();
  });
  afterEach(() => h.close());

  it('start with keys only, gain exactly the live indexes once completed, and completing twice builds nothing', async () => {
    const live = await shape(h, 'lead_funnel_v1');
    const keys = live.constraints.filter((c) => c.key);
    expect(live.indexes.length).toBeGreaterThan(keys.length); // there are secondary indexes to defer

    const version = await beginRebuild(h.pool, PROJECTION);
    const building = await shape(h, version.schema);
    // Every constraint (primary keys: the upserts' conflict targets; checks; NOT NULL) is there from the start...
    expect(building.constraints).toEqual(live.constraints);
    // ...and of the indexes only those that back them.
    const keyIndexes = live.indexes.filter((i) => keys.some((c) => c.table === i.table && c.name === i.name));
    expect(building.indexes).toEqual(keyIndexes);
    const deferred = (await missingIndexes(h.pool, 'lead_funnel_v1', version.schema)).map((i) => i.name).sort();
    expect(deferred).toEqual(live.indexes.filter((i) => !keyIndexes.includes(i)).map((i) => i.name).sort());

    const client = await h.pool.connect();
    try {
      expect((await completeVersionTables(client, 'lead_funnel_v1', version.schema, { maintenanceWorkMem: '64MB' })).sort()).toEqual(deferred);
      expect(await shape(h, version.schema)).toEqual(live);
      expect(await completeVersionTables(client, 'lead_funnel_v1', version.schema)).toEqual([]);
    } finally {
      client.release(true);
    }
  });

  it('a swap never exposes a version without its indexes: it builds what is missing itself', async () => {
    const live = await shape(h, 'lead_funnel_v1');
    const version = await beginRebuild(h.pool, PROJECTION);
    // The building version has projected nothing and the feed is empty: it is as far as the live one.
    const outcome = await swapVersion(h.pool, PROJECTION, version.version);
    expect(outcome.swapped).toBe(true);
    expect(await shape(h, version.schema)).toEqual(live);
  });

  it('a finished build keeps rm_sla_cases in hand-off order, as the live version is marked (CLUSTER ON)', async () => {
    const clusteredIndex = async (schema: string) =>
      (
        await h.pool.query<{ name: string }>(
          `SELECT ic.relname AS name FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = tc.relnamespace WHERE n.nspname = $1 AND tc.relname = 'rm_sla_cases' AND i.indisclustered`,
          [schema],
        )
      ).rows.map((r) => r.name);
    expect(await clusteredIndex('lead_funnel_v1')).toEqual(['rm_sla_cases_handed_off_idx']);
    const version = await beginRebuild(h.pool, PROJECTION);
    // Cases written lead by lead, as a bulk build does: lead order is the reverse of hand-off order here.
    await h.pool.query(
      `INSERT INTO ${version.schema}.rm_sla_cases (lead_id, case_number, handed_off_at, due_at)
       SELECT 'lead-' || lpad(n::text, 3, '0'), 1, timestamptz '2025-06-01' - n * interval '1 hour', timestamptz '2025-06-03' - n * interval '1 hour'
         FROM generate_series(1, 300) n`,
    );
    const physicalOrder = async () =>
      (await h.pool.query<{ lead_id: string }>(`SELECT lead_id FROM ${version.schema}.rm_sla_cases`)).rows.map((r) => r.lead_id);
    const byHandOff = Array.from({ length: 300 }, (_, i) => `lead-${String(300 - i).padStart(3, '0')}`);
    expect(await physicalOrder()).not.toEqual(byHandOff);
    await completeBuildTables(h.pool, 'lead_funnel_v1', version.schema);
    // A SELECT of the whole table without ORDER BY is a sequential scan: the heap in its physical order.
    expect(await physicalOrder()).toEqual(byHandOff);
    expect(await clusteredIndex(version.schema)).toEqual(['rm_sla_cases_handed_off_idx']); // the mark goes on to the next version
  });
});
