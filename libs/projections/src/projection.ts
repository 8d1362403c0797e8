import type pg from 'pg';
import type { RecordedEvent, RecordedEventBody } from '../../event-store/src/index.js';

/**
 * The client of the runner's batch transaction. The runner owns BEGIN/COMMIT/ROLLBACK and savepoints: a
 * projection only issues its own reads and writes (never transaction control, never another connection, or
 * its writes would escape the checkpoint's transaction).
 */
export type ProjectionTransaction = Pick<pg.ClientBase, 'query'>;

/**
 * A read model fed from the global event feed, exactly once: the runner calls `apply` with each batch of
 * events, in feed order, inside ONE transaction that also advances the projection's checkpoint. Either the
 * batch's writes and the new checkpoint commit together, or neither does.
 *
 * Write in bulk: fold the batch in memory first, then write it with a few set-based statements (multi-row
 * `INSERT ... SELECT FROM unnest($1::text[], ...) ON CONFLICT ... DO UPDATE`, one `UPDATE ... FROM unnest`,
 * COPY for insert-only rebuilds). Never one round trip per event: that is what makes catch-ups and rebuilds
 * crawl. Fold duplicates of a key before the upsert: one INSERT ... ON CONFLICT DO UPDATE cannot touch the
 * same row twice (PostgreSQL raises 21000), and the runner would report that batch as failed.
 *
 * `apply` must be deterministic over (database state, events): the runner replays a failed batch in smaller
 * pieces, inside a rolled-back transaction, to name the exact event that fails. A thrown error stops the
 * projection (state 'failed'); the event is never skipped. Connection and serialization errors are retried.
 */
export interface Projection {
  /** Unique, stable: the checkpoint row's key (and the leadership lock's). */
  readonly name: string;
  /** Events per batch (the runner's batchSize option overrides it; default 1000). */
  readonly batchSize?: number;
  apply(tx: ProjectionTransaction, events: readonly RecordedEvent[]): Promise<void>;
  /**
   * Optional split of `apply` into its reads and in-memory fold (`prepare`) and its writes (`write`), with
   * `apply(tx, e)` = `write(tx, await prepare(tx, e, { speculative: false }))`. With both, the runner pipelines a
   * catch-up: it prepares batch N+1 on another connection while batch N's writes run, so the fold and the
   * database work overlap. Speculatively, batch N's writes are not committed yet: `prepare` must refuse
   * (throw SpeculationFailedError) when what it read may predate them; the runner then prepares that batch
   * again in its own transaction. A speculative preparation may also be discarded unused (N failed).
   * `prepare` returns null when the batch changes nothing.
   */
  prepare?(db: ProjectionTransaction, events: readonly RecordedEvent[], options: { speculative: boolean }): Promise<unknown>;
  write?(tx: ProjectionTransaction, prepared: unknown): Promise<void>;
  /**
   * Optional: filling empty tables whole streams at a time (bulk-build.ts), used when a runner is given the
   * `bulk` option (a rebuild's new version, an isolated build). Must produce exactly the rows that `apply` over
   * the same events in feed order produces: the tests compare the two.
   */
  readonly bulk?: BulkBuild;
}

/**
 * Every event of one stream up to a bulk build's target, in revision order (upcast like apply's events), without
 * metadata and hash (RecordedEventBody): a bulk fold needs facts, not provenance.
 */
export interface StreamHistory {
  streamId: string;
  events: readonly RecordedEventBody[];
}

export interface BulkBuild {
  /** Folds whole streams, in memory, into what `write` writes; throws like apply on a poison event. */
  fold(streams: readonly StreamHistory[]): unknown;
  /**
   * Writes a fold in the runner's transaction. The tables hold exactly the streams of earlier folds (each
   * stream in one fold only), so plain inserts or COPY suffice; additive aggregates add up.
   */
  write(tx: ProjectionTransaction, folded: unknown): Promise<void>;
}

/** A speculative `prepare` read rows that the previous, uncommitted batch changes: prepare it again after that commit. */
export class SpeculationFailedError extends Error {
  constructor(
    readonly projection: string,
    readonly detail: string,
  ) {
    super(`projection ${projection}: speculative preparation read rows older than the batch before it (${detail})`);
    this.name = 'SpeculationFailedError';
  }
}
