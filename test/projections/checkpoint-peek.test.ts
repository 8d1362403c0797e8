import pg from 'pg';
import { ensureCheckpointRow, peekCheckpoint, PEEK_CHECKPOINT_SQL } from '../../libs/projections/src/checkpoints.js';
import { newEvent, openProjectionDb, projectionName, storeKind, type ProjectionTestDb } from './helpers.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode): string[] {
  const own = node['Relation Name'] ? [`${node['Node Type']} on ${node['Relation Name']}`] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

async function moveCheckpoint(pool: pg.Pool, name: string, to: { transactionId: string; globalPosition: string }): Promise<void> {
  await pool.query('UPDATE projection_checkpoints SET transaction_id = $2::xid8, global_position = $3::bigint WHERE name = $1', [
    name,
    to.transactionId,
    to.globalPosition,
  ]);
}

// An idle runner peeks every poll interval: the peek must see the work there is, and cost next to nothing.
describe(`peeking at a checkpoint on ${storeKind} PostgreSQL`, () => {
  let t: ProjectionTestDb;
  beforeAll(async () => (t = await openProjectionDb()));
  afterAll(() => t.close());

  it('has work when a committed event follows the checkpoint, none at the head, none while an older transaction holds the feed back', async () => {
    const name = projectionName('peek');
    await ensureCheckpointRow(t.pool, name);
    const first = (await t.store.append(`${name}-1`, [newEvent()], { expectedRevision: 'no_stream' })).events[0]!;
    expect(await peekCheckpoint(t.pool, name)).toMatchObject({ state: 'running', hasWork: true });

    await moveCheckpoint(t.pool, name, first);
    expect(await peekCheckpoint(t.pool, name)).toEqual({
      checkpoint: { transactionId: first.transactionId, globalPosition: first.globalPosition },
      state: 'running',
      hasWork: false,
    });

    // An open transaction older than the next event: the guarded feed holds that event back until it ends.
    const older = new pg.Client({ connectionString: t.db.url });
    await older.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      await t.store.append(`${name}-2`, [newEvent()], { expectedRevision: 'no_stream' });
      expect((await peekCheckpoint(t.pool, name))?.hasWork).toBe(false);
      await older.query('COMMIT');
    } finally {
      await older.end();
    }
    expect((await peekCheckpoint(t.pool, name))?.hasWork).toBe(true);
    expect(await peekCheckpoint(t.pool, projectionName('never-created'))).toBeNull();
  });

  it('reads the feed index, never the whole events table, in the generic plan a prepared peek settles on', async () => {
    const name = projectionName('peek-plan');
    await ensureCheckpointRow(t.pool, name);
    let last;
    for (let batch = 0; batch < 20; batch++) {
      const events = Array.from({ length: 1000 }, () => newEvent());
      last = (await t.store.append(`${name}-${batch}`, events, { expectedRevision: 'no_stream' })).events.at(-1)!;
    }
    await moveCheckpoint(t.pool, name, last!);
    const client = await t.pool.connect();
    try {
      await client.query('ANALYZE events');
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE peek_plan(text) AS ${PEEK_CHECKPOINT_SQL}`);
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE peek_plan(${client.escapeLiteral(name)})`,
      );
      const scans = scansOf(rows[0]!['QUERY PLAN'][0].Plan);
      const onEvents = scans.filter((scan) => scan.endsWith(' on events'));
      expect(onEvents).toHaveLength(1);
      expect(onEvents[0]).toMatch(/^Index (Only )?Scan on events$/);
    } finally {
      await client.query('DEALLOCATE ALL').catch(() => undefined);
      await client.query('RESET plan_cache_mode').catch(() => undefined);
      client.release();
    }
  });
});
