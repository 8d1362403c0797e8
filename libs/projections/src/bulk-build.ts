import type pg from 'pg';
import type { Checkpoint, RecordedEventBody } from '../../event-store/src/index.js';
import { feedReader } from '../../event-store/src/feed.js';
import { BODY_COLUMNS, bodyTupleToEvent, type BodyTuple } from '../../event-store/src/rows.js';
import { inTransaction } from './batch-transaction.js';
import { CheckpointConflictError, LOCK_NOT_AVAILABLE, UnknownProjectionError } from './checkpoints.js';
import { describeError, isRetryable } from './failures.js';
import type { BulkBuild, StreamHistory } from './projection.js';

/**
 * The bulk build: how a version (or an isolated build) whose tables are empty is filled, many times faster than
 * event by event in feed order. Feed order interleaves every lead's events, so a batch must load each lead's
 * stored rows, fold, and upsert them back; in stream order each stream is folded once, from nothing, and its
 * rows are only inserted (COPY). The runner then goes on from the target in feed order as usual.
 *
 * 1. Begin (one short transaction): the checkpoint is at the start of the feed and no bulk is under way; the
 *    target is fixed and stored with the cursor (projection_checkpoints.bulk_*, migration 1732490000000). For a
 *    version the target is the guarded feed's head: every event up to it has committed, and per stream those
 *    events are a prefix of it (the store refuses an append from a transaction older than the stream's last
 *    writer), so the events after the target continue each stream where the bulk left it.
 * 2. Chunks: events up to the target (and recorded at or before `recordedAtOrBefore`) are read by
 *    (stream_id, revision) pages on one connection, folded a chunk of whole streams at a time in memory, and
 *    written on another connection, each chunk in its own short transaction that also moves bulk_after_stream
 *    past it (a long transaction would hold back every feed reader of the cluster: the feed's guard). The next
 *    chunk is read and folded while one is written.
 * 3. The last chunk's transaction moves the checkpoint to the target and clears the cursor.
 *
 * A process that stops anywhere resumes after bulk_after_stream with the same target; every chunk is all or
 * nothing. A poison event (fold or write throws anything but a passing database error) stops the projection
 * like a batch does (state failed, the event named when the fold can pin it); restart() resumes the bulk.
 */

/** Which events a bulk build covers: up to the guarded head when it begins, or a fixed target (isolated builds). */
export type BulkRange = 'head' | { target: Checkpoint; recordedAtOrBefore: Date | null };

export interface BulkContext {
  /** The checkpoint row's name. */
  name: string;
  schema: string | null;
  bulk: BulkBuild;
  range: BulkRange;
  withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  upcast(events: readonly RecordedEventBody[]): readonly RecordedEventBody[];
  log(message: string, error?: unknown): void;
  /** Events read per page (default 5,000). */
  pageEvents?: number;
  /** Events per chunk transaction (default 5,000; a chunk holds whole streams, so it may exceed this by one stream). Measured: 2,000 to 20,000, fastest at 5,000, where the live heap stays near 60 MB. */
  chunkEvents?: number;
}

export type BulkOutcome =
  /** Nothing (more) to do in bulk: the checkpoint is past the start, or the bulk just finished. */
  | { kind: 'done'; processed: number }
  /** `go()` turned false between chunks; what was written is committed. */
  | { kind: 'paused'; processed: number }
  | { kind: 'busy'; processed: number }
  /** The checkpoint row is not running (stopped, failed, retired). */
  | { kind: 'not-running'; processed: number; state: string }
  | { kind: 'failed'; processed: number; eventId: string; error: string };

interface Cursor {
  target: Checkpoint;
  afterStream: string;
}

interface BulkRow {
  transaction_id: string;
  global_position: string;
  state: string;
  bulk_target_transaction_id: string | null;
  bulk_target_position: string | null;
  bulk_after_stream: string | null;
}

const PAGE_EVENTS = 5_000;
const CHUNK_EVENTS = 5_000;
/** Above any revision: `(stream_id, revision) > (s, MAX)` starts at the stream after s. */
const AFTER_EVERY_REVISION = '9223372036854775807';

class BulkBusy extends Error {}

/** Runs (or resumes) a bulk build; see the module comment. */
export async function runBulkBuild(ctx: BulkContext, go: () => boolean, onChunk?: (events: number) => void): Promise<BulkOutcome> {
  const begun = await ctx.withClient((client) => begin(ctx, client));
  if ('kind' in begun) return begun;
  let cursor: Cursor = begun;
  let processed = 0;
  const pageEvents = ctx.pageEvents ?? PAGE_EVENTS;
  const chunkEvents = ctx.chunkEvents ?? CHUNK_EVENTS;
  return ctx.withClient((writer) =>
    ctx.withClient(async (reader) => {
      let writing: Promise<void> | null = null;
      let prefetched: Promise<RecordedEventBody[]> | null = null;
      const finishWriting = async () => {
        const pending = writing;
        writing = null;
        if (pending) await pending;
      };
      try {
        let from = { stream: cursor.afterStream, revision: AFTER_EVERY_REVISION };
        let chunk: StreamHistory[] = [];
        let chunkSize = 0;
        let open: { streamId: string; events: RecordedEventBody[] } | null = null;
        for (;;) {
          if (!go()) {
            await finishWriting();
            return { kind: 'paused', processed };
          }
          const events = await (prefetched ?? readPage(reader, cursor, ctx.range, from, pageEvents));
          prefetched = null;
          const end = events.length < pageEvents;
          if (!end) {
            // The next page is read while this one is folded (the reader's connection is otherwise idle).
            const last = events[events.length - 1]!;
            from = { stream: last.streamId, revision: String(last.revision) };
            prefetched = readPage(reader, cursor, ctx.range, from, pageEvents);
            prefetched.catch(() => undefined); // handled where it is awaited
          }
          for (const event of events) {
            if (open === null || open.streamId !== event.streamId) {
              if (open !== null) {
                chunk.push(open);
                chunkSize += open.events.length;
              }
              open = { streamId: event.streamId, events: [] };
            }
            open.events.push(event);
          }
          if (end && open !== null) {
            chunk.push(open);
            chunkSize += open.events.length;
            open = null;
          }
          if (chunkSize >= chunkEvents || end) {
            const streams = chunk.map((s) => ({ streamId: s.streamId, events: ctx.upcast(s.events) }));
            const size = chunkSize;
            chunk = [];
            chunkSize = 0;
            let folded: unknown;
            try {
              folded = ctx.bulk.fold(streams);
            } catch (error) {
              await finishWriting();
              return await stopOnPoison(ctx, writer, cursor, streams, error, processed);
            }
            await finishWriting();
            // Asked to stop: this fold is dropped unwritten (the cursor is before it), so a stop is prompt.
            if (!go()) return { kind: 'paused', processed };
            const after = streams.length > 0 ? streams[streams.length - 1]!.streamId : cursor.afterStream;
            const expected = cursor;
            const next: Cursor = { target: cursor.target, afterStream: after };
            const firstEventId = streams.find((s) => s.events.length > 0)?.events[0]?.eventId ?? null;
            // Only ids go on with the write: the chunk's events can be collected while it is written.
            writing = writeChunk(ctx, writer, expected, next, folded, size, end, firstEventId).then(() => {
              processed += size;
              if (size > 0) onChunk?.(size);
            });
            writing.catch(() => undefined); // handled where it is awaited; not an unhandled rejection meanwhile
            cursor = next;
          }
          if (end) {
            await finishWriting();
            return { kind: 'done', processed };
          }
        }
      } catch (error) {
        await writing?.catch(() => undefined); // the writer goes back to the pool only when idle
        if (error instanceof BulkBusy) return { kind: 'busy', processed };
        if (error instanceof BulkPoison) return { kind: 'failed', processed, eventId: error.eventId, error: error.message };
        if (error instanceof NotRunning) return { kind: 'not-running', processed, state: error.state };
        throw error;
      } finally {
        await prefetched?.catch(() => undefined); // the reader too
      }
    }),
  );
}

/** Locks the row; returns the cursor to continue from, after storing a new one if the build is at its start. */
async function begin(ctx: BulkContext, client: pg.PoolClient): Promise<Cursor | BulkOutcome> {
  return inTransaction<Cursor | BulkOutcome>(client, ctx.schema, async () => {
    const row = await lockBulkRow(client, ctx.name);
    if (row === 'busy') return { commit: false, value: { kind: 'busy', processed: 0 } };
    if (row.state !== 'running') return { commit: false, value: { kind: 'not-running', processed: 0, state: row.state } };
    const cursor = cursorOf(row);
    if (cursor) return { commit: false, value: cursor };
    if (row.global_position !== '0' || row.transaction_id !== '0') return { commit: false, value: { kind: 'done', processed: 0 } };
    const target = ctx.range === 'head' ? await feedReader(client, true).head() : ctx.range.target;
    if (target === null || (target.globalPosition === '0' && target.transactionId === '0')) return { commit: false, value: { kind: 'done', processed: 0 } };
    await client.query({
      text: `UPDATE projection_checkpoints SET bulk_target_transaction_id = $2::xid8, bulk_target_position = $3::bigint, bulk_after_stream = '', updated_at = now()
              WHERE name = $1`,
      values: [ctx.name, target.transactionId, target.globalPosition],
    });
    ctx.log(`projection ${ctx.name}: bulk build up to ${target.transactionId}/${target.globalPosition} begins`);
    return { commit: true, value: { target, afterStream: '' } };
  });
}

/** The checkpoint row with its bulk columns, locked like a batch's (FOR UPDATE NOWAIT); 'busy' when another transaction holds it. */
async function lockBulkRow(client: pg.PoolClient, name: string): Promise<BulkRow | 'busy'> {
  let rows: BulkRow[];
  try {
    ({ rows } = await client.query<BulkRow>({
      text: `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position, state,
                    bulk_target_transaction_id::text AS bulk_target_transaction_id, bulk_target_position::text AS bulk_target_position, bulk_after_stream
               FROM projection_checkpoints WHERE name = $1 FOR UPDATE NOWAIT`,
      values: [name],
    }));
  } catch (error) {
    if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return 'busy';
    throw error;
  }
  if (!rows[0]) throw new UnknownProjectionError(name);
  return rows[0];
}

function cursorOf(row: BulkRow): Cursor | null {
  if (row.bulk_after_stream === null || row.bulk_target_transaction_id === null || row.bulk_target_position === null) return null;
  return { target: { transactionId: row.bulk_target_transaction_id, globalPosition: row.bulk_target_position }, afterStream: row.bulk_after_stream };
}

/** The page of events after `from` in (stream, revision) order, up to the target (no snapshot guard needed: all committed). */
async function readPage(reader: pg.PoolClient, cursor: Cursor, range: BulkRange, from: { stream: string; revision: string }, limit: number): Promise<RecordedEventBody[]> {
  const recordedAtOrBefore = range === 'head' ? null : range.recordedAtOrBefore;
  const { rows } = await reader.query<BodyTuple>({
    rowMode: 'array',
    text: `SELECT ${BODY_COLUMNS} FROM events e
            WHERE (e.stream_id, e.revision) > ($1::text, $2::bigint)
              AND (e.transaction_id, e.global_position) <= ($3::xid8, $4::bigint)
              ${recordedAtOrBefore ? 'AND e.recorded_at <= $6::timestamptz' : ''}
            ORDER BY e.stream_id, e.revision
            LIMIT $5`,
    values: [from.stream, from.revision, cursor.target.transactionId, cursor.target.globalPosition, limit, ...(recordedAtOrBefore ? [recordedAtOrBefore] : [])],
  });
  return rows.map(bodyTupleToEvent);
}

class NotRunning extends Error {
  constructor(readonly state: string) {
    super(`not running (${state})`);
  }
}

class BulkPoison extends Error {
  constructor(
    readonly eventId: string,
    message: string,
  ) {
    super(message);
  }
}

/** One chunk: its rows and the cursor past it, in one transaction; the last one also moves the checkpoint to the target. */
async function writeChunk(
  ctx: BulkContext,
  writer: pg.PoolClient,
  expected: Cursor,
  next: Cursor,
  folded: unknown,
  events: number,
  last: boolean,
  firstEventId: string | null,
): Promise<void> {
  const outcome = await inTransaction<'ok' | { error: unknown }>(writer, ctx.schema, async () => {
    const row = await lockBulkRow(writer, ctx.name);
    if (row === 'busy') throw new BulkBusy();
    if (row.state !== 'running') throw new NotRunning(row.state);
    const cursor = cursorOf(row);
    if (!cursor || cursor.afterStream !== expected.afterStream || cursor.target.globalPosition !== expected.target.globalPosition) {
      throw new CheckpointConflictError(ctx.name, { transactionId: row.transaction_id, globalPosition: row.global_position });
    }
    try {
      await ctx.bulk.write(writer, folded);
    } catch (error) {
      if (isRetryable(error)) throw error;
      return { commit: false, value: { error } };
    }
    await writer.query({
      text: last
        ? `UPDATE projection_checkpoints SET transaction_id = $3::xid8, global_position = $4::bigint, events_processed = events_processed + $2,
                  bulk_target_transaction_id = NULL, bulk_target_position = NULL, bulk_after_stream = NULL, updated_at = now()
            WHERE name = $1`
        : `UPDATE projection_checkpoints SET bulk_after_stream = $3, events_processed = events_processed + $2, updated_at = now() WHERE name = $1`,
      values: last ? [ctx.name, events, next.target.transactionId, next.target.globalPosition] : [ctx.name, events, next.afterStream],
    });
    return { commit: true, value: 'ok' };
  });
  if (outcome === 'ok') {
    if (last) ctx.log(`projection ${ctx.name}: bulk build done, continuing in feed order from ${next.target.transactionId}/${next.target.globalPosition}`);
    return;
  }
  // The writes failed for good (the fold succeeded): name the chunk's first event, since no single event is to blame.
  const message =
    `${describeError(outcome.error)} [bulk build: writing the streams after ${JSON.stringify(expected.afterStream)} up to ${JSON.stringify(next.afterStream)} failed; ` +
    'the fold of each stream succeeded, so the rows it produced conflict with the tables]';
  await markBulkFailed(writer, ctx, firstEventId, message);
  throw new BulkPoison(firstEventId ?? '', message);
}

/** The fold threw: pins the stream and the event (the first whose prefix fails to fold), records the failure. */
async function stopOnPoison(ctx: BulkContext, writer: pg.PoolClient, cursor: Cursor, streams: readonly StreamHistory[], error: unknown, processed: number): Promise<BulkOutcome> {
  if (isRetryable(error)) throw error;
  let culprit: RecordedEventBody | null = null;
  let cause = error;
  search: for (const stream of streams) {
    for (let n = 1; n <= stream.events.length; n++) {
      try {
        ctx.bulk.fold([{ streamId: stream.streamId, events: stream.events.slice(0, n) }]);
      } catch (failure) {
        culprit = stream.events[n - 1]!;
        cause = failure;
        break search;
      }
    }
  }
  const event = culprit ?? streams.find((s) => s.events.length > 0)?.events[0] ?? null;
  const message = culprit
    ? `${describeError(cause)} [event ${culprit.type} ${culprit.streamId}@${culprit.revision}, global position ${culprit.globalPosition}; bulk build after stream ${JSON.stringify(cursor.afterStream)}]`
    : `${describeError(error)} [bulk build: the chunk after stream ${JSON.stringify(cursor.afterStream)} failed to fold, but no single stream fails alone]`;
  await inTransaction(writer, ctx.schema, async () => {
    const row = await lockBulkRow(writer, ctx.name);
    if (row === 'busy') throw new BulkBusy();
    return { commit: true, value: await markBulkFailed(writer, ctx, event?.eventId ?? null, message) };
  });
  ctx.log(`projection ${ctx.name} STOPPED (state failed) in its bulk build: ${message}. Fix it, then restart().`, error);
  return { kind: 'failed', processed, eventId: event?.eventId ?? '', error: message };
}

async function markBulkFailed(db: pg.PoolClient, ctx: BulkContext, eventId: string | null, message: string): Promise<void> {
  await db.query({
    text: `UPDATE projection_checkpoints SET state = 'failed', error = $2, failed_event_id = $3::uuid, updated_at = now() WHERE name = $1 AND state = 'running'`,
    values: [ctx.name, message, eventId],
  });
}
