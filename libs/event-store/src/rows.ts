import type { Checkpoint, RecordedEvent, RecordedEventBody } from './event-store.port.js';

/**
 * The event columns as selected everywhere (events table or fl_append_events result): bigints as decimal
 * text so they never lose precision whatever type parsers the pool was given.
 * TRAP: these aliases shadow the columns in ORDER BY, which would then sort TEXT ('1000' < '991'). Always
 * order by qualified columns (`FROM events e ... ORDER BY e.transaction_id, e.global_position`).
 */
export const EVENT_COLUMNS = `global_position::text AS global_position, transaction_id::text AS transaction_id,
  stream_id, revision::text AS revision, event_id::text AS event_id, type, schema_version, data, metadata,
  occurred_at, recorded_at, encode(hash, 'hex') AS hash`;

export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  occurred_at: Date;
  recorded_at: Date;
  hash: string;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.revision),
    globalPosition: row.global_position,
    transactionId: row.transaction_id,
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data: row.data,
    metadata: row.metadata,
    occurredAt: new Date(row.occurred_at),
    recordedAt: new Date(row.recorded_at),
    hash: row.hash,
  };
}

/**
 * The columns of a RecordedEventBody (no metadata, no hash), read with `rowMode: 'array'`, the two instants as
 * epoch milliseconds (float8) instead of timestamptz text: parsing the text was a tenth of a bulk build's Node
 * time. Truncated to the millisecond like the text parser (events postdate 1970, so floor = truncation).
 */
export const BODY_COLUMNS = `global_position::text AS global_position, transaction_id::text AS transaction_id,
  stream_id, revision::text AS revision, event_id::text AS event_id, type, schema_version, data,
  floor(extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_ms, floor(extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms`;

/** BODY_COLUMNS, in order, as a row read with `rowMode: 'array'` (no object per row). */
export type BodyTuple = [
  globalPosition: string,
  transactionId: string,
  streamId: string,
  revision: string,
  eventId: string,
  type: string,
  schemaVersion: number,
  data: unknown,
  occurredMs: number,
  recordedMs: number,
];

export function bodyTupleToEvent(row: BodyTuple): RecordedEventBody {
  return {
    eventId: row[4],
    streamId: row[2],
    revision: Number(row[3]),
    globalPosition: row[0],
    transactionId: row[1],
    type: row[5],
    schemaVersion: Number(row[6]),
    data: row[7],
    occurredAt: new Date(row[8]),
    recordedAt: new Date(row[9]),
  };
}

export function checkpointOfEvent(event: Pick<RecordedEvent, 'transactionId' | 'globalPosition'>): Checkpoint {
  return { transactionId: event.transactionId, globalPosition: event.globalPosition };
}

/** Orders checkpoints as the feed does: by transaction id, then global position. */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const byTransaction = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (byTransaction !== 0n) return byTransaction < 0n ? -1 : 1;
  const byPosition = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return byPosition === 0n ? 0 : byPosition < 0n ? -1 : 1;
}

const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

/** Checkpoints come from callers (stored in projection tables): refuse anything but unsigned decimals. */
export function assertCheckpoint(checkpoint: Checkpoint): Checkpoint {
  if (!DECIMAL.test(checkpoint.transactionId) || !DECIMAL.test(checkpoint.globalPosition)) {
    throw new TypeError(`Invalid checkpoint ${JSON.stringify(checkpoint)}: both fields must be unsigned decimal strings`);
  }
  return checkpoint;
}

export function assertDecimal(value: string, what: string): string {
  if (!DECIMAL.test(value)) throw new TypeError(`Invalid ${what} ${JSON.stringify(value)}: expected an unsigned decimal string`);
  return value;
}
