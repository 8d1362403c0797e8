import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Checkpoint, EventBatch, RecordedEvent, Upcaster } from '../../event-store/src/index.js';
import type { Queryable } from '../../event-store/src/queryable.js';
import { EVENT_COLUMNS, checkpointOfEvent, toRecordedEvent, type EventRow } from '../../event-store/src/rows.js';
import { backoffDelay } from '../../event-store/src/wakeable-sleep.js';
import { describeError, isRetryable } from './failures.js';
import { LeaderConnection } from './leadership.js';
import type { Projection } from './projection.js';
import { ProjectionRunner } from './projection-runner.js';
import { dropSchema, ident, inTransaction as inSqlTransaction } from './sql.js';
import { completeBuildTables, createVersionTables } from './version-tables.js';
import { activeVersionOf, versionTables } from './versions.js';

/**
 * Isolated builds: a projection replayed from the start of the ledger into a schema of its own that no live
 * reader sees (what-if scenarios under another funnel definition; as-of builds from the events recorded at or
 * before an instant). The registry is the table isolated_builds (migration CreateIsolatedBuilds1732487000000 in
 * libs/read-models).
 *
 * - The tables are created `LIKE` the live version's tables (migrations stay the only source of their shapes).
 * - The replay is bounded by a target fixed at creation: the head of the guarded feed then. Later events are
 *   not in the build; an as-of build also skips events recorded after its instant.
 * - It runs through a ProjectionRunner on its own checkpoint row (`isolated:<id>`, left out of
 *   projectionStatus), one batch transaction at a time with `search_path` set to its schema, so it can never
 *   write the live tables; progress is that checkpoint's events_processed.
 * - One process drives it at a time (the advisory lock of its checkpoint name); after a crash, a process that
 *   finds it RUNNING with the lock free resumes it from its checkpoint.
 */

export type IsolatedBuildKind = 'SCENARIO' | 'AS_OF';
export type IsolatedBuildStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface IsolatedBuild {
  id: string;
  kind: IsolatedBuildKind;
  projection: string;
  name: string;
  /** The document the projection instance is built from (e.g. a validated funnel definition). */
  definition: unknown;
  definitionRef: string;
  status: IsolatedBuildStatus;
  schema: string;
  checkpoint: string;
  /** The last event of the feed the build replays (the feed head when it started). */
  target: Checkpoint;
  asOf: Date | null;
  totalEvents: number;
  processedEvents: number;
  error: string | null;
  createdBy: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  lastUsedAt: Date;
}

/** Prefix of isolated builds' checkpoint rows (projectionStatus leaves them out: they are not live projections). */
export const ISOLATED_CHECKPOINT_PREFIX = 'isolated:';

export class IsolatedBuildNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(readonly id: string) {
    super(`No scenario or build with id ${JSON.stringify(id)}`);
    this.name = 'IsolatedBuildNotFoundError';
  }
}

/** A running build cannot be deleted: cancel it first. */
export class IsolatedBuildRunningError extends Error {
  readonly code = 'SCENARIO_RUNNING';
  constructor(readonly id: string) {
    super(`Scenario ${id} is still running: cancel it first (cancelScenario), then delete it`);
    this.name = 'IsolatedBuildRunningError';
  }
}

interface BuildRow {
  id: string;
  kind: IsolatedBuildKind;
  projection: string;
  name: string;
  definition: unknown;
  definition_ref: string;
  status: IsolatedBuildStatus;
  schema_name: string;
  checkpoint_name: string;
  target_transaction_id: string;
  target_position: string;
  as_of: Date | null;
  total_events: string;
  processed_events: string;
  error: string | null;
  created_by: string | null;
  started_at: Date;
  finished_at: Date | null;
  last_used_at: Date;
}

// processed_events: the checkpoint's count while running (it commits with each batch), the stored one after.
const BUILD_COLUMNS = `b.id, b.kind, b.projection, b.name, b.definition, b.definition_ref, b.status, b.schema_name, b.checkpoint_name,
  b.target_transaction_id::text AS target_transaction_id, b.target_position::text AS target_position, b.as_of,
  b.total_events::text AS total_events,
  (CASE WHEN b.status = 'RUNNING' THEN COALESCE(c.events_processed, b.processed_events) ELSE b.processed_events END)::text AS processed_events,
  b.error, b.created_by, b.started_at, b.finished_at, b.last_used_at`;
const FROM_BUILDS = `isolated_builds b LEFT JOIN projection_checkpoints c ON c.name = b.checkpoint_name`;

function toBuild(row: BuildRow): IsolatedBuild {
  return {
    id: row.id,
    kind: row.kind,
    projection: row.projection,
    name: row.name,
    definition: row.definition,
    definitionRef: row.definition_ref,
    status: row.status,
    schema: row.schema_name,
    checkpoint: row.checkpoint_name,
    target: { transactionId: row.target_transaction_id, globalPosition: row.target_position },
    asOf: row.as_of,
    totalEvents: Number(row.total_events),
    processedEvents: Number(row.processed_events),
    error: row.error,
    createdBy: row.created_by,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    lastUsedAt: row.last_used_at,
  };
}

/** One build (null: unknown id). */
export async function isolatedBuild(db: Queryable, id: string): Promise<IsolatedBuild | null> {
  const { rows } = await db.query<BuildRow>({ text: `SELECT ${BUILD_COLUMNS} FROM ${FROM_BUILDS} WHERE b.id = $1`, values: [id] });
  return rows[0] ? toBuild(rows[0]) : null;
}

/** Builds of a kind (all statuses, or those given), newest first. */
export async function isolatedBuilds(db: Queryable, kind: IsolatedBuildKind, statuses?: readonly IsolatedBuildStatus[]): Promise<IsolatedBuild[]> {
  const { rows } = await db.query<BuildRow>({
    text: `SELECT ${BUILD_COLUMNS} FROM ${FROM_BUILDS} WHERE b.kind = $1 AND ($2::text[] IS NULL OR b.status = ANY($2::text[]))
            ORDER BY b.started_at DESC, b.id`,
    values: [kind, statuses ? [...statuses] : null],
  });
  return rows.map(toBuild);
}

/**
 * Waits (at most `limitMs`) until every transaction that was running when it was called has ended. The feed's
 * head is guarded: it stops before the oldest transaction still in flight, so right after a write, a concurrent
 * transaction (a projection's batch, say) can hold the newest committed events back for a moment. A build's
 * target is taken after this wait, so it holds every write acknowledged before the build was asked for. A
 * transaction open for longer than the limit only holds back what it holds back (totalEvents says what is in).
 */
async function awaitTransactionsBefore(pool: pg.Pool, limitMs: number): Promise<void> {
  const { rows } = await pool.query<{ xmax: string }>(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
  const deadline = Date.now() + limitMs;
  for (;;) {
    const { rows: now } = await pool.query<{ settled: boolean }>({
      text: `SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS settled`,
      values: [rows[0]!.xmax],
    });
    if (now[0]!.settled || Date.now() >= deadline) return;
    await sleep(10);
  }
}

export interface CreateIsolatedBuildSpec {
  kind: IsolatedBuildKind;
  /** The projection whose tables are copied (its live version's schema is `sourceSchema`). */
  projection: string;
  /** The live version's schema: the new tables are created LIKE its tables. */
  sourceSchema: string;
  name: string;
  definition: unknown;
  definitionRef: string;
  /** AS_OF: replay only the events recorded at or before this instant. */
  asOf?: Date | null;
  /** How long to wait for transactions in flight to end before taking the target (ms, default 5000). */
  settleMs?: number;
  createdBy?: string | null;
}

/**
 * Registers a build and creates its empty tables, in ONE transaction: the target is the guarded feed's head
 * now, totalEvents the events up to it (recorded at or before asOf for an as-of build), schema
 * `scenario_<id>` / `asof_<id>` with `CREATE TABLE ... (LIKE <sourceSchema>.<t> ...)` for every table of the live
 * version (keys only: its other indexes are built when the replay completes), a checkpoint row `isolated:<id>` at the start of the feed. Status RUNNING:
 * drive it with runIsolatedBuild. An as-of build for the same (definition, asOf) already RUNNING or COMPLETED
 * violates isolated_builds_as_of_key (SQLSTATE 23505): the caller uses that one.
 */
export async function createIsolatedBuild(pool: pg.Pool, spec: CreateIsolatedBuildSpec): Promise<IsolatedBuild> {
  const id = randomBytes(6).toString('hex');
  const schema = `${spec.kind === 'SCENARIO' ? 'scenario' : 'asof'}_${id}`;
  const checkpoint = `${ISOLATED_CHECKPOINT_PREFIX}${id}`;
  const asOf = spec.asOf ?? null;
  await awaitTransactionsBefore(pool, spec.settleMs ?? 5000);
  return inTransaction(pool, async (client) => {
    const { rows: heads } = await client.query<{ transaction_id: string; global_position: string }>(
      `SELECT e.transaction_id::text AS transaction_id, e.global_position::text AS global_position FROM events e
        WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1`,
    );
    const target: Checkpoint = heads[0] ? { transactionId: heads[0].transaction_id, globalPosition: heads[0].global_position } : { transactionId: '0', globalPosition: '0' };
    const { rows: counted } = await client.query<{ n: string }>({
      text: `SELECT count(*)::text AS n FROM events e
              WHERE (e.transaction_id, e.global_position) <= ($1::xid8, $2::bigint) AND ($3::timestamptz IS NULL OR e.recorded_at <= $3::timestamptz)`,
      values: [target.transactionId, target.globalPosition, asOf],
    });
    const tables = await versionTables(client, spec.sourceSchema);
    if (tables.length === 0) throw new Error(`createIsolatedBuild: schema ${spec.sourceSchema} has no tables to copy`);
    await client.query(`CREATE SCHEMA ${ident(schema)}`);
    // Keys only while replaying; the other indexes are built once at the end (version-tables.ts).
    await createVersionTables(client, spec.sourceSchema, schema, tables);
    await client.query({ text: `INSERT INTO projection_checkpoints (name, state) VALUES ($1, 'running')`, values: [checkpoint] });
    const { rows } = await client.query<BuildRow>({
      text: `WITH b AS (
               INSERT INTO isolated_builds (id, kind, projection, name, definition, definition_ref, status, schema_name, checkpoint_name,
                                            target_transaction_id, target_position, as_of, total_events, created_by)
               VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'RUNNING', $7, $8, $9::xid8, $10::bigint, $11, $12::bigint, $13)
               RETURNING *)
             SELECT ${BUILD_COLUMNS} FROM b LEFT JOIN projection_checkpoints c ON c.name = b.checkpoint_name`,
      values: [
        id,
        spec.kind,
        spec.projection,
        spec.name,
        JSON.stringify(spec.definition),
        spec.definitionRef,
        schema,
        checkpoint,
        target.transactionId,
        target.globalPosition,
        asOf,
        counted[0]!.n,
        spec.createdBy ?? null,
      ],
    });
    return { rollback: false, value: toBuild(rows[0]!) };
  });
}

/**
 * Reads the feed for an isolated build: events after `after`, up to the build's target, and (as-of) recorded
 * at or before its instant. The target's events all committed before the build started, so no snapshot guard
 * is needed: nothing can appear behind it.
 */
export function boundedFeed(target: Checkpoint, recordedAtOrBefore: Date | null) {
  return async (db: Queryable, after: Checkpoint, limit: number): Promise<EventBatch | null> => {
    const { rows } = await db.query<EventRow>({
      name: recordedAtOrBefore ? 'fl_read_feed_bounded_as_of' : 'fl_read_feed_bounded',
      text: recordedAtOrBefore
        ? `SELECT ${EVENT_COLUMNS} FROM events e
            WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint) AND (e.transaction_id, e.global_position) <= ($3::xid8, $4::bigint)
              AND e.recorded_at <= $6::timestamptz
            ORDER BY e.transaction_id, e.global_position LIMIT $5`
        : `SELECT ${EVENT_COLUMNS} FROM events e
            WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint) AND (e.transaction_id, e.global_position) <= ($3::xid8, $4::bigint)
            ORDER BY e.transaction_id, e.global_position LIMIT $5`,
      values: [after.transactionId, after.globalPosition, target.transactionId, target.globalPosition, limit, ...(recordedAtOrBefore ? [recordedAtOrBefore] : [])],
    });
    const events: RecordedEvent[] = rows.map(toRecordedEvent);
    const last = events[events.length - 1];
    return last ? { events, checkpoint: checkpointOfEvent(last) } : null;
  };
}

export interface RunIsolatedBuildOptions {
  /** Aborting cancels the build (status CANCELLED, schema dropped) after the batch in flight. */
  signal?: AbortSignal;
  /** Aborting stops driving it after the batch in flight, leaving it RUNNING (process shutdown: another process resumes it). */
  stop?: AbortSignal;
  /** Events per batch transaction (default: the projection's). */
  batchSize?: number;
  upcast?: Upcaster;
  /** Called after every batch with the events applied so far and the total. */
  onProgress?: (processed: number, total: number) => void;
  log?: (message: string, error?: unknown) => void;
  /** Transient failures (connection loss, deadlocks) retried in a row before the build is marked FAILED (default 8). */
  maxRetries?: number;
}

/** 'busy': another process drives this build (it holds the lock); otherwise its status when this call ended (RUNNING: stopped). */
export type RunIsolatedBuildOutcome = IsolatedBuildStatus | 'busy';

/**
 * Drives a RUNNING build to its end in this process, holding its advisory lock (the leadership lock of its
 * checkpoint name) on a dedicated session: batches through a ProjectionRunner on the build's checkpoint and
 * schema until nothing is left up to the target, then ANALYZE and COMPLETED (checkpoint retired). A poison
 * event marks it FAILED (schema dropped, error kept); a cancel from any process (cancelIsolatedBuild) stops it
 * at the next batch. Resolves with the final status, or 'busy' when another process holds the lock.
 */
export async function runIsolatedBuild(pool: pg.Pool, build: IsolatedBuild, projection: Projection, options: RunIsolatedBuildOptions = {}): Promise<RunIsolatedBuildOutcome> {
  const log = options.log ?? ((message, error) => console.warn(`[isolated-builds] ${message}`, error ?? ''));
  const leader = new LeaderConnection(pool.options, build.checkpoint, 'fl_events', () => undefined, () => undefined);
  try {
    if (!(await leader.tryAcquire())) return 'busy';
    const current = await isolatedBuild(pool, build.id);
    if (!current) throw new IsolatedBuildNotFoundError(build.id);
    if (current.status !== 'RUNNING') return current.status;
    const runner = new ProjectionRunner(pool, projection, {
      version: { checkpoint: build.checkpoint, schema: build.schema },
      readBatch: boundedFeed(build.target, build.asOf),
      // Nobody reads the build's tables until it completes: stream by stream up to the target, then nothing is left.
      bulk: { target: build.target, recordedAtOrBefore: build.asOf },
      batchSize: options.batchSize,
      upcast: options.upcast,
      log,
    });
    let processed = current.processedEvents;
    let failures = 0;
    options.onProgress?.(processed, build.totalEvents);
    for (;;) {
      if (options.signal?.aborted) {
        await cancelIsolatedBuild(pool, build.id);
        return 'CANCELLED';
      }
      if (options.stop?.aborted) return 'RUNNING';
      if (leader.lost) return 'RUNNING'; // the lock session ended: whoever takes the lock next resumes it
      let result;
      try {
        // Pipelined batches while nobody asks it to stop; progress after every committed batch.
        result = await runner.catchUpUntil(
          () => !options.signal?.aborted && !options.stop?.aborted && !leader.lost,
          (events) => {
            processed += events;
            options.onProgress?.(processed, build.totalEvents);
          },
        );
        failures = 0;
      } catch (error) {
        failures++;
        if (!isRetryable(error) || failures > (options.maxRetries ?? 8)) {
          await markBuildFailed(pool, build, describeError(error));
          return 'FAILED';
        }
        log(`isolated build ${build.id}: batch failed (attempt ${failures}), retrying`, error);
        await sleep(backoffDelay(failures));
        continue;
      }
      if (result.busy) {
        await sleep(20);
        continue;
      }
      if (result.state !== 'running') {
        // Cancelled (checkpoint retired) by another process, or a poison event (failed).
        const now = await isolatedBuild(pool, build.id);
        if (result.state === 'failed' && now?.status === 'RUNNING') {
          await markBuildFailed(pool, build, result.failure?.error ?? 'a poison event stopped the replay');
          return 'FAILED';
        }
        return now?.status ?? 'CANCELLED';
      }
      if (result.caughtUp) return await completeBuild(pool, build);
    }
  } finally {
    await leader.close();
  }
}

/** Nothing left up to the target: fresh statistics for the planner, then COMPLETED and the checkpoint retired. */
async function completeBuild(pool: pg.Pool, build: IsolatedBuild): Promise<IsolatedBuildStatus> {
  // The deferred indexes, shaped like the live version's now, then fresh statistics (completeBuildTables does both, and vacuums).
  const live = await activeVersionOf(pool, build.projection);
  const created = live ? await completeBuildTables(pool, live.schema, build.schema) : [];
  if (created.length === 0) for (const table of await versionTables(pool, build.schema)) await pool.query(`ANALYZE ${ident(build.schema)}.${ident(table)}`);
  return inTransaction(pool, async (client) => {
    const status = await lockBuild(client, build.id);
    if (status !== 'RUNNING') return { rollback: true, value: status ?? 'CANCELLED' };
    await client.query({
      text: `UPDATE isolated_builds b SET status = 'COMPLETED', finished_at = now(), last_used_at = now(),
                    processed_events = (SELECT c.events_processed FROM projection_checkpoints c WHERE c.name = b.checkpoint_name)
              WHERE b.id = $1`,
      values: [build.id],
    });
    await client.query({ text: `UPDATE projection_checkpoints SET state = 'retired', updated_at = now() WHERE name = $1`, values: [build.checkpoint] });
    return { rollback: false, value: 'COMPLETED' as const };
  });
}

async function markBuildFailed(pool: pg.Pool, build: IsolatedBuild, error: string): Promise<void> {
  await endBuild(pool, build.id, 'FAILED', error);
}

/**
 * Stops a RUNNING build from any process: its checkpoint is retired (waiting for a batch in flight; no batch
 * runs after), status CANCELLED, its tables dropped. Returns the build as it is now (unchanged if it was not
 * running); throws IsolatedBuildNotFoundError.
 */
export async function cancelIsolatedBuild(pool: pg.Pool, id: string): Promise<IsolatedBuild> {
  await endBuild(pool, id, 'CANCELLED', null);
  const build = await isolatedBuild(pool, id);
  if (!build) throw new IsolatedBuildNotFoundError(id);
  return build;
}

async function endBuild(pool: pg.Pool, id: string, status: 'CANCELLED' | 'FAILED', error: string | null): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = '30s'`);
    const current = await lockBuild(client, id);
    if (current === null) throw new IsolatedBuildNotFoundError(id);
    if (current !== 'RUNNING') return { rollback: true, value: undefined };
    const { rows } = await client.query<{ schema_name: string; checkpoint_name: string }>({
      text: `SELECT schema_name, checkpoint_name FROM isolated_builds WHERE id = $1`,
      values: [id],
    });
    const { schema_name: schema, checkpoint_name: checkpoint } = rows[0]!;
    // Registry row first, then the checkpoint (as completeBuild does): the same lock order everywhere.
    const { rows: counts } = await client.query<{ events_processed: string }>({
      text: `UPDATE projection_checkpoints SET state = 'retired', updated_at = now() WHERE name = $1 RETURNING events_processed::text`,
      values: [checkpoint],
    });
    await client.query({
      text: `UPDATE isolated_builds SET status = $2, error = $3, finished_at = now(), processed_events = $4::bigint WHERE id = $1`,
      values: [id, status, error, counts[0]?.events_processed ?? '0'],
    });
    await dropSchema(client, schema);
    return { rollback: false, value: undefined };
  });
}

/**
 * Deletes a build that is not running: its schema, checkpoint row and registry row. Throws
 * IsolatedBuildRunningError while it runs (cancel first), IsolatedBuildNotFoundError for an unknown id.
 * `lockTimeoutMs` bounds the wait for readers of its tables.
 */
export async function deleteIsolatedBuild(pool: pg.Pool, id: string, options: { lockTimeoutMs?: number } = {}): Promise<IsolatedBuild> {
  const build = await isolatedBuild(pool, id);
  if (!build) throw new IsolatedBuildNotFoundError(id);
  await inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(options.lockTimeoutMs ?? 10_000))}ms'`);
    const status = await lockBuild(client, id);
    if (status === null) throw new IsolatedBuildNotFoundError(id);
    if (status === 'RUNNING') throw new IsolatedBuildRunningError(id);
    await dropSchema(client, build.schema);
    await client.query({ text: `DELETE FROM isolated_builds WHERE id = $1`, values: [id] });
    await client.query({ text: `DELETE FROM projection_checkpoints WHERE name = $1`, values: [build.checkpoint] });
    return { rollback: false, value: undefined };
  });
  return build;
}

/** Records that a build answered a query (as-of builds are evicted least recently used first). */
export async function touchIsolatedBuild(db: Queryable, id: string): Promise<void> {
  await db.query({ text: `UPDATE isolated_builds SET last_used_at = now() WHERE id = $1 AND last_used_at < now() - interval '1 second'`, values: [id] });
}

async function lockBuild(client: pg.PoolClient, id: string): Promise<IsolatedBuildStatus | null> {
  const { rows } = await client.query<{ status: IsolatedBuildStatus }>({ text: `SELECT status FROM isolated_builds WHERE id = $1 FOR UPDATE`, values: [id] });
  return rows[0]?.status ?? null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/** inTransaction that keeps the session after the module's own refusals (they are thrown before any harm). */
function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<{ rollback: boolean; value: T }>): Promise<T> {
  return inSqlTransaction(pool, work, (error) => error instanceof IsolatedBuildNotFoundError || error instanceof IsolatedBuildRunningError);
}
