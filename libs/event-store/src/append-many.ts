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
  const { appends, eventStreams, documents } = prepared;
  const expectations = appends.map(({ expected }) => (typeof expected === 'number' ? ['revision', String(expected)] : [expected, null]));
  let rows: ManyRow[];
  try {
    ({ rows } = await db.query<ManyRow>({
      name: 'fl_append_streams',
      text: `SELECT stream_id, idempotent_replay, global_position::text AS global_position, transaction_id::text AS transaction_id,
                    revision::text AS revision, recorded_at, encode(hash, 'hex') AS hash
               FROM fl_append_streams($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::text, $7)`,
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
    }));
  } catch (error) {
    throw translateAppendManyError(error, prepared);
  }
  const byStream = new Map<string, ManyRow[]>();
  for (const row of rows) {
    const list = byStream.get(row.stream_id);
    if (list) list.push(row);
    else byStream.set(row.stream_id, [row]);
  }
  const results: AppendResult[] = [];
  for (const append of appends) {
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
