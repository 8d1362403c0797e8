import { events as e } from '../../libs/domain/src/lead/lead.test-kit.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import { settled } from '../projections/helpers.js';
import { aggregatesFromRows, appendLead, openReadModelDb, slaCases, storedAggregates, summaries, visits, type ReadModelDb } from './helpers.js';

/**
 * LeadFunnelProjection keeps the latest rows of recently touched leads in memory. These cases make the memory
 * wrong on purpose and check that the projection notices and loads the rows instead: a batch whose transaction
 * rolled back (memory ahead of the database), and another instance projecting the same leads in between
 * (memory behind). Either way the tables must equal what a fresh instance builds from scratch.
 */
const t = (iso: string) => new Date(iso);
const LEAD = 'recent-1';
const HISTORY = [
  e.captured({ channel: 'web', estimatedValue: 1000 }, t('2024-03-04T09:00:00Z')),
  e.scored(80, t('2024-03-05T10:00:00Z')),
  e.handedOff({ ownerId: 'rep-1', team: 'east', estimatedValue: 2000 }, t('2024-03-08T15:00:00Z')),
  e.accepted(t('2024-03-11T09:00:00Z')),
  e.won(5000, 'USD', t('2024-03-20T12:00:00Z')),
];

async function snapshot(h: ReadModelDb) {
  return { summaries: await summaries(h.pool), visits: await visits(h.pool), cases: await slaCases(h.pool), aggregates: await storedAggregates(h.pool) };
}

describe('LeadFunnelProjection: its memory of recent leads never overrides the database', () => {
  let h: ReadModelDb;
  let expected: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    // The reference: every event in one catch-up by a fresh instance.
    const reference = await openReadModelDb();
    try {
      await appendLead(reference.store, LEAD, HISTORY);
      await settled(reference.pool);
      await new ProjectionRunner(reference.pool, new LeadFunnelProjection()).catchUp();
      expected = await snapshot(reference);
      expect(expected.visits.map((v) => v.exitKind)).toEqual(['advanced', 'advanced', 'advanced', 'advanced', 'open']);
    } finally {
      await reference.close();
    }
  });
  beforeEach(async () => {
    h = await openReadModelDb();
  });
  afterEach(() => h.close());

  it('after a batch rolled back (memory ahead), the rows are loaded again', async () => {
    const projection = new LeadFunnelProjection();
    const runner = new ProjectionRunner(h.pool, projection, { batchSize: 2 });
    await appendLead(h.store, LEAD, HISTORY.slice(0, 2));
    await settled(h.pool);
    await runner.catchUp();
    // Apply the rest in a transaction that rolls back: the instance now remembers revision 5, the database 2.
    await appendLead(h.store, LEAD, HISTORY.slice(2), 2);
    await settled(h.pool);
    const { rows } = await h.pool.query<{ revision: string }>(`SELECT revision::text FROM events WHERE stream_id = $1 AND revision > 2 ORDER BY revision`, [LEAD]);
    expect(rows).toHaveLength(3);
    const client = await h.pool.connect();
    try {
      const tail = await h.store.readStream(LEAD, { fromRevision: 3 });
      expect(tail.map((event) => event.revision)).toEqual([3, 4, 5]);
      await client.query('BEGIN');
      await client.query('SET LOCAL search_path TO lead_funnel_v1, public'); // as the runner does for version 1
      await projection.apply(client, tail);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await runner.catchUp();
    expect(await snapshot(h)).toEqual(expected);
    expect(await storedAggregates(h.pool)).toEqual(await aggregatesFromRows(h.pool, 'UTC'));
  });

  it('after another instance projected the lead (memory behind), the rows are loaded again', async () => {
    const first = new LeadFunnelProjection();
    const second = new LeadFunnelProjection();
    // Both instances share the checkpoint (same name): whichever runs continues where the other stopped.
    const runFirst = new ProjectionRunner(h.pool, first);
    const runSecond = new ProjectionRunner(h.pool, second);
    await appendLead(h.store, LEAD, HISTORY.slice(0, 2));
    await settled(h.pool);
    await runFirst.catchUp(); // first remembers revision 2
    await appendLead(h.store, LEAD, HISTORY.slice(2, 4), 2);
    await settled(h.pool);
    await runSecond.catchUp(); // the database moves to revision 4 behind first's back
    await appendLead(h.store, LEAD, HISTORY.slice(4), 4);
    await settled(h.pool);
    await runFirst.catchUp(); // first must not fold Won onto its revision-2 memory
    expect(await snapshot(h)).toEqual(expected);
  });
});
