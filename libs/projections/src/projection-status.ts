import type { Queryable } from '../../event-store/src/queryable.js';
import { assertDecimal } from '../../event-store/src/rows.js';
import { UnknownProjectionError, type ProjectionState } from './checkpoints.js';
import { LEADERSHIP_LOCK_NAMESPACE } from './leadership.js';

/** Where projections stand, and read-your-writes waits (a client's global position as consistency token). */

export interface ProjectionStatus {
  /**
   * The plain projection name for an unversioned projection and for a versioned projection's ACTIVE version;
   * `<projection>@<version>` (its checkpoint name) for a version being built.
   */
  name: string;
  /** The projection this checkpoint feeds (the plain name). */
  projection: string;
  /** The checkpoint row's name (also the leadership lock key). */
  checkpoint: string;
  /** The version of a versioned projection (null: unversioned). */
  version: number | null;
  /** active (serving the views) or building (a rebuild catching up); retired versions are not listed. Null: unversioned. */
  versionState: 'active' | 'building' | 'retired' | 'abandoned' | null;
  /** The schema holding this version's tables (null: unversioned). */
  schema: string | null;
  /** global_position of the checkpoint (the last event applied; '0' before the first). */
  position: string;
  /** transaction_id of the checkpoint: with position, the pair the feed is ordered by. */
  transactionId: string;
  /** global_position of the newest event readable through the guarded feed now ('0' when none). */
  headPosition: string;
  /**
   * Committed events after the checkpoint, including those the guard still holds back behind an older running
   * transaction: how stale the read model is. Counted exactly up to LAG_EXACT_LIMIT; beyond, estimated from
   * positions (lagIsEstimate), so the query stays cheap during a rebuild of millions of events. During a bulk
   * build: the newest position minus the events written so far (an estimate).
   */
  lag: number;
  lagIsEstimate: boolean;
  state: ProjectionState;
  error: string | null;
  failedEventId: string | null;
  eventsProcessed: number;
  updatedAt: Date;
  /** Backend pid of the session holding the projection's leadership lock (null: no runner leads). */
  leaderPid: number | null;
}

export const LAG_EXACT_LIMIT = 10_000;

interface StatusRow {
  name: string;
  projection: string;
  checkpoint: string;
  version: number | null;
  version_state: ProjectionStatus['versionState'];
  schema_name: string | null;
  transaction_id: string;
  global_position: string;
  state: ProjectionState;
  error: string | null;
  failed_event_id: string | null;
  events_processed: string;
  updated_at: Date;
  head_position: string;
  lag_counted: number;
  max_position: string | null;
  leader_pid: number | null;
  in_bulk: boolean;
}

/**
 * Status of the given projections (all when omitted), ordered by name; unknown names are left out. Names are
 * as reported (see ProjectionStatus.name): a versioned projection's plain name is its active version, a building
 * version is listed as `<projection>@<version>`; retired versions are left out. `{ checkpoints }` selects exact
 * checkpoint rows instead, whatever their version state.
 */
export async function projectionStatus(db: Queryable, names?: readonly string[] | { checkpoints: readonly string[] }): Promise<ProjectionStatus[]> {
  const byName = names === undefined || Array.isArray(names) ? (names as readonly string[] | undefined) : undefined;
  const byCheckpoint = names !== undefined && !Array.isArray(names) ? (names as { checkpoints: readonly string[] }).checkpoints : undefined;
  const { rows } = await db.query<StatusRow>({
    text: `WITH head AS (
             -- newest readable event: a backward scan of the feed index, stopping at the first row
             SELECT e.global_position FROM events e
              WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
              ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 1
           ), leaders AS (
             SELECT l.objid, l.pid FROM pg_locks l
              WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = $2::int::oid
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           )
           SELECT r.name, COALESCE(v.projection, c.name) AS projection, c.name AS checkpoint, v.version, v.state AS version_state,
                  v.schema_name, c.transaction_id::text AS transaction_id, c.global_position::text AS global_position, c.state,
                  c.error, c.failed_event_id::text AS failed_event_id, c.events_processed::text AS events_processed, c.updated_at,
                  c.bulk_target_position IS NOT NULL AS in_bulk,
                  COALESCE((SELECT h.global_position::text FROM head h), '0') AS head_position,
                  (SELECT count(*) FROM (SELECT 1 FROM events e
                                          WHERE (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
                                          LIMIT $3) behind)::int AS lag_counted,
                  (SELECT max(e.global_position) FROM events e)::text AS max_position,
                  (SELECT l.pid FROM leaders l WHERE l.objid = hashtext(c.name)::oid LIMIT 1) AS leader_pid
             FROM projection_checkpoints c
             LEFT JOIN projection_versions v ON v.checkpoint_name = c.name
            CROSS JOIN LATERAL (SELECT CASE WHEN v.state = 'active' THEN v.projection ELSE c.name END AS name) r
            WHERE CASE WHEN $4::text[] IS NOT NULL THEN c.name = ANY($4::text[])
                       ELSE (v.state IS NULL OR v.state IN ('active', 'building')) AND ($1::text[] IS NULL OR r.name = ANY($1::text[]))
                            -- isolated builds (scenarios, as-of: isolated-builds.ts) are not live projections
                            AND left(c.name, 9) <> 'isolated:' END
            ORDER BY r.name`,
    values: [byName ? [...byName] : null, LEADERSHIP_LOCK_NAMESPACE, LAG_EXACT_LIMIT + 1, byCheckpoint ? [...byCheckpoint] : null],
  });
  return rows.map((row) => {
    // During a bulk build (bulk-build.ts) the checkpoint stays at the start until the end, so the lag is what the
    // feed holds minus what the build has written (positions are dense enough for an estimate).
    const estimate = row.in_bulk || row.lag_counted > LAG_EXACT_LIMIT;
    const estimated = row.in_bulk
      ? Math.max(0, Number(row.max_position ?? 0) - Number(row.events_processed))
      : Math.max(LAG_EXACT_LIMIT + 1, Number(BigInt(row.max_position ?? '0') - BigInt(row.global_position)));
    return {
      name: row.name,
      projection: row.projection,
      checkpoint: row.checkpoint,
      version: row.version,
      versionState: row.version_state,
      schema: row.schema_name,
      position: row.global_position,
      transactionId: row.transaction_id,
      headPosition: row.head_position,
      // Positions are dense apart from rolled-back appends, so their difference is a fair estimate of a large lag.
      lag: estimate ? estimated : row.lag_counted,
      lagIsEstimate: estimate,
      state: row.state,
      error: row.error,
      failedEventId: row.failed_event_id,
      eventsProcessed: Number(row.events_processed),
      updatedAt: row.updated_at,
      leaderPid: row.leader_pid,
    };
  });
}

interface ReachedRow {
  name: string;
  state: ProjectionState;
  error: string | null;
  failed_event_id: string | null;
  position: string;
  reached: boolean;
}

async function reachedRows(db: Queryable, names: readonly string[], globalPosition: string): Promise<ReachedRow[]> {
  assertDecimal(globalPosition, 'global position');
  const { rows } = await db.query<ReachedRow>({
    name: 'fl_projection_reached',
    // Positions alone are not commit ordered: compare the event's (transaction_id, global_position) with the
    // checkpoint pair, exactly as the feed orders them. An unknown position joins nothing: not reached. A
    // versioned projection's plain name is its active version's checkpoint, resolved in the same statement (a
    // swap only ever replaces it with a checkpoint at least as far).
    text: `SELECT w.name, c.state, c.error, c.failed_event_id::text AS failed_event_id, c.global_position::text AS position,
                  COALESCE((e.transaction_id, e.global_position) <= (c.transaction_id, c.global_position), false) AS reached
             FROM unnest($1::text[]) AS w(name)
             JOIN projection_checkpoints c
               ON c.name = COALESCE((SELECT v.checkpoint_name FROM projection_versions v WHERE v.projection = w.name AND v.state = 'active'), w.name)
             LEFT JOIN events e ON e.global_position = $2::bigint`,
    values: [[...names], globalPosition],
  });
  const unknown = names.find((name) => !rows.some((row) => row.name === name));
  if (unknown !== undefined) throw new UnknownProjectionError(unknown);
  return rows;
}

/** Whether the projection has applied the event at this global position (false for an unknown position). */
export async function hasReached(db: Queryable, name: string, globalPosition: string): Promise<boolean> {
  const [row] = await reachedRows(db, [name], globalPosition);
  return row!.reached;
}

/** A projection that has not reached the position is not running (failed or paused): waiting cannot help. */
export class ProjectionNotRunningError extends Error {
  constructor(
    readonly projection: string,
    readonly state: ProjectionState,
    readonly failedEventId: string | null,
    readonly reason: string | null,
  ) {
    super(
      `Projection ${projection} is ${state}` +
        (failedEventId ? ` at event ${failedEventId}` : '') +
        (reason ? `: ${reason}` : '') +
        ' and will not reach the requested position until it is restarted',
    );
    this.name = 'ProjectionNotRunningError';
  }
}

export class ProjectionWaitTimeoutError extends Error {
  constructor(
    readonly globalPosition: string,
    readonly behind: readonly { name: string; position: string }[],
    timeoutMs: number,
  ) {
    super(
      `Projections ${behind.map((b) => `${b.name} (at ${b.position})`).join(', ')} did not reach global position ${globalPosition} within ${timeoutMs} ms`,
    );
    this.name = 'ProjectionWaitTimeoutError';
  }
}

/**
 * Resolves once every named projection has applied the event at `globalPosition` (read-your-writes after an
 * append). Rejects with ProjectionNotRunningError as soon as one that is behind is failed or paused, with
 * ProjectionWaitTimeoutError after timeoutMs (an unknown position never is reached), and with
 * UnknownProjectionError for a name without a checkpoint row. Polls, starting at 5 ms and backing off to 100.
 */
export async function waitUntilReached(db: Queryable, names: string | readonly string[], globalPosition: string, timeoutMs: number): Promise<void> {
  const wanted = typeof names === 'string' ? [names] : names;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const behind = (await reachedRows(db, wanted, globalPosition)).filter((row) => !row.reached);
    if (behind.length === 0) return;
    const stuck = behind.find((row) => row.state === 'failed' || row.state === 'stopped');
    if (stuck) throw new ProjectionNotRunningError(stuck.name, stuck.state, stuck.failed_event_id, stuck.error);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new ProjectionWaitTimeoutError(globalPosition, behind, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, remaining)));
  }
}
