import type pg from 'pg';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { activeVersionOf, versionTables } from '../../libs/projections/src/versions.js';
import { SpeculationFailedError } from '../../libs/projections/src/projection.js';
import { LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import type { RecordedEvent } from '../../libs/event-store/src/index.js';
import { appendHistories, leadHistories, schemaChecksums } from '../projections/blue-green-helpers.js';
import { storeKind } from '../projections/helpers.js';
import { openReadModelDb, type ReadModelDb } from './helpers.js';

/** A scratch schema shaped like the live version's tables. */
async function scratchSchema(pool: pg.Pool, schema: string): Promise<void> {
  const active = await activeVersionOf(pool, 'lead_funnel');
  await pool.query(`CREATE SCHEMA "${schema}"`);
  for (const table of await versionTables(pool, active!.schema)) {
    await pool.query(`CREATE TABLE "${schema}"."${table}" (LIKE "${active!.schema}"."${table}" INCLUDING ALL)`);
  }
}

/** Counts how the runner used the projection's prepare: ahead of time (speculative) or not, and refusals. */
function countingProjection(recentLeads: number) {
  const inner = new LeadFunnelProjection(undefined, 3, recentLeads);
  const counts = { speculative: 0, refused: 0, inTransaction: 0 };
  const projection = {
    name: inner.name,
    batchSize: inner.batchSize,
    apply: (tx: pg.ClientBase, events: readonly RecordedEvent[]) => inner.apply(tx, events),
    async prepare(db: pg.ClientBase, events: readonly RecordedEvent[], options: { speculative: boolean }) {
      try {
        const prepared = await inner.prepare(db, events, options);
        if (options.speculative) counts.speculative++;
        else counts.inTransaction++;
        return prepared;
      } catch (error) {
        if (error instanceof SpeculationFailedError) counts.refused++;
        throw error;
      }
    },
    write: (tx: pg.ClientBase, prepared: unknown) => inner.write(tx, prepared),
  };
  return { projection, counts };
}

describe(`lead_funnel pipelined catch-up (${storeKind} PostgreSQL)`, () => {
  let h: ReadModelDb;
  beforeAll(async () => {
    h = await openReadModelDb();
    // 80 random leads, each history appended whole: with 3 events per batch, most leads span several batches.
    await appendHistories(h.store, leadHistories(80, 'pipe', 20261123));
  });
  afterAll(() => h.close());

  async function build(schema: string, run: (runner: ProjectionRunner) => Promise<void>, projection: ConstructorParameters<typeof ProjectionRunner>[1]) {
    await scratchSchema(h.pool, schema);
    const runner = new ProjectionRunner(h.pool, projection, { version: { checkpoint: `${schema}@test`, schema }, log: () => {} });
    await run(runner);
    return schemaChecksums(h.pool, schema);
  }

  it('equals one transaction per batch, whether the speculations are used or refused', async () => {
    // Reference: batch after batch, each read, folded and written in its own transaction, nothing ahead.
    const reference = await build('ref_sequential', async (runner) => {
      for (;;) {
        const result = await runner.runOnce();
        if (result.caughtUp) return;
      }
    }, new LeadFunnelProjection(undefined, 3));
    expect(reference.rm_lead_summary!.rows).toBe(80);

    // With the recent-lead memory, a lead that spans two batches comes from memory: the speculation is used.
    const remembered = countingProjection(20_000);
    const withMemory = await build('pipe_memory', async (runner) => {
      expect((await runner.catchUp()).caughtUp).toBe(true);
    }, remembered.projection);
    expect(withMemory).toEqual(reference);
    expect(remembered.counts.speculative).toBeGreaterThan(10);

    // Without it, such a lead is read from the database before the previous batch committed: the speculation
    // is refused and that batch prepared again in its own transaction.
    const forgetful = countingProjection(0);
    const withoutMemory = await build('pipe_no_memory', async (runner) => {
      expect((await runner.catchUp()).caughtUp).toBe(true);
    }, forgetful.projection);
    expect(withoutMemory).toEqual(reference);
    expect(forgetful.counts.refused).toBeGreaterThan(5);
    expect(forgetful.counts.inTransaction).toBeGreaterThan(forgetful.counts.refused - 1);
  });
});
