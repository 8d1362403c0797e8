import type pg from 'pg';
import { dropSchema, ident, inTransaction } from './sql.js';
import { completeVersionTables, createVersionTables } from './version-tables.js';
import type { Queryable } from '../../event-store/src/queryable.js';
import { withSchemaHint } from './checkpoints.js';

/**
 * Versioned projections and blue/green rebuilds: SQL over projection_versions
 * (migrations/1732410000000-CreateProjectionVersions.ts). See libs/projections/README.md for the whole design.
 *
 * Each version of a projection's tables lives in its own schema (`<projection>_v<n>`) and has its own checkpoint
 * row (`<projection>@<n>`; version 1 may keep the plain name). Readers query views `public.<table>` that select
 * from the ACTIVE version's schema. A rebuild creates the next version's tables LIKE the active ones, lets a
 * runner catch it up from the start of the feed, then swaps every view to it in one transaction.
 */

export type VersionState = 'building' | 'active' | 'retired' | 'abandoned';

export interface ProjectionVersion {
  projection: string;
  version: number;
  schema: string;
  checkpoint: string;
  state: VersionState;
  /** Only this ProjectionSupervisor builds it (null: any process running the projection). */
  builder: string | null;
  /** What constructs this version's projection instance (null: the default instance). */
  config: unknown;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  /** When its schema was dropped (retired and abandoned versions). */
  droppedAt: Date | null;
}

/** The projection has no row in projection_versions: it is not versioned (or unknown), so it cannot be rebuilt blue/green. */
export class ProjectionNotVersionedError extends Error {
  constructor(readonly projection: string) {
    super(`Projection ${JSON.stringify(projection)} is not versioned (no row in projection_versions): it cannot be rebuilt blue/green`);
    this.name = 'ProjectionNotVersionedError';
  }
}

/** A rebuild of the projection is already under way (its building version is running). */
export class RebuildInProgressError extends Error {
  readonly code = 'REBUILD_IN_PROGRESS';
  constructor(
    readonly projection: string,
    readonly version: number,
  ) {
    super(`Projection ${projection} is already being rebuilt (version ${version} is building); wait for its swap, or cancel it first`);
    this.name = 'RebuildInProgressError';
  }
}

/** The building version's tables no longer match the active version's (a migration ran during the rebuild). */
export class VersionMismatchError extends Error {
  constructor(projection: string, version: number, detail: string) {
    super(`Projection ${projection}: version ${version} cannot replace the active version: ${detail}; cancel the rebuild and start a new one`);
    this.name = 'VersionMismatchError';
  }
}

const SCHEMA_OR_PROJECTION = /^[a-z][a-z0-9_]*$/;

interface VersionRow {
  projection: string;
  version: number;
  schema_name: string;
  checkpoint_name: string;
  state: VersionState;
  builder: string | null;
  config: unknown;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  dropped_at: Date | null;
}

const VERSION_COLUMNS = `projection, version, schema_name, checkpoint_name, state, builder, config, created_at, activated_at, retired_at, dropped_at`;

function toVersion(row: VersionRow): ProjectionVersion {
  return {
    projection: row.projection,
    version: row.version,
    schema: row.schema_name,
    checkpoint: row.checkpoint_name,
    state: row.state,
    builder: row.builder,
    config: row.config,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    retiredAt: row.retired_at,
    droppedAt: row.dropped_at,
  };
}

/** The active version of a projection (null: the projection is not versioned). */
export async function activeVersionOf(db: Queryable, projection: string): Promise<ProjectionVersion | null> {
  const { rows } = await withSchemaHint(
    db.query<VersionRow>({
      text: `SELECT ${VERSION_COLUMNS} FROM projection_versions WHERE projection = $1 AND state = 'active'`,
      values: [projection],
    }),
  );
  return rows[0] ? toVersion(rows[0]) : null;
}

/** Every version of the given projections (all when omitted), by projection and version. */
export async function projectionVersions(db: Queryable, projections?: readonly string[]): Promise<ProjectionVersion[]> {
  const { rows } = await db.query<VersionRow>({
    text: `SELECT ${VERSION_COLUMNS} FROM projection_versions WHERE $1::text[] IS NULL OR projection = ANY($1::text[]) ORDER BY projection, version`,
    values: [projections ? [...projections] : null],
  });
  return rows.map(toVersion);
}

/** The tables of a version's schema (ordinary and partitioned), by name. */
export async function versionTables(db: Queryable, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>({
    text: `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    values: [schema],
  });
  return rows.map((row) => row.name);
}

/**
 * How many events the building version's checkpoint is behind the active version's (0 when at or past it),
 * counted up to `limit` + 1: the supervisor attempts the swap once this is small, since the swap itself catches
 * the last ones up while it holds the live checkpoint.
 */
export async function eventsBehindActive(db: Queryable, building: ProjectionVersion, limit: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>({
    text: `SELECT count(*)::int AS n FROM (
             SELECT 1 FROM events e, projection_checkpoints b, projection_checkpoints a, projection_versions v
              WHERE b.name = $1 AND v.projection = $2 AND v.state = 'active' AND a.name = v.checkpoint_name
                AND (e.transaction_id, e.global_position) > (b.transaction_id, b.global_position)
                AND (e.transaction_id, e.global_position) <= (a.transaction_id, a.global_position)
              LIMIT $3) behind`,
    values: [building.checkpoint, building.projection, limit + 1],
  });
  return rows[0]?.n ?? 0;
}

export interface BeginRebuildOptions {
  /** Only this ProjectionSupervisor may build the version (it was given its own projection instance). */
  builder?: string | null;
  /** Stored with the version: what any process needs to construct its projection instance. */
  config?: unknown;
}

/**
 * Starts a rebuild, in ONE transaction: creates schema `<projection>_v<n+1>` with `CREATE TABLE next.t (LIKE
 * active.t INCLUDING ALL EXCLUDING INDEXES)` plus its keys for every table of the active version's schema (so
 * migrations stay the only source of the tables' shapes; the secondary indexes are built once it has caught up,
 * see version-tables.ts), a checkpoint row `<projection>@<n+1>` at the
 * start of the feed, and the version as 'building'. A runner must then catch it up (ProjectionSupervisor does).
 *
 * Throws ProjectionNotVersionedError when the projection has no active version, RebuildInProgressError when a
 * building version is running. A building version that failed (poison event) or was paused is abandoned
 * (schema dropped) and replaced.
 */
export async function beginRebuild(pool: pg.Pool, projection: string, options: BeginRebuildOptions = {}): Promise<ProjectionVersion> {
  if (!SCHEMA_OR_PROJECTION.test(projection)) throw new ProjectionNotVersionedError(projection);
  return inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = '10s'`);
    const versions = await lockVersions(client, projection);
    const active = versions.find((v) => v.state === 'active');
    if (!active) throw new ProjectionNotVersionedError(projection);
    const building = versions.find((v) => v.state === 'building');
    if (building) {
      const state = await lockCheckpointState(client, building.checkpoint);
      if (state === 'running') throw new RebuildInProgressError(projection, building.version);
      await abandonInTransaction(client, building);
    }
    const version = Math.max(...versions.map((v) => v.version)) + 1;
    const schema = `${projection}_v${version}`;
    const checkpoint = `${projection}@${version}`;
    const tables = await versionTables(client, active.schema);
    await client.query(`CREATE SCHEMA ${ident(schema)}`);
    // Secondary indexes come when it has caught up (completeVersionTables, before the swap): see version-tables.ts.
    await createVersionTables(client, active.schema, schema, tables);
    await client.query({
      text: `INSERT INTO projection_checkpoints (name, state) VALUES ($1, 'running')
             ON CONFLICT (name) DO UPDATE SET transaction_id = '0', global_position = 0, state = 'running', error = NULL,
                                              failed_event_id = NULL, events_processed = 0, updated_at = now()`,
      values: [checkpoint],
    });
    const { rows } = await client.query<VersionRow>({
      text: `INSERT INTO projection_versions (projection, version, schema_name, checkpoint_name, state, builder, config)
             VALUES ($1, $2, $3, $4, 'building', $5, $6::jsonb) RETURNING ${VERSION_COLUMNS}`,
      values: [projection, version, schema, checkpoint, options.builder ?? null, options.config === undefined ? null : JSON.stringify(options.config)],
    });
    return { rollback: false, value: toVersion(rows[0]!) };
  });
}

/** Gives up the projection's building version, if any: its checkpoint retired, its schema dropped. Returns it (null: none). */
export async function cancelRebuild(pool: pg.Pool, projection: string): Promise<ProjectionVersion | null> {
  return inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = '10s'`);
    const building = (await lockVersions(client, projection)).find((v) => v.state === 'building');
    if (!building) return { rollback: true, value: null };
    await lockCheckpointState(client, building.checkpoint);
    await abandonInTransaction(client, building);
    return { rollback: false, value: { ...building, state: 'abandoned' as const } };
  });
}

export type SwapOutcome =
  | { swapped: true; from: ProjectionVersion; to: ProjectionVersion }
  /** behind: the building version had not reached the live checkpoint; not-running: it failed or was paused; gone: no longer building. */
  | { swapped: false; reason: 'behind' | 'not-running' | 'gone' };

export interface SwapOptions {
  /** lock_timeout of the swap transaction (ms): how long readers of the views may queue behind it. Default 1000. */
  lockTimeoutMs?: number;
  /**
   * Called while the live checkpoint is locked when the building version is behind it: should run the building
   * version's batches (e.g. its runner's catchUp()); the live version cannot move meanwhile, so it converges.
   */
  catchUp?: () => Promise<void>;
  /** How long to keep the live checkpoint locked waiting for catchUp (ms, default 2000). */
  catchUpWithinMs?: number;
}

/**
 * The blue/green swap of `version` (building) for the projection's active version, in ONE transaction:
 *
 *   SELECT ... FROM projection_versions WHERE projection = $1 FOR UPDATE         -- serializes with rebuild/cancel
 *   SELECT ... FROM projection_checkpoints WHERE name = <live> FOR UPDATE        -- the live runner cannot advance
 *   -- while the building checkpoint < the live one: catchUp() (bounded), else ROLLBACK: 'behind'
 *   SELECT ... FROM projection_checkpoints WHERE name = <building> FOR UPDATE    -- and it >= live, state running
 *   CREATE OR REPLACE VIEW public.<t> AS SELECT * FROM <building schema>.<t>      -- every table of the version
 *   UPDATE projection_versions: active -> retired, building -> active
 *   UPDATE projection_checkpoints SET state = 'retired' WHERE name = <live>       -- no batch writes the old tables again
 *   COMMIT
 *
 * Readers resolve the views when a statement starts: a statement sees every view old or every view new, never a
 * mix, and the new version is at least as far in the feed as the old one was (read-your-writes holds). Lock
 * waits end at lockTimeoutMs with SQLSTATE 55P03 (the caller retries later); a crash rolls everything back.
 */
export async function swapVersion(pool: pg.Pool, projection: string, version: number, options: SwapOptions = {}): Promise<SwapOutcome> {
  const lockTimeoutMs = Math.max(1, Math.floor(options.lockTimeoutMs ?? 1000));
  const catchUpWithinMs = options.catchUpWithinMs ?? 2000;
  return inTransaction<SwapOutcome>(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = '${lockTimeoutMs}ms'`);
    const versions = await lockVersions(client, projection);
    const active = versions.find((v) => v.state === 'active');
    const building = versions.find((v) => v.state === 'building' && v.version === version);
    if (!active || !building) return { rollback: true, value: { swapped: false, reason: 'gone' } };

    await lockCheckpointState(client, active.checkpoint);
    const deadline = Date.now() + catchUpWithinMs;
    for (;;) {
      const { rows } = await client.query<{ reached: boolean; state: string }>({
        text: `SELECT (b.transaction_id, b.global_position) >= (a.transaction_id, a.global_position) AS reached, b.state
                 FROM projection_checkpoints a, projection_checkpoints b WHERE a.name = $1 AND b.name = $2`,
        values: [active.checkpoint, building.checkpoint],
      });
      const row = rows[0]!;
      if (row.state !== 'running') return { rollback: true, value: { swapped: false, reason: 'not-running' } };
      if (row.reached) break;
      if (!options.catchUp || Date.now() >= deadline) return { rollback: true, value: { swapped: false, reason: 'behind' } };
      await options.catchUp();
    }
    // Lock it too (waits for a batch in flight), then look again: nothing may move it backwards, but it may have failed.
    const { rows: locked } = await client.query<{ reached: boolean; state: string }>({
      text: `SELECT (b.transaction_id, b.global_position) >= (a.transaction_id, a.global_position) AS reached, b.state
               FROM projection_checkpoints a, projection_checkpoints b WHERE a.name = $1 AND b.name = $2
                FOR UPDATE OF b`,
      values: [active.checkpoint, building.checkpoint],
    });
    if (locked[0]!.state !== 'running') return { rollback: true, value: { swapped: false, reason: 'not-running' } };
    if (!locked[0]!.reached) return { rollback: true, value: { swapped: false, reason: 'behind' } };

    const [liveTables, newTables] = [await versionTables(client, active.schema), await versionTables(client, building.schema)];
    const missing = liveTables.filter((t) => !newTables.includes(t));
    if (missing.length > 0) throw new VersionMismatchError(projection, version, `it lacks table(s) ${missing.join(', ')}`);
    // Readers must never meet a version without its indexes. The supervisor builds them before it swaps, outside
    // this transaction; a caller that did not (or a migration that added one since) gets them built here.
    await completeVersionTables(client, active.schema, building.schema);
    for (const table of newTables) {
      await client.query(`CREATE OR REPLACE VIEW public.${ident(table)} AS SELECT * FROM ${ident(building.schema)}.${ident(table)}`);
    }
    const { rows: retired } = await client.query<VersionRow>({
      text: `UPDATE projection_versions SET state = 'retired', retired_at = now() WHERE projection = $1 AND version = $2 RETURNING ${VERSION_COLUMNS}`,
      values: [projection, active.version],
    });
    const { rows: activated } = await client.query<VersionRow>({
      text: `UPDATE projection_versions SET state = 'active', activated_at = now() WHERE projection = $1 AND version = $2 RETURNING ${VERSION_COLUMNS}`,
      values: [projection, building.version],
    });
    await client.query({
      text: `UPDATE projection_checkpoints SET state = 'retired', updated_at = now() WHERE name = $1`,
      values: [active.checkpoint],
    });
    return { rollback: false, value: { swapped: true, from: toVersion(retired[0]!), to: toVersion(activated[0]!) } };
  });
}

/**
 * Drops a retired version's tables and schema (RESTRICT: an unexpected dependent object makes it fail loudly)
 * and records dropped_at. DROP waits for readers whose statements began before the swap; lockTimeoutMs bounds
 * that wait (55P03: try again later). Returns false when there was nothing to drop.
 */
export async function dropRetiredVersion(pool: pg.Pool, projection: string, version: number, options: { lockTimeoutMs?: number } = {}): Promise<boolean> {
  const lockTimeoutMs = Math.max(1, Math.floor(options.lockTimeoutMs ?? 1000));
  return inTransaction(pool, async (client) => {
    await client.query(`SET LOCAL lock_timeout = '${lockTimeoutMs}ms'`);
    const { rows } = await client.query<VersionRow>({
      text: `SELECT ${VERSION_COLUMNS} FROM projection_versions
              WHERE projection = $1 AND version = $2 AND state = 'retired' AND dropped_at IS NULL FOR UPDATE`,
      values: [projection, version],
    });
    if (!rows[0]) return { rollback: true, value: false };
    const retired = toVersion(rows[0]);
    await dropSchema(client, retired.schema);
    await client.query({ text: `UPDATE projection_versions SET dropped_at = now() WHERE projection = $1 AND version = $2`, values: [projection, version] });
    return { rollback: false, value: true };
  });
}

// ---- helpers ----

/**
 * Locks the projection's registry rows: every rebuild, cancel and swap does this first, so they are serialized.
 * Twice: in READ COMMITTED, a FOR UPDATE that waited for another transaction returns the new versions of the
 * rows it had seen, but not the rows that transaction inserted (e.g. a concurrent rebuild's building version);
 * the second statement takes a fresh snapshot, after the waits, and nobody can add a row meanwhile.
 */
async function lockVersions(client: pg.PoolClient, projection: string): Promise<ProjectionVersion[]> {
  const query = { text: `SELECT ${VERSION_COLUMNS} FROM projection_versions WHERE projection = $1 ORDER BY version FOR UPDATE`, values: [projection] };
  await client.query(query);
  const { rows } = await client.query<VersionRow>(query);
  return rows.map(toVersion);
}

/** Locks a checkpoint row (waiting for a batch in flight, bounded by lock_timeout) and returns its state. */
async function lockCheckpointState(client: pg.PoolClient, checkpoint: string): Promise<string> {
  const { rows } = await client.query<{ state: string }>({
    text: `SELECT state FROM projection_checkpoints WHERE name = $1 FOR UPDATE`,
    values: [checkpoint],
  });
  if (!rows[0]) throw new Error(`projection_versions names checkpoint ${checkpoint}, which does not exist`);
  return rows[0].state;
}

/** In the caller's transaction, with the building checkpoint locked: retire its checkpoint, mark it abandoned, drop its schema. */
async function abandonInTransaction(client: pg.PoolClient, building: ProjectionVersion): Promise<void> {
  await client.query({ text: `UPDATE projection_checkpoints SET state = 'retired', updated_at = now() WHERE name = $1`, values: [building.checkpoint] });
  await client.query({
    text: `UPDATE projection_versions SET state = 'abandoned', retired_at = now(), dropped_at = now() WHERE projection = $1 AND version = $2`,
    values: [building.projection, building.version],
  });
  await dropSchema(client, building.schema);
}

