import { canonicalEvent, canonicalJson } from './canonical-json.js';
import {
  ConcurrencyConflictError,
  type AppendOptions,
  type AppendResult,
  type EventMetadata,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from './event-store.port.js';
import { DuplicateEventIdError, InvalidAppendError, SQLSTATE, StaleTransactionOrderError, sqlState } from './errors.js';
import type { Queryable } from './queryable.js';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from './rows.js';
import { uuidv7 } from './uuid-v7.js';

/** The arguments of fl_append_events, validated, with the canonical JSON document of every event. */
export interface PreparedAppend {
  streamId: string;
  expected: ExpectedRevision;
  idempotencyKey: string | null;
  /** The events as they will be stored (ids assigned, metadata completed), in order. */
  events: NormalizedEvent[];
  documents: string[];
}

export type NormalizedEvent = ReturnType<typeof normalizeEvent>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ACTOR_TYPES = new Set(['user', 'system', 'import']);

export function prepareAppend(streamId: string, events: NewEvent[], options: AppendOptions): PreparedAppend {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new InvalidAppendError('The stream id must be a non-empty string');
  if (!Array.isArray(events) || events.length === 0) throw new InvalidAppendError(`Nothing to append to stream ${streamId}`);
  const expected = options?.expectedRevision;
  if (!(expected === 'any' || expected === 'no_stream' || (Number.isSafeInteger(expected) && (expected as number) >= 0))) {
    throw new InvalidAppendError(`Invalid expectedRevision ${JSON.stringify(expected)} for stream ${streamId}: 'any', 'no_stream' or a revision >= 0`);
  }
  const idempotencyKey = options.idempotencyKey ?? null;
  if (idempotencyKey !== null && (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0)) {
    throw new InvalidAppendError(`The idempotency key of an append to stream ${streamId} must be a non-empty string`);
  }
  // Events of one append usually share one metadata object (an import, a command): normalize it, and write its
  // canonical JSON, once per distinct object of this call.
  const metadataOf = new Map<unknown, EventMetadata>();
  const metadataText = new Map<EventMetadata, string>();
  const normalized = events.map((event, index) => normalizeEvent(streamId, event, index, idempotencyKey, metadataOf));
  const documents = normalized.map((event) => {
    let text = metadataText.get(event.metadata);
    if (text === undefined) metadataText.set(event.metadata, (text = canonicalJson(event.metadata)));
    return canonicalEvent(event, text);
  });
  return { streamId, expected, idempotencyKey, events: normalized, documents };
}

function normalizeEvent(streamId: string, event: NewEvent, index: number, idempotencyKey: string | null, metadataOf = new Map<unknown, EventMetadata>()) {
  const where = `event #${index + 1} of the append to stream ${streamId}`;
  if (typeof event?.type !== 'string' || event.type.length === 0) throw new InvalidAppendError(`The type of ${where} must be a non-empty string`);
  if (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 1 || event.schemaVersion > 2_147_483_647) {
    throw new InvalidAppendError(`The schemaVersion of ${where} must be a positive integer`);
  }
  if (!(event.occurredAt instanceof Date) || Number.isNaN(event.occurredAt.getTime())) {
    throw new InvalidAppendError(`The occurredAt of ${where} must be a valid Date`);
  }
  const year = event.occurredAt.getUTCFullYear();
  if (year < 1 || year > 9999) throw new InvalidAppendError(`The occurredAt of ${where} must lie in the years 1 to 9999`);
  if (event.data === undefined) throw new InvalidAppendError(`The data of ${where} is undefined (use null for no data)`);
  const eventId = event.eventId === undefined ? uuidv7() : event.eventId.toLowerCase();
  if (!UUID.test(eventId)) throw new InvalidAppendError(`The eventId of ${where} is not a UUID: ${event.eventId}`);
  let metadata = metadataOf.get(event.metadata);
  if (metadata === undefined) {
    const { actor, correlationId, causationId } = event.metadata ?? ({} as NewEvent['metadata']);
    if (!actor || !ACTOR_TYPES.has(actor.type) || typeof actor.id !== 'string') {
      throw new InvalidAppendError(`The metadata.actor of ${where} must be { type: 'user' | 'system' | 'import', id: string }`);
    }
    metadata = {
      ...event.metadata,
      correlationId: correlationId ?? null,
      causationId: causationId ?? null,
      idempotencyKey,
    };
    metadataOf.set(event.metadata, metadata);
  }
  return { eventId, streamId, type: event.type, schemaVersion: event.schemaVersion, data: event.data, metadata, occurredAt: event.occurredAt };
}

/**
 * One call of fl_append_events on `db` (a pool, or a client inside the caller's transaction). Maps the
 * function's SQLSTATEs to typed errors; does not retry.
 */
export async function appendOnce(db: Queryable, prepared: PreparedAppend, notifyChannel: string | null): Promise<AppendResult> {
  const { streamId, expected, idempotencyKey, documents } = prepared;
  const [kind, revision] = typeof expected === 'number' ? ['revision', String(expected)] : [expected, null];
  let rows: AssignedRow[];
  try {
    ({ rows } = await db.query<AssignedRow>({
      name: 'fl_append_events',
      text: `SELECT idempotent_replay, global_position::text AS global_position, transaction_id::text AS transaction_id,
                    revision::text AS revision, recorded_at, encode(hash, 'hex') AS hash
               FROM fl_append_events($1, $2, $3, $4, $5::text[], $6)`,
      values: [streamId, kind, revision, idempotencyKey, documents, notifyChannel],
    }));
  } catch (error) {
    throw translateAppendError(error, prepared);
  }
  const first = rows[0];
  if (!first) throw new Error(`fl_append_events returned no events for stream ${streamId}`);
  // A replay returns the original append's events, which may differ from what this call carried: read them.
  const events = first.idempotent_replay
    ? await readRevisions(db, streamId, Number(first.revision), Number(rows[rows.length - 1]!.revision))
    : rows.map((row, i) => recorded(prepared.events[i]!, row));
  return { streamId, events, nextExpectedRevision: events[events.length - 1]!.revision, idempotentReplay: first.idempotent_replay };
}

/** What fl_append_events assigns to each event; everything else is in the document the caller sent. */
export interface AssignedRow {
  idempotent_replay: boolean;
  global_position: string;
  transaction_id: string;
  revision: string;
  recorded_at: Date;
  hash: string;
}

/**
 * The recorded event from what was sent plus what the server assigned. `data` is the caller's value: the stored
 * jsonb holds the same JSON (a read returns an equal value for the JSON data events carry).
 */
export function recorded(event: NormalizedEvent, row: AssignedRow): RecordedEvent {
  return {
    eventId: event.eventId,
    streamId: event.streamId,
    revision: Number(row.revision),
    globalPosition: row.global_position,
    transactionId: row.transaction_id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    occurredAt: event.occurredAt,
    recordedAt: new Date(row.recorded_at),
    hash: row.hash,
  };
}

export async function readRevisions(db: Queryable, streamId: string, from: number, to: number): Promise<RecordedEvent[]> {
  const { rows } = await db.query<EventRow>({
    name: 'fl_read_revisions',
    text: `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.stream_id = $1 AND e.revision BETWEEN $2 AND $3 ORDER BY e.revision`,
    values: [streamId, from, to],
  });
  return rows.map(toRecordedEvent);
}

function translateAppendError(error: unknown, { streamId, expected }: PreparedAppend): unknown {
  switch (sqlState(error)) {
    case SQLSTATE.concurrencyConflict: {
      const actual = /actual_revision=(\d+)/.exec((error as { detail?: string }).detail ?? '');
      return new ConcurrencyConflictError(streamId, expected, actual ? Number(actual[1]) : Number.NaN);
    }
    case SQLSTATE.staleTransactionOrder:
      return new StaleTransactionOrderError(streamId, error);
    case SQLSTATE.invalidAppend:
      return new InvalidAppendError((error as Error).message);
    case SQLSTATE.uniqueViolation:
      if ((error as { constraint?: string }).constraint === 'events_event_id_key') {
        return new DuplicateEventIdError(streamId, (error as { detail?: string }).detail ?? 'event_id');
      }
  }
  return error;
}

/**
 * Runs `attempt` again while it fails with StaleTransactionOrderError: each try is a new transaction and so
 * gets a newer transaction id, so a handful of tries suffice; a persistent failure is reported, not looped on.
 */
export async function withStaleOrderRetries<T>(attempt: () => Promise<T>, retries: number): Promise<T> {
  for (let tried = 0; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleTransactionOrderError)) throw error;
      if (tried >= retries) {
        throw new Error(`Append to stream ${error.streamId} still hit a stale transaction order after ${retries} retries`, { cause: error });
      }
    }
  }
}
