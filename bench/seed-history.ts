import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { eventHash, prepareAppend } from '../libs/event-store/src/index.js';
import { copyText } from './append-bench.js';
import { syntheticFeed, type SyntheticHistoryOptions } from './synthetic-history.js';

/**
 * Loads a synthetic history into a fresh store as fast as the server takes it: COPY straight into `events`
 * (in business-time order, so streams interleave in the feed as they would live), then one row per stream.
 * The rows are exactly what fl_append_events would have written: the same normalized documents (via the
 * store's own prepareAppend) and the same sha256 hash chain, so verifyAll passes on the result. This is the
 * bench's fixture loader, not an import path: it skips the decider-free checks the append function makes.
 */
export interface SeedResult {
  leads: number;
  events: number;
  seconds: number;
}

const COPY_SQL = 'COPY events (stream_id, revision, event_id, type, schema_version, data, metadata, occurred_at, hash) FROM STDIN';

export async function seedSyntheticHistory(
  client: pg.Client,
  options: SyntheticHistoryOptions,
  progress?: (events: number) => void,
  chunkEvents = 20_000,
): Promise<SeedResult> {
  const started = performance.now();
  const heads = new Map<string, { revision: number; hash: string }>();
  let lines: string[] = [];
  let events = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    await pipeline(Readable.from([text]), client.query(copyFrom(COPY_SQL)));
    progress?.(events);
  };
  for (const { leadId, revision, event, actor } of syntheticFeed(options)) {
    const prepared = prepareAppend(
      leadId,
      [{ type: event.type, schemaVersion: event.schemaVersion, data: event.data, occurredAt: event.occurredAt, metadata: { actor, correlationId: null, causationId: null } }],
      { expectedRevision: revision - 1 },
    );
    const stored = prepared.events[0]!;
    const previous = heads.get(leadId);
    const hash = eventHash(previous?.hash ?? null, prepared.documents[0]!);
    heads.set(leadId, { revision, hash });
    lines.push(
      `${copyText(leadId)}\t${revision}\t${stored.eventId}\t${stored.type}\t${stored.schemaVersion}\t` +
        `${copyText(JSON.stringify(stored.data))}\t${copyText(JSON.stringify(stored.metadata))}\t${stored.occurredAt.toISOString()}\t\\\\x${hash}\n`,
    );
    events++;
    if (lines.length >= chunkEvents) await flush();
  }
  await flush();

  // The stream rows (head revision and hash), in chunks; the last writer's xid stands for all of them.
  const entries = [...heads.entries()];
  for (let i = 0; i < entries.length; i += 50_000) {
    const slice = entries.slice(i, i + 50_000);
    await client.query(
      `INSERT INTO streams (stream_id, version, last_hash, last_transaction_id)
       SELECT s, v, decode(h, 'hex'), pg_current_xact_id() FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u(s, v, h)`,
      [slice.map(([id]) => id), slice.map(([, head]) => head.revision), slice.map(([, head]) => head.hash)],
    );
  }
  await client.query('ANALYZE events');
  await client.query('ANALYZE streams');
  return { leads: heads.size, events, seconds: (performance.now() - started) / 1000 };
}
