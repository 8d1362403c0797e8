import type { Checkpoint } from '../../event-store/src/index.js';
import type { Queryable } from '../../event-store/src/queryable.js';
import { assertCheckpoint } from '../../event-store/src/rows.js';

/** SQL over projection_checkpoints (see migrations/1732400000000-CreateProjectionCheckpoints.ts). */

/** 'retired': the checkpoint of a version that a blue/green swap replaced (or a rebuild given up): never runs again. */
export type ProjectionState = 'running' | 'stopped' | 'failed' | 'rebuilding' | 'retired';

/**
 * SQL expression resolving the text parameter `param` to a checkpoint row name: a versioned projection's plain
 * name means its ACTIVE version's checkpoint (projection_versions); any other name is a checkpoint name itself.
 */
export function resolvedCheckpointName(param: string): string {
  return `COALESCE((SELECT v.checkpoint_name FROM projection_versions v WHERE v.projection = ${param} AND v.state = 'active'), ${param})`;
}

export interface CheckpointRow {
  checkpoint: Checkpoint;
  state: ProjectionState;
}

/** Undefined table: the projections' migrations were not applied. */
const UNDEFINED_TABLE = '42P01';

export class ProjectionSchemaMissingError extends Error {
  constructor(cause: unknown) {
    super('Table projection_checkpoints does not exist: run the migrations with ALL_MIGRATIONS from libs/projections', { cause });
    this.name = 'ProjectionSchemaMissingError';
  }
}

export class UnknownProjectionError extends Error {
  constructor(readonly projection: string) {
    super(`Projection ${JSON.stringify(projection)} has no checkpoint row: its runner never started on this database`);
    this.name = 'UnknownProjectionError';
  }
}

/** The checkpoint moved under a batch that held its row lock: something wrote it without the lock. */
export class CheckpointConflictError extends Error {
  constructor(projection: string, expected: Checkpoint) {
    super(
      `Checkpoint of projection ${projection} is no longer ${expected.transactionId}/${expected.globalPosition} ` +
        '(or the projection left the running state): the batch was rolled back',
    );
    this.name = 'CheckpointConflictError';
  }
}

export function withSchemaHint<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw (error as { code?: string } | null)?.code === UNDEFINED_TABLE ? new ProjectionSchemaMissingError(error) : error;
  });
}

/**
 * Creates the row at the start of the feed unless it exists. ON CONFLICT is fine here: this is a checkpoint
 * row, not an event, and an existing row is exactly what we want to keep.
 */
export async function ensureCheckpointRow(db: Queryable, name: string): Promise<void> {
  await withSchemaHint(
    db.query({ text: `INSERT INTO projection_checkpoints (name, state) VALUES ($1, 'running') ON CONFLICT (name) DO NOTHING`, values: [name] }),
  );
}

/** Other projection names sharing this one's leadership lock key (hashtext is 32 bits): must be none. */
export async function namesSharingLockKey(db: Queryable, name: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>({
    text: `SELECT name FROM projection_checkpoints WHERE hashtext(name) = hashtext($1) AND name <> $1 ORDER BY name`,
    values: [name],
  });
  return rows.map((row) => row.name);
}

/**
 * The checkpoint's state, and whether the guarded feed has anything after it: the next event in feed order is
 * older than every running transaction. Fetching that one event (ORDER BY the feed index, LIMIT 1) keeps the plan on
 * the index whatever the estimates: written as EXISTS (... > checkpoint AND transaction_id < xmin), PostgreSQL
 * chose a sequential scan of the whole events table (it expected a match early), and every idle runner's poll
 * read all 2.4M events at 1M leads (0.8 to 1.6 s a poll, on the same cores as the rebuild it slowed).
 */
export const PEEK_CHECKPOINT_SQL = `SELECT c.transaction_id::text AS transaction_id, c.global_position::text AS global_position, c.state,
       COALESCE(n.transaction_id < pg_snapshot_xmin(pg_current_snapshot()), false) AS has_work
  FROM projection_checkpoints c
  LEFT JOIN LATERAL (SELECT e.transaction_id FROM events e
                      WHERE (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
                      ORDER BY e.transaction_id, e.global_position LIMIT 1) n ON true
 WHERE c.name = $1`;

/**
 * Without any lock: the state, and whether the guarded feed has anything after the checkpoint. Lets an idle
 * runner look without taking a row lock (which would assign a transaction id and dirty the row every poll).
 */
export async function peekCheckpoint(db: Queryable, name: string): Promise<(CheckpointRow & { hasWork: boolean }) | null> {
  const { rows } = await withSchemaHint(
    db.query<{ transaction_id: string; global_position: string; state: ProjectionState; has_work: boolean }>({
      name: 'fl_projection_peek',
      text: PEEK_CHECKPOINT_SQL,
      values: [name],
    }),
  );
  const row = rows[0];
  return row ? { ...toCheckpointRow(row), hasWork: row.has_work } : null;
}

/** Thrown by lockCheckpoint when another transaction holds the row (another runner is mid-batch). */
export const LOCK_NOT_AVAILABLE = '55P03';

/** Locks the row for the rest of the transaction, failing at once (55P03) if another transaction holds it. */
export async function lockCheckpoint(db: Queryable, name: string): Promise<CheckpointRow | null> {
  const { rows } = await db.query<{ transaction_id: string; global_position: string; state: ProjectionState }>({
    name: 'fl_projection_lock',
    text: `SELECT transaction_id::text AS transaction_id, global_position::text AS global_position, state
             FROM projection_checkpoints WHERE name = $1 FOR UPDATE NOWAIT`,
    values: [name],
  });
  return rows[0] ? toCheckpointRow(rows[0]) : null;
}

/**
 * Compare-and-set: moves the checkpoint only from where this batch read it. 0 rows means the row changed
 * under us, which the row lock should make impossible: throw, so the caller rolls the batch back.
 */
export async function advanceCheckpoint(db: Queryable, name: string, from: Checkpoint, to: Checkpoint, events: number): Promise<void> {
  const { rowCount } = await db.query({
    name: 'fl_projection_advance',
    text: `UPDATE projection_checkpoints
              SET transaction_id = $4::xid8, global_position = $5::bigint, events_processed = events_processed + $6, updated_at = now()
            WHERE name = $1 AND transaction_id = $2::xid8 AND global_position = $3::bigint AND state = 'running'`,
    values: [name, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition, events],
  });
  if (rowCount !== 1) throw new CheckpointConflictError(name, from);
}

/** Records a poison event; only if the checkpoint is still where the failed batch started. */
export async function markFailed(db: Queryable, name: string, at: Checkpoint, error: string, failedEventId: string): Promise<boolean> {
  const { rowCount } = await db.query({
    text: `UPDATE projection_checkpoints SET state = 'failed', error = $4, failed_event_id = $5::uuid, updated_at = now()
            WHERE name = $1 AND transaction_id = $2::xid8 AND global_position = $3::bigint AND state = 'running'`,
    values: [name, at.transactionId, at.globalPosition, error, failedEventId],
  });
  return rowCount === 1;
}

/**
 * Back to 'running' after a fix (from 'failed' or 'stopped'); clears the failure. The failed event is the
 * next one applied. Returns false when the projection was in neither state. A versioned projection's plain name
 * means its active version; a rebuild's checkpoint is named `<projection>@<version>`.
 */
export async function restartProjection(db: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await withSchemaHint(
    db.query({
      text: `UPDATE projection_checkpoints SET state = 'running', error = NULL, failed_event_id = NULL, updated_at = now()
              WHERE name = ${resolvedCheckpointName('$1')} AND state IN ('failed', 'stopped')`,
      values: [name],
    }),
  );
  if (rowCount === 0) await assertKnown(db, name);
  return rowCount === 1;
}

/** restartProjection for exactly this checkpoint row (no resolution of a versioned projection's plain name). */
export async function restartCheckpoint(db: Queryable, checkpointName: string): Promise<boolean> {
  const { rowCount } = await withSchemaHint(
    db.query({
      text: `UPDATE projection_checkpoints SET state = 'running', error = NULL, failed_event_id = NULL, updated_at = now()
              WHERE name = $1 AND state IN ('failed', 'stopped')`,
      values: [checkpointName],
    }),
  );
  if (rowCount === 0) await assertKnown(db, checkpointName);
  return rowCount === 1;
}

/** Pauses a running projection (operator action; plain names as for restartProjection); its runner keeps leadership and idles until restarted. */
export async function pauseProjection(db: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await withSchemaHint(
    db.query({
      text: `UPDATE projection_checkpoints SET state = 'stopped', updated_at = now() WHERE name = ${resolvedCheckpointName('$1')} AND state = 'running'`,
      values: [name],
    }),
  );
  if (rowCount === 0) await assertKnown(db, name);
  return rowCount === 1;
}

async function assertKnown(db: Queryable, name: string): Promise<void> {
  const { rows } = await db.query({ text: `SELECT 1 FROM projection_checkpoints WHERE name = ${resolvedCheckpointName('$1')}`, values: [name] });
  if (rows.length === 0) throw new UnknownProjectionError(name);
}

function toCheckpointRow(row: { transaction_id: string; global_position: string; state: ProjectionState }): CheckpointRow {
  return { checkpoint: assertCheckpoint({ transactionId: row.transaction_id, globalPosition: row.global_position }), state: row.state };
}
