import type { LeadEvent, ResponderCapturedData } from '../../libs/domain/src/index.js';
import type { RecordedEventBody } from '../../libs/event-store/src/index.js';
import { restartProjection } from '../../libs/projections/src/checkpoints.js';
import type { Projection } from '../../libs/projections/src/projection.js';
import { ProjectionRunner } from '../../libs/projections/src/projection-runner.js';
import { projectionStatus } from '../../libs/projections/src/projection-status.js';
import { beginRebuild, type ProjectionVersion } from '../../libs/projections/src/versions.js';
import { LeadFunnelProjection } from '../../libs/read-models/src/index.js';
import { appendLead, openReadModelDb, type ReadModelDb } from '../read-models/helpers.js';
import { PROJECTION, fromScratch, leadHistories, schemaChecksums, startWriter } from './blue-green-helpers.js';
import { newEvent, settled, storeKind } from './helpers.js';

/**
 * The bulk build (libs/projections/src/bulk-build.ts): a rebuild's version filled stream by stream up to the
 * feed's head, then in feed order. Whatever happens on the way (chunks, a stop and a resume, writes arriving
 * meanwhile, a poison event and a restart), its tables must equal a build in feed order, row for row.
 */

const quiet = () => {};

/** Appends the leads' events round-robin (one event of each lead per round), so feed order interleaves the leads. */
async function appendInterleaved(h: ReadModelDb, leads: { leadId: string; events: LeadEvent[] }[]): Promise<number> {
  let total = 0;
  for (let round = 0; ; round++) {
    const due = leads.filter((lead) => lead.events.length > round);
    if (due.length === 0) return total;
    for (const lead of due) await appendLead(h.store, lead.leadId, lead.events.slice(round, round + 1), round);
    total += due.length;
  }
}

async function bulkRow(h: ReadModelDb, checkpoint: string) {
  const { rows } = await h.pool.query(
    `SELECT transaction_id::text AS transaction_id, global_position::text AS position, state, error, failed_event_id::text AS failed_event_id,
            events_processed::int AS processed, bulk_target_position::text AS target, bulk_after_stream AS after_stream
       FROM projection_checkpoints WHERE name = $1`,
    [checkpoint],
  );
  return rows[0];
}

async function head(h: ReadModelDb): Promise<{ position: string; events: number }> {
  const { rows } = await h.pool.query(`SELECT max(global_position)::text AS position, count(*)::int AS events FROM events`);
  return rows[0];
}

function runner(h: ReadModelDb, version: ProjectionVersion, projection: Projection = new LeadFunnelProjection(), batchSize?: number) {
  return new ProjectionRunner(h.pool, projection, {
    version: { checkpoint: version.checkpoint, schema: version.schema },
    bulk: 'head',
    log: quiet,
    ...(batchSize ? { batchSize } : {}),
  });
}

describe(`bulk builds of a rebuild's version on ${storeKind} PostgreSQL`, () => {
  let h: ReadModelDb;
  let version: ProjectionVersion;
  beforeEach(async () => {
    h = await openReadModelDb();
    version = await beginRebuild(h.pool, PROJECTION);
  });
  afterEach(() => h.close());

  it('fills the tables stream by stream up to the head, equal row for row to a build in feed order, and moves the checkpoint to the head', async () => {
    // One lead whose text needs escaping in COPY's format (tab, newline, backslash, a lone "\.").
    const capture: ResponderCapturedData = {
      channel: 'web\tform',
      campaign: 'spring\nlaunch \\ 2026',
      origin: 'MARKETING',
      account: { name: 'Back\\slash Ltd', industry: '\\.', country: null },
      contact: null,
      attributes: { segment: 'mid\rmarket', note: 'a "quoted" \\N value' },
      estimatedValue: 1234.5,
    };
    const awkward: LeadEvent[] = [
      { type: 'ResponderCaptured', schemaVersion: 1, occurredAt: new Date('2026-03-02T09:30:00.123Z'), data: capture },
      {
        type: 'HandedOff',
        schemaVersion: 1,
        occurredAt: new Date('2026-03-03T10:00:00Z'),
        data: { ownerId: 'owner\\one', team: 'team\ttwo', note: null, estimatedValue: null },
      },
    ];
    const events = await appendInterleaved(h, [...leadHistories(60, 'bulk', 7), { leadId: 'bulk-awkward\\id', events: awkward }]);
    // Events of other streams are in the feed too; the projection ignores them in both orders.
    await h.store.append('ops-notes', [newEvent('NoteAdded'), newEvent('NoteAdded')], { expectedRevision: 'no_stream' });
    await settled(h.pool);
    const reference = await fromScratch(h.pool, 'ref_bulk');

    const result = await runner(h, version).catchUp();
    expect(result).toMatchObject({ state: 'running', caughtUp: true, processed: events + 2 });
    const row = await bulkRow(h, version.checkpoint);
    expect(row).toMatchObject({ position: (await head(h)).position, processed: events + 2, state: 'running', target: null, after_stream: null });
    expect(await schemaChecksums(h.pool, version.schema)).toEqual(reference);
    expect(reference.rm_lead_summary!.rows).toBe(61);
    const { rows } = await h.pool.query(`SELECT channel, campaign, owner_id, team, attributes, account FROM "${version.schema}".rm_lead_summary WHERE lead_id = $1`, ['bulk-awkward\\id']);
    expect(rows).toEqual([
      { channel: 'web\tform', campaign: 'spring\nlaunch \\ 2026', owner_id: 'owner\\one', team: 'team\ttwo', attributes: capture.attributes, account: { name: 'Back\\slash Ltd', industry: '\\.', country: null } },
    ]);
  });

  it('resumes after a stop from the stream it had reached, with the same target, and ends equal to a build in feed order', async () => {
    await appendInterleaved(h, leadHistories(40, 'resume', 11));
    await settled(h.pool);
    const reference = await fromScratch(h.pool, 'ref_resume');
    const target = (await head(h)).position;

    // Chunks of one stream (batchSize 1); stop after the third.
    let chunks = 0;
    const first = await runner(h, version, new LeadFunnelProjection(), 1).catchUpUntil(
      () => chunks < 3,
      () => chunks++,
    );
    expect(first).toMatchObject({ state: 'running', caughtUp: false });
    const stopped = await bulkRow(h, version.checkpoint);
    expect(stopped).toMatchObject({ position: '0', target, after_stream: 'resume-0002' });
    const { rows } = await h.pool.query(`SELECT lead_id FROM "${version.schema}".rm_lead_summary ORDER BY 1`);
    expect(rows.map((r) => r.lead_id)).toEqual(['resume-0000', 'resume-0001', 'resume-0002']);
    // Status during the bulk: the checkpoint is still at the start, the lag is what is left to write (estimated).
    const [status] = await projectionStatus(h.pool, { checkpoints: [version.checkpoint] });
    expect(status).toMatchObject({ position: '0', eventsProcessed: stopped.processed, lagIsEstimate: true, lag: Number(target) - stopped.processed });
    expect(stopped.processed).toBeGreaterThan(0);

    // Later events do not move the target of the build under way; they follow in feed order.
    await appendInterleaved(h, leadHistories(5, 'later', 12));
    const second = await runner(h, version).catchUp();
    expect(second).toMatchObject({ state: 'running', caughtUp: true });
    expect(await bulkRow(h, version.checkpoint)).toMatchObject({ position: (await head(h)).position, target: null, after_stream: null });
    await h.pool.query('DROP SCHEMA ref_resume CASCADE');
    await h.pool.query(`DELETE FROM projection_checkpoints WHERE name = 'ref_resume@ref'`);
    expect(await schemaChecksums(h.pool, version.schema)).not.toEqual(reference); // the later leads are in
    expect(await schemaChecksums(h.pool, version.schema)).toEqual(await fromScratch(h.pool, 'ref_resume'));
  });

  it('takes the writes that arrive during the bulk in feed order after it: nothing lost, equal to a build in feed order', async () => {
    await appendInterleaved(h, leadHistories(80, 'busy', 13));
    const writer = startWriter(h.store, 'live', 14);
    try {
      const build = runner(h, version, new LeadFunnelProjection(), 25);
      await build.catchUp();
      await build.catchUp();
    } finally {
      await writer.stop();
    }
    await settled(h.pool);
    await runner(h, version).catchUp();
    expect(await bulkRow(h, version.checkpoint)).toMatchObject({ position: (await head(h)).position, processed: (await head(h)).events });
    expect(await schemaChecksums(h.pool, version.schema)).toEqual(await fromScratch(h.pool, 'ref_busy'));
  });

  it('stops on a poison event with the event named, never skipping it, and finishes from there after a fix and restart', async () => {
    await appendInterleaved(h, leadHistories(30, 'poison', 17));
    await settled(h.pool);
    // The second event of the first lead from poison-0012 on that has one.
    const { rows } = await h.pool.query(
      `SELECT event_id::text AS id, stream_id FROM events WHERE stream_id >= 'poison-0012' AND revision = 2 ORDER BY stream_id LIMIT 1`,
    );
    const poisonId: string = rows[0].id;
    const poisonLead: string = rows[0].stream_id;
    const inner = new LeadFunnelProjection();
    const failOn = (event: RecordedEventBody) => event.eventId === poisonId;
    const poisoned: Projection = {
      name: inner.name,
      apply: (tx, events) => inner.apply(tx, events),
      bulk: {
        fold: (streams) => {
          if (streams.some((s) => s.events.some(failOn))) throw new Error('cannot fold this event');
          return inner.bulk.fold(streams);
        },
        write: (tx, folded) => inner.bulk.write(tx, folded),
      },
    };
    const result = await runner(h, version, poisoned, 5).catchUp();
    expect(result).toMatchObject({ state: 'failed', failure: { eventId: poisonId } });
    expect(result.failure!.error).toMatch(new RegExp(`cannot fold this event \\[event \\w+ ${poisonLead}@2, global position \\d+; bulk build after stream "poison-00\\d\\d"\\]`));
    const failed = await bulkRow(h, version.checkpoint);
    expect(failed).toMatchObject({ state: 'failed', failed_event_id: poisonId, position: '0' });
    expect(failed.error).toContain(`${poisonLead}@2`);
    // The streams of the chunks before the poisoned one are in; none from the poisoned lead on.
    const { rows: leads } = await h.pool.query(`SELECT lead_id FROM "${version.schema}".rm_lead_summary WHERE lead_id >= $1`, [poisonLead]);
    expect(leads).toEqual([]);
    const { rows: before } = await h.pool.query(`SELECT count(*)::int AS n FROM "${version.schema}".rm_lead_summary`);
    expect(before[0].n).toBeGreaterThan(0);

    expect(await restartProjection(h.pool, version.checkpoint)).toBe(true);
    expect(await runner(h, version).catchUp()).toMatchObject({ state: 'running', caughtUp: true });
    expect(await schemaChecksums(h.pool, version.schema)).toEqual(await fromScratch(h.pool, 'ref_poison'));
  });
});
