import type pg from 'pg';
import { prepareAppend, readRevisions, recorded, type AssignedRow, type PreparedAppend } from './append.js';
import { ConcurrencyConflictError, type AppendResult, type RecordedEvent, type StreamAppend } from './event-store.port.js';
import { DuplicateEventIdError, InvalidAppendError, SQLSTATE, StaleTransactionOrderError, sqlState } from './errors.js';
import type { Queryable } from './queryable.js';

/** The arguments of fl_append_streams: every stream's append validated, documents flattened in stream order. */
export interface PreparedAppendMany {
  appends: PreparedAppend[];
  /** Per event: the 1-based index of its stream in `appends`. */
  eventStreams: number[];
  documents: string[];
}

export function prepareAppendMany(appends: readonly StreamAppend[]): PreparedAppendMany {
  if (!Array.isArray(appends) || appends.length === 0) throw new InvalidAppendError('appendMany: nothing to append');
  const seen = new Set<string>();
  const prepared: PreparedAppend[] = [];
  const eventStreams: number[] = [];
  const documents: string[] = [];
  appends.forEach((append, index) => {
    if (seen.has(append?.streamId)) {
      throw new InvalidAppendError(`appendMany: stream ${append.streamId} appears twice (give each stream's events in one entry)`);
    }
    seen.add(append?.streamId);
    const one = prepareAppend(append?.streamId, append?.events, append?.options);
    prepared.push(one);
    for (const document of one.documents) {
      eventStreams.push(index + 1);
      documents.push(document);
    }
  });
  return { appends: prepared, eventStreams, documents };
}

interface ManyRow extends AssignedRow {
  stream_id: string;
}

/**
 * One call of fl_append_streams on `db` (a pool, or a client inside the caller's transaction). Maps its
 * SQLSTATEs to the typed errors of a single append, naming the stream concerned; does not retry.
 */
export async function appendManyOnce(db: Queryable, prepared: PreparedAppendMany, notifyChannel: string | null): Promise<AppendResult[]> {
  const rows = await callAppendStreams<ManyRow>(
    db,
    prepared,
    notifyChannel,
    `SELECT stream_id, idempotent_replay, global_position::text AS global_position, transaction_id::text AS transaction_id,
            revision::text AS revision, recorded_at, encode(hash, 'hex') AS hash`,
    '',
  );
  const byStream = new Map<string, ManyRow[]>();
  for (const row of rows) {
    const list = byStream.get(row.stream_id);
    if (list) list.push(row);
    else byStream.set(row.stream_id, [row]);
  }
  const results: AppendResult[] = [];
  for (const append of prepared.appends) {
    const assigned = byStream.get(append.streamId);
    if (!assigned || assigned.length === 0) throw new Error(`fl_append_streams returned no events for stream ${append.streamId}`);
    const replay = assigned[0]!.idempotent_replay;
    // A replay returns the original append's events, which may differ from what this call carried: read them.
    const events: RecordedEvent[] = replay
      ? await readRevisions(db, append.streamId, Number(assigned[0]!.revision), Number(assigned[assigned.length - 1]!.revision))
      : assigned.map((row, i) => recorded(append.events[i]!, row));
    results.push({ streamId: append.streamId, events, nextExpectedRevision: events[events.length - 1]!.revision, idempotentReplay: replay });
  }
  return results;
}

/** What a bulk writer needs to know of one stream's append: not its events, only where the append ended. */
export interface StreamAppendSummary {
  streamId: string;
  /** The idempotency key was already used: nothing was appended, the positions are the original append's. */
  idempotentReplay: boolean;
  lastPosition: string;
  transactionId: string;
}

/**
 * appendManyOnce for writers that do not need the recorded events back (the import): one row per stream
 * instead of one per event, and a replay is not read back. Same checks, same errors, same transaction.
 */
export async function appendManySummaryOnce(db: Queryable, prepared: PreparedAppendMany, notifyChannel: string | null): Promise<StreamAppendSummary[]> {
  const rows = await callAppendStreams<{ stream_id: string; idempotent_replay: boolean; last_position: string; transaction_id: string }>(
    db,
    prepared,
    notifyChannel,
    `SELECT stream_id, bool_or(idempotent_replay) AS idempotent_replay, max(global_position)::text AS last_position,
            max(transaction_id)::text AS transaction_id`,
    'GROUP BY stream_id',
  );
  const byStream = new Map(rows.map((row) => [row.stream_id, row]));
  return prepared.appends.map((append) => {
    const row = byStream.get(append.streamId);
    if (!row) throw new Error(`fl_append_streams returned no events for stream ${append.streamId}`);
    return { streamId: append.streamId, idempotentReplay: row.idempotent_replay, lastPosition: row.last_position, transactionId: row.transaction_id };
  });
}

async function callAppendStreams<Row extends pg.QueryResultRow>(
  db: Queryable,
  prepared: PreparedAppendMany,
  notifyChannel: string | null,
  select: string,
  groupBy: string,
): Promise<Row[]> {
  const { appends, eventStreams, documents } = prepared;
  const expectations = appends.map(({ expected }) => (typeof expected === 'number' ? ['revision', String(expected)] : [expected, null]));
  try {
    const { rows } = await db.query<Row>({
      // A prepared statement per shape of the result.
      name: groupBy === '' ? 'fl_append_streams' : 'fl_append_streams_summary',
      text: `${select} FROM fl_append_streams($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::text, $7) ${groupBy}`,
      values: [
        appends.map((a) => a.streamId),
        expectations.map((e) => e[0]),
        expectations.map((e) => e[1]),
        appends.map((a) => a.idempotencyKey),
        eventStreams,
        // Canonical JSON has no raw newline (JSON escapes it inside strings): one text instead of a text[].
        documents.join('\n'),
        notifyChannel,
      ],
    });
    return rows;
  } catch (error) {
    throw translateAppendManyError(error, prepared);
  }
}

function streamAt(error: unknown, prepared: PreparedAppendMany): PreparedAppend | undefined {
  const index = /stream_index=(\d+)/.exec((error as { detail?: string }).detail ?? '');
  return index ? prepared.appends[Number(index[1]) - 1] : undefined;
}

function translateAppendManyError(error: unknown, prepared: PreparedAppendMany): unknown {
  switch (sqlState(error)) {
    case SQLSTATE.concurrencyConflict: {
      const append = streamAt(error, prepared);
      const actual = /actual_revision=(\d+)/.exec((error as { detail?: string }).detail ?? '');
      if (append) return new ConcurrencyConflictError(append.streamId, append.expected, actual ? Number(actual[1]) : Number.NaN);
      break;
    }
    case SQLSTATE.staleTransactionOrder:
      return new StaleTransactionOrderError(streamAt(error, prepared)?.streamId ?? '(unknown)', error);
    case SQLSTATE.invalidAppend:
      return new InvalidAppendError((error as Error).message);
    case SQLSTATE.uniqueViolation:
      if ((error as { constraint?: string }).constraint === 'events_event_id_key') {
        const detail = (error as { detail?: string }).detail ?? 'event_id';
        const id = /\(event_id\)=\(([0-9a-f-]+)\)/.exec(detail)?.[1];
        const owner = id ? prepared.appends.find((a) => a.events.some((e) => e.eventId === id)) : undefined;
        return new DuplicateEventIdError(owner?.streamId ?? '(one of the streams)', detail);
      }
  }
  return error;
}
