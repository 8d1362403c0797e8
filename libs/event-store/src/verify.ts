import { canonicalEvent, eventHash } from './canonical-json.js';
import type { BrokenLink, VerificationReport } from './event-store.port.js';
import type { Queryable } from './queryable.js';

/** A BrokenLink with what was found: a changed event, a missing revision, or a stream head that disagrees. */
export interface BrokenLinkDetail extends BrokenLink {
  reason: 'hash_mismatch' | 'missing_revision' | 'head_mismatch';
  message: string;
}

export interface PostgresVerificationReport extends VerificationReport {
  firstBrokenLink: BrokenLinkDetail | null;
}

/** One stored event with its stream's head (streams.version, streams.last_hash), as the verifier reads it. */
export interface ChainRow {
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  occurred_at: Date;
  hash: string;
  stream_version: string;
  stream_last_hash: string | null;
}

/**
 * Recomputes hash chains from rows ordered by (stream, revision), one row at a time (constant memory), and
 * keeps the first broken link: a stored hash that differs from sha256(previous stored hash || canonical
 * JSON rebuilt from the columns), a revision missing from the sequence, or a stream whose head
 * (streams.version / last_hash) does not match its last event (events removed from the end).
 */
export class ChainVerifier {
  streamsChecked = 0;
  eventsChecked = 0;
  broken: BrokenLinkDetail | null = null;
  private stream: { id: string; nextRevision: number; previousHash: string | null; head: { version: number; lastHash: string | null } } | null = null;

  /** Returns false once a broken link was found (the caller can stop reading). */
  push(row: ChainRow): boolean {
    if (this.broken) return false;
    if (this.stream?.id !== row.stream_id) {
      if (!this.closeStream()) return false;
      this.streamsChecked++;
      this.stream = {
        id: row.stream_id,
        nextRevision: 1,
        previousHash: null,
        head: { version: Number(row.stream_version), lastHash: row.stream_last_hash },
      };
    }
    const stream = this.stream!;
    const revision = Number(row.revision);
    const expectedHash = eventHash(
      stream.previousHash,
      canonicalEvent({
        eventId: row.event_id,
        streamId: row.stream_id,
        type: row.type,
        schemaVersion: Number(row.schema_version),
        data: row.data,
        metadata: row.metadata,
        occurredAt: new Date(row.occurred_at),
      }),
    );
    this.eventsChecked++;
    const link = { streamId: row.stream_id, revision, eventId: row.event_id, expectedHash, storedHash: row.hash };
    if (revision !== stream.nextRevision) {
      const missing = revision - 1 === stream.nextRevision ? `${stream.nextRevision}` : `${stream.nextRevision}..${revision - 1}`;
      return this.fail({ ...link, reason: 'missing_revision', message: `stream ${row.stream_id}: revision ${missing} is missing before revision ${revision}` });
    }
    if (expectedHash !== row.hash) {
      return this.fail({ ...link, reason: 'hash_mismatch', message: `stream ${row.stream_id} revision ${revision}: the stored hash does not match the event's content and chain` });
    }
    stream.previousHash = row.hash;
    stream.nextRevision++;
    return true;
  }

  /** Call after the last row: checks the head of the last stream. */
  endOfRows(): void {
    this.closeStream();
  }

  report(): PostgresVerificationReport {
    return { ok: this.broken === null, streamsChecked: this.streamsChecked, eventsChecked: this.eventsChecked, firstBrokenLink: this.broken };
  }

  /** Records a stream that has a head (version > 0) but no events at all. */
  streamWithoutEvents(streamId: string, version: number, lastHash: string | null): void {
    if (this.broken) return;
    this.streamsChecked++;
    this.fail({
      streamId,
      revision: 1,
      eventId: '',
      expectedHash: lastHash ?? '',
      storedHash: '',
      reason: 'missing_revision',
      message: `stream ${streamId} is at revision ${version} but none of its events is stored`,
    });
  }

  private closeStream(): boolean {
    const stream = this.stream;
    this.stream = null;
    if (!stream || this.broken) return !this.broken;
    const lastRevision = stream.nextRevision - 1;
    if (stream.head.version !== lastRevision || stream.head.lastHash !== stream.previousHash) {
      const missing = stream.head.version > lastRevision;
      return this.fail({
        streamId: stream.id,
        revision: missing ? lastRevision + 1 : lastRevision,
        eventId: '',
        expectedHash: stream.head.lastHash ?? '',
        storedHash: stream.previousHash ?? '',
        reason: missing ? 'missing_revision' : 'head_mismatch',
        message: missing
          ? `stream ${stream.id} is at revision ${stream.head.version} but its events end at revision ${lastRevision}`
          : `stream ${stream.id}: the head (revision ${stream.head.version}) does not match the last stored event (revision ${lastRevision})`,
      });
    }
    return true;
  }

  private fail(link: BrokenLinkDetail): false {
    this.broken = link;
    return false;
  }
}

const CHAIN_COLUMNS = `e.stream_id, e.revision::text AS revision, e.event_id::text AS event_id, e.type, e.schema_version,
  e.data, e.metadata, e.occurred_at, encode(e.hash, 'hex') AS hash,
  s.version::text AS stream_version, encode(s.last_hash, 'hex') AS stream_last_hash`;

const BATCH = 2000;

export interface VerifyChainsOptions {
  /** Called after each batch of (at most 2,000) events with the running totals (e.g. a progress line). */
  onProgress?: (eventsChecked: number, streamsChecked: number) => void;
  /** Checked between batches: an aborted verification rolls back and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Verifies one stream, or every stream, inside one REPEATABLE READ READ ONLY transaction: the keyset batches
 * and the stream heads then come from a single snapshot, so concurrent appends cannot look like tampering.
 * A read-only transaction takes no transaction id, so it does not hold back feed readers meanwhile.
 */
export async function verifyChains(
  connect: () => Promise<Queryable & { release(): void }>,
  streamId: string | null,
  options: VerifyChainsOptions = {},
): Promise<PostgresVerificationReport> {
  const client = await connect();
  try {
    await client.query({ text: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' });
    const verifier = new ChainVerifier();
    let after = { streamId: streamId ?? '', revision: '0' };
    for (;;) {
      options.signal?.throwIfAborted();
      const { rows } = await client.query<ChainRow>(
        streamId === null
          ? {
              text: `SELECT ${CHAIN_COLUMNS} FROM events e JOIN streams s ON s.stream_id = e.stream_id
                      WHERE (e.stream_id, e.revision) > ($1, $2::bigint) ORDER BY e.stream_id, e.revision LIMIT $3`,
              values: [after.streamId, after.revision, BATCH],
            }
          : {
              text: `SELECT ${CHAIN_COLUMNS} FROM events e JOIN streams s ON s.stream_id = e.stream_id
                      WHERE e.stream_id = $1 AND e.revision > $2::bigint ORDER BY e.revision LIMIT $3`,
              values: [streamId, after.revision, BATCH],
            },
      );
      const intact = rows.every((row) => verifier.push(row));
      options.onProgress?.(verifier.eventsChecked, verifier.streamsChecked);
      if (!intact || rows.length < BATCH) break;
      const last = rows[rows.length - 1]!;
      after = { streamId: last.stream_id, revision: last.revision };
    }
    verifier.endOfRows();
    await findStreamWithoutEvents(client, verifier, streamId);
    const report = verifier.report();
    await client.query({ text: 'COMMIT' });
    return report;
  } catch (error) {
    await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Streams whose head says they have events but none is stored; only those before an earlier finding count. */
async function findStreamWithoutEvents(db: Queryable, verifier: ChainVerifier, streamId: string | null): Promise<void> {
  const before = verifier.broken?.streamId ?? null;
  const { rows } = await db.query<{ stream_id: string; version: string; last_hash: string | null }>({
    text: `SELECT s.stream_id, s.version::text AS version, encode(s.last_hash, 'hex') AS last_hash FROM streams s
            WHERE s.version > 0 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = s.stream_id)
              AND ($1::text IS NULL OR s.stream_id = $1) AND ($2::text IS NULL OR s.stream_id < $2)
            ORDER BY s.stream_id LIMIT 1`,
    values: [streamId, before],
  });
  const found = rows[0];
  if (!found) return;
  verifier.broken = null; // this stream comes first in stream order
  verifier.streamWithoutEvents(found.stream_id, Number(found.version), found.last_hash);
}
