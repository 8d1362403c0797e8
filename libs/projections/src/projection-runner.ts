import { WakeableSleep, backoffDelay } from '../../event-store/src/wakeable-sleep.js';
import type pg from 'pg';
import type { Checkpoint, EventBatch, RecordedEvent, RecordedEventBody, Upcaster } from '../../event-store/src/index.js';
import type { Queryable } from '../../event-store/src/queryable.js';
import { feedReader } from '../../event-store/src/feed.js';
import { checkpointOfEvent, compareCheckpoints } from '../../event-store/src/rows.js';
import {
  CheckpointConflictError,
  UnknownProjectionError,
  advanceCheckpoint,
  ensureCheckpointRow,
  markFailed,
  namesSharingLockKey,
  peekCheckpoint,
  restartCheckpoint,
  type ProjectionState,
} from './checkpoints.js';
import { inTransaction, lockOrBusy } from './batch-transaction.js';
import { runBulkBuild, type BulkRange } from './bulk-build.js';
import { describeError, findFailingEvent, isRetryable, type Culprit } from './failures.js';
import { LeaderConnection } from './leadership.js';
import { SpeculationFailedError, type Projection } from './projection.js';
import { activeVersionOf } from './versions.js';
import { projectionStatus, type ProjectionStatus } from './projection-status.js';

export interface ProjectionRunnerOptions {
  /** Events per batch transaction; default: the projection's batchSize, else 1000. */
  batchSize?: number;
  /** How often a leader looks for work without a notification (ms, default 500). */
  pollIntervalMs?: number;
  /** How often a standby tries to take leadership (ms, default 1000). */
  standbyRetryMs?: number;
  /** The channel fl_append_events notifies (default 'fl_events'). */
  notifyChannel?: string;
  /** Pure upcaster applied to every event before apply (an upcast error stops the projection like apply's). */
  upcast?: Upcaster;
  /** Settings of the dedicated leadership connection (default: the pool's). */
  connection?: pg.ClientConfig;
  /** Background problems and leadership changes; default console.warn. */
  log?: (message: string, error?: unknown) => void;
  /**
   * Which tables and checkpoint this runner feeds. Omitted: a versioned projection (registered in
   * projection_versions) runs its version active at start(), otherwise the projection is unversioned (checkpoint
   * row = its name, tables on the default search_path). null: unversioned. Given: that version (ProjectionSupervisor
   * passes it); each batch transaction then starts with `SET LOCAL search_path TO <schema>, public`, so the
   * projection's unqualified table names are that version's tables.
   */
  version?: RunnerVersion | null;
  /**
   * Where each batch's events come from, read inside the batch transaction (default: the guarded feed,
   * `feedReader(client, true).readBatch`). Isolated builds (isolated-builds.ts) bound it to a target checkpoint
   * and a recorded_at limit; null = nothing left to read (the runner reports caughtUp).
   */
  readBatch?: (db: Queryable, after: Checkpoint, limit: number) => Promise<EventBatch | null>;
  /**
   * Fill the tables in bulk first (bulk-build.ts) while the checkpoint is at the start of the feed, if the
   * projection has `bulk`: up to the guarded head ('head', a rebuild's version) or a fixed range (isolated
   * builds). Only for tables nobody reads yet: they fill stream by stream, not in feed order.
   */
  bulk?: BulkRange;
  /** Called by a leading runner when a catch-up that applied events has reached the end of the feed. */
  onCaughtUp?: () => void;
}

/** A version of a projection's tables: the schema holding them and the checkpoint row that feeds them. */
export interface RunnerVersion {
  checkpoint: string;
  schema: string;
}

export interface RunResult {
  /** Events applied and committed by this call. */
  processed: number;
  /** The projection's state as this call left it. */
  state: ProjectionState;
  /** Nothing more was readable after this call (as of its read). */
  caughtUp: boolean;
  /** Another transaction held the checkpoint row (another runner mid-batch): nothing was done, try later. */
  busy: boolean;
  /** The checkpoint after this call (null when busy). */
  checkpoint: Checkpoint | null;
  /** Set when this call stopped the projection on a poison event. */
  failure?: { eventId: string; error: string };
}

export interface RunnerStatus extends ProjectionStatus {
  /** This runner holds the leadership lock now. */
  leader: boolean;
  /** start() was called and stop() not yet. */
  started: boolean;
}

const DEFAULT_BATCH = 1000;
const DEFAULT_POLL_MS = 500;
const DEFAULT_STANDBY_MS = 1000;
const BUSY_RETRY_MS = 100;
/** Held-back events are released when an older transaction ends (usually soon): look again at least this often. */
const HELD_BACK_MAX_MS = 200;

type Poison = { poison: true; from: Checkpoint; events: RecordedEvent[]; error: unknown };
/** A batch read and prepared ahead, while the batch before it was still writing. */
type Speculation = { from: Checkpoint; batch: { events: RecordedEvent[]; checkpoint: Checkpoint }; prepared: unknown };

/**
 * Feeds one projection from the global feed, exactly once, with the checkpoint in the same transaction as
 * the projection's writes. One batch = one transaction:
 *
 *   BEGIN
 *   SELECT ... FROM projection_checkpoints WHERE name = $1 FOR UPDATE NOWAIT   -- 55P03: another runner: back off
 *   SELECT ... FROM events e WHERE (e.transaction_id, e.global_position) > ($tx, $pos)
 *     AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY ... LIMIT $n   -- the guarded feed
 *   -- projection.apply(tx, events): the projection's bulk writes
 *   UPDATE projection_checkpoints SET transaction_id = $new_tx, global_position = $new_pos, ...
 *    WHERE name = $1 AND transaction_id = $tx AND global_position = $pos AND state = 'running'   -- 0 rows: throw
 *   COMMIT
 *
 * The row lock gives the batch transaction an id, and like any open transaction it holds back every feed
 * reader of the cluster (the guard) until it ends: keep batches short (apply in bulk). An idle poll takes no
 * lock: it first peeks, unlocked, whether the feed has anything after the checkpoint.
 *
 * start() runs it continuously: one runner per projection leads (session advisory lock on a dedicated
 * connection, which also LISTENs for appends; polling is the fallback); the others wait as standbys and take
 * over when the leader's session ends. A poison event (apply throws anything but a connection or
 * serialization error) rolls the batch back; a second transaction bisects the batch to the exact event,
 * commits the events before it with the checkpoint just before it, and stops the projection (state 'failed',
 * error, failed_event_id). It is never skipped: restart() resumes with that event after a fix.
 * runOnce()/catchUp() run batches directly (tests, CLI); they are safe next to a running leader because of
 * the row lock.
 */
export class ProjectionRunner {
  /** The projection's name (projection.name). */
  readonly projectionName: string;
  private checkpointName: string;
  private schema: string | null = null;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly standbyMs: number;
  private readonly channel: string;
  private readonly log: (message: string, error?: unknown) => void;
  private checkpointReady: Promise<void> | null = null;
  /** The bulk build (options.bulk) is over or was never needed: catch-ups go straight to the feed. */
  private bulkDone = false;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private leader: LeaderConnection | null = null;
  private notified = false;
  private readonly sleeper = new WakeableSleep();

  constructor(
    private readonly pool: pg.Pool,
    private readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    if (typeof projection.name !== 'string' || projection.name.length === 0) throw new TypeError('ProjectionRunner: the projection needs a non-empty name');
    this.projectionName = projection.name;
    this.checkpointName = options.version?.checkpoint ?? projection.name;
    if (options.version) this.schema = assertSchemaName(options.version.schema);
    this.batchSize = positiveInteger(options.batchSize ?? projection.batchSize ?? DEFAULT_BATCH, 'batchSize');
    this.pollMs = positiveInteger(options.pollIntervalMs ?? DEFAULT_POLL_MS, 'pollIntervalMs');
    this.standbyMs = positiveInteger(options.standbyRetryMs ?? DEFAULT_STANDBY_MS, 'standbyRetryMs');
    this.channel = options.notifyChannel ?? 'fl_events';
    this.log = options.log ?? ((message, error) => console.warn(`[projections] ${message}`, error ?? ''));
  }

  /**
   * The checkpoint row this runner feeds (also its leadership lock key): the projection's name, or a version's
   * checkpoint (e.g. `lead_funnel@2`). Known after start()/runOnce() when the version is resolved from the registry.
   */
  get name(): string {
    return this.checkpointName;
  }

  /** The schema of the version this runner writes (null: unversioned). */
  get versionSchema(): string | null {
    return this.schema;
  }

  /** This runner holds the leadership lock now. */
  get isLeader(): boolean {
    return this.leader !== null && !this.leader.lost;
  }

  /**
   * Creates the checkpoint row if needed, then leads or stands by in the background. Rejects when the schema
   * is missing or the name's lock key collides with another projection's.
   */
  async start(): Promise<void> {
    if (this.loop || this.stopped) throw new Error(`projection ${this.name}: a runner starts once (create a new ProjectionRunner after stop())`);
    const ready = this.prepare();
    // start() reports preparation errors; the loop itself never rejects.
    this.loop = ready.then(
      () => this.runLoop(),
      () => undefined,
    );
    try {
      await ready;
    } catch (error) {
      this.loop = null;
      throw error;
    }
  }

  /** Stops leading or waiting; resolves after the batch in flight (if any) finished and leadership is released. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.stop();
    await this.loop?.catch(() => undefined);
  }

  /** Back to 'running' after a fix (from 'failed' or 'stopped'); the failed event is the next one applied. */
  async restart(): Promise<boolean> {
    const restarted = await restartCheckpoint(this.pool, this.name);
    if (restarted) this.sleeper.wake();
    return restarted;
  }

  async status(): Promise<RunnerStatus> {
    const [status] = await projectionStatus(this.pool, { checkpoints: [this.name] });
    if (!status) throw new UnknownProjectionError(this.name);
    return { ...status, leader: this.isLeader, started: this.loop !== null && !this.stopped };
  }

  /** Runs batches until caught up, the projection is not running, or another runner holds the row. */
  async catchUp(): Promise<RunResult> {
    return this.catchUpWhile(() => !this.stopped);
  }

  /**
   * Runs batches (pipelined when the projection splits prepare and write) until caught up, not running, busy,
   * or `go()` turns false after a batch; `onBatch` hears the events of every committed batch (progress).
   */
  async catchUpUntil(go: () => boolean, onBatch?: (events: number) => void): Promise<RunResult> {
    return this.catchUpWhile(go, onBatch);
  }

  /** One batch transaction (at most batchSize events). */
  async runOnce(): Promise<RunResult> {
    await this.prepare();
    // Look without a lock first: an idle poll then costs one read, no transaction id and no row write.
    const peek = await peekCheckpoint(this.pool, this.name);
    if (!peek) throw new UnknownProjectionError(this.name);
    if (peek.state !== 'running' || !peek.hasWork) {
      return { processed: 0, state: peek.state, caughtUp: !peek.hasWork, busy: false, checkpoint: peek.checkpoint };
    }
    return this.withClient(async (client) => {
      const outcome = await this.runBatch(client);
      return 'poison' in outcome ? this.stopOnPoison(client, outcome) : outcome;
    });
  }

  private prepare(): Promise<void> {
    this.checkpointReady ??= (async () => {
      if (this.options.version === undefined) {
        const active = await activeVersionOf(this.pool, this.projectionName);
        if (active) {
          this.checkpointName = active.checkpoint;
          this.schema = assertSchemaName(active.schema);
        }
      }
      await ensureCheckpointRow(this.pool, this.name);
      const sharing = await namesSharingLockKey(this.pool, this.name);
      if (sharing.length > 0) {
        throw new Error(`projection ${this.name}: its leadership lock key (hashtext) equals that of ${sharing.join(', ')}; rename one of them`);
      }
    })();
    // A failed preparation (database down) is retried on the next call.
    this.checkpointReady.catch(() => (this.checkpointReady = null));
    return this.checkpointReady;
  }

  private async catchUpWhile(go: () => boolean, onBatch?: (events: number) => void): Promise<RunResult> {
    let processed = 0;
    if (this.options.bulk && this.projection.bulk && !this.bulkDone) {
      await this.prepare();
      const outcome = await runBulkBuild(
        {
          name: this.name,
          schema: this.schema,
          bulk: this.projection.bulk,
          range: this.options.bulk,
          withClient: (work) => this.withClient(work),
          upcast: (events) => this.upcastAll(events),
          log: this.log,
          // An explicit batch size (tests that watch a build progress, or stop it half way) bounds the chunks too.
          ...(this.options.batchSize ? { chunkEvents: this.options.batchSize, pageEvents: Math.min(10_000, this.options.batchSize) } : {}),
        },
        go,
        onBatch,
      );
      processed = outcome.processed;
      const start = { transactionId: '0', globalPosition: '0' };
      switch (outcome.kind) {
        case 'done':
          this.bulkDone = true;
          break;
        case 'busy':
          return { ...busyResult(), processed };
        case 'paused':
          return { processed, state: 'running', caughtUp: false, busy: false, checkpoint: start };
        case 'not-running':
          return { processed, state: outcome.state as ProjectionState, caughtUp: false, busy: false, checkpoint: start };
        case 'failed':
          return { processed, state: 'failed', caughtUp: false, busy: false, checkpoint: start, failure: { eventId: outcome.eventId, error: outcome.error } };
      }
    }
    for (;;) {
      const result = this.pipelines() ? await this.runPipelined(go, onBatch) : await this.runOnce();
      if (!this.pipelines() && result.processed > 0) onBatch?.(result.processed);
      processed += result.processed;
      if (result.caughtUp || result.busy || result.state !== 'running' || !go()) return { ...result, processed };
    }
  }

  /** The projection splits apply into prepare + write, so batches can overlap (see Projection.prepare). */
  private pipelines(): boolean {
    return typeof this.projection.prepare === 'function' && typeof this.projection.write === 'function';
  }

  /**
   * Batches in a pipeline, until caught up, not running, busy, poisoned or `go()` turns false: while batch N's
   * writes run in its transaction, batch N+1 is read and prepared on a second connection (a read-only
   * transaction), so the projection's fold and the database's writes overlap. Each batch still commits with
   * its checkpoint, in order, exactly as runOnce does; a speculation that read rows batch N changes, that
   * failed, or that no longer starts at the checkpoint is dropped and that batch is prepared again in its own
   * transaction. A failing batch goes to the same poison handling as runOnce.
   */
  private async runPipelined(go: () => boolean, onBatch?: (events: number) => void): Promise<RunResult> {
    await this.prepare();
    const peek = await peekCheckpoint(this.pool, this.name);
    if (!peek) throw new UnknownProjectionError(this.name);
    if (peek.state !== 'running' || !peek.hasWork) {
      return { processed: 0, state: peek.state, caughtUp: !peek.hasWork, busy: false, checkpoint: peek.checkpoint };
    }
    return this.withClient((client) =>
      this.withClient(async (reader) => {
        let ahead: Promise<Speculation | null> | null = null;
        let processed = 0;
        try {
          for (;;) {
            const speculation: Promise<Speculation | null> | null = ahead;
            ahead = null;
            const outcome = await this.runPipelinedBatch(client, speculation, (next) => (ahead = this.speculate(reader, next)));
            if ('poison' in outcome) {
              // Let the speculation finish with the reader before the poison search (it never rejects).
              await ahead;
              ahead = null;
              const result = await this.stopOnPoison(client, outcome);
              if (result.processed > 0) onBatch?.(result.processed);
              return { ...result, processed: processed + result.processed };
            }
            processed += outcome.processed;
            if (outcome.processed > 0) onBatch?.(outcome.processed);
            if (outcome.caughtUp || outcome.busy || outcome.state !== 'running' || !go()) return { ...outcome, processed };
          }
        } finally {
          await ahead; // the reader goes back to the pool only when idle
        }
      }),
    );
  }

  /** One batch of the pipeline: like runBatch, using the speculation when it starts at the checkpoint, and starting the next one before writing. */
  private async runPipelinedBatch(
    client: pg.PoolClient,
    speculation: Promise<Speculation | null> | null,
    speculateFrom: (from: Checkpoint) => void,
  ): Promise<RunResult | Poison> {
    return inTransaction<RunResult | Poison>(client, this.schema, async () => {
      const row = await lockOrBusy(client, this.name);
      if (row === 'busy') return { commit: false, value: busyResult() };
      if (!row) throw new UnknownProjectionError(this.name);
      const from = row.checkpoint;
      if (row.state !== 'running') return { commit: false, value: { processed: 0, state: row.state, caughtUp: false, busy: false, checkpoint: from } };

      const ready = speculation ? await speculation : null;
      let batch: { events: RecordedEvent[]; checkpoint: Checkpoint } | null;
      let prepared: unknown;
      if (ready && compareCheckpoints(ready.from, from) === 0) {
        ({ batch, prepared } = ready);
      } else {
        batch = await this.readFeed(client, from);
        if (!batch) return { commit: false, value: { processed: 0, state: 'running', caughtUp: true, busy: false, checkpoint: from } };
        try {
          prepared = await this.projection.prepare!(client, this.upcastAll(batch.events), { speculative: false });
        } catch (error) {
          if (isRetryable(error)) throw error;
          return { commit: false, value: { poison: true, from, events: batch.events, error } };
        }
      }
      const full = batch.events.length >= this.batchSize;
      // Only a full batch suggests more to read; the next one is prepared while this one writes.
      if (full) speculateFrom(batch.checkpoint);
      try {
        if (prepared !== null && prepared !== undefined) await this.projection.write!(client, prepared);
      } catch (error) {
        if (isRetryable(error)) throw error;
        return { commit: false, value: { poison: true, from, events: batch.events, error } };
      }
      await advanceCheckpoint(client, this.name, from, batch.checkpoint, batch.events.length);
      const processed = batch.events.length;
      return { commit: true, value: { processed, state: 'running', caughtUp: !full, busy: false, checkpoint: batch.checkpoint } };
    });
  }

  /**
   * Reads and prepares the batch after `from` in a read-only transaction on `reader`; null when there is none
   * or anything goes wrong (the batch is then prepared in its own transaction: a speculation never fails a batch).
   */
  private async speculate(reader: pg.PoolClient, from: Checkpoint): Promise<Speculation | null> {
    try {
      await reader.query('BEGIN READ ONLY');
      try {
        if (this.schema !== null) await reader.query(`SET LOCAL search_path TO ${reader.escapeIdentifier(this.schema)}, public`);
        const batch = await this.readFeed(reader, from);
        const prepared = batch ? await this.projection.prepare!(reader, this.upcastAll(batch.events), { speculative: true }) : null;
        return batch ? { from, batch, prepared } : null;
      } finally {
        await reader.query('COMMIT');
      }
    } catch (error) {
      if (!(error instanceof SpeculationFailedError) && !isRetryable(error)) {
        // Not an expected race: the batch will be prepared again in its own transaction, which reports it if it persists.
        this.log(`projection ${this.name}: preparing the next batch ahead failed; it is prepared again in its own transaction`, error);
      }
      return null;
    }
  }

  /** The batch after `from`: the guarded feed, or the readBatch option's source. */
  private readFeed(db: pg.ClientBase, from: Checkpoint): Promise<EventBatch | null> {
    return this.options.readBatch ? this.options.readBatch(db, from, this.batchSize) : feedReader(db, true).readBatch(from, this.batchSize);
  }

  private upcastAll<E extends RecordedEventBody>(events: readonly E[]): readonly E[] {
    const upcast = this.options.upcast;
    return upcast ? events.map(upcast) : events;
  }

  /** The batch transaction (see the class comment). A non-retryable apply error comes back as Poison, rolled back. */
  private async runBatch(client: pg.PoolClient): Promise<RunResult | Poison> {
    return inTransaction<RunResult | Poison>(client, this.schema, async () => {
      const row = await lockOrBusy(client, this.name);
      if (row === 'busy') return { commit: false, value: busyResult() };
      if (!row) throw new UnknownProjectionError(this.name);
      const from = row.checkpoint;
      if (row.state !== 'running') return { commit: false, value: { processed: 0, state: row.state, caughtUp: false, busy: false, checkpoint: from } };

      const batch = await this.readFeed(client, from);
      if (!batch) return { commit: false, value: { processed: 0, state: 'running', caughtUp: true, busy: false, checkpoint: from } };
      try {
        await this.apply(client, batch.events);
      } catch (error) {
        if (isRetryable(error)) throw error;
        return { commit: false, value: { poison: true, from, events: batch.events, error } };
      }
      await advanceCheckpoint(client, this.name, from, batch.checkpoint, batch.events.length);
      const processed = batch.events.length;
      return { commit: true, value: { processed, state: 'running', caughtUp: processed < this.batchSize, busy: false, checkpoint: batch.checkpoint } };
    });
  }

  private async apply(client: pg.PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const upcast = this.options.upcast;
    await this.projection.apply(client, upcast ? events.map(upcast) : events);
  }

  /**
   * The batch failed and was rolled back. Replays it in a second transaction to name the exact event; that
   * transaction then commits the events before it, the checkpoint just before it and the 'failed' state, so
   * failed_event_id is always the first event after the checkpoint. When no single event fails, nothing is
   * applied and the batch's first event is recorded with an explanation.
   */
  private async stopOnPoison(client: pg.PoolClient, { from, events, error }: Poison): Promise<RunResult> {
    const pinned = await inTransaction<{ culprit: Culprit; at: Checkpoint; message: string } | null | 'moved'>(client, this.schema, async () => {
      const row = await lockOrBusy(client, this.name);
      if (row === 'busy' || !row || row.state !== 'running' || compareCheckpoints(row.checkpoint, from) !== 0) return { commit: false, value: 'moved' };
      const culprit = await findFailingEvent(client, events, (part) => this.apply(client, part));
      if (!culprit) return { commit: false, value: null };
      const before = events[culprit.index - 1];
      const at = before ? checkpointOfEvent(before) : from;
      if (before) await advanceCheckpoint(client, this.name, from, at, culprit.index);
      const { event } = culprit;
      const message = `${describeError(culprit.error)} [event ${event.type} ${event.streamId}@${event.revision}, global position ${event.globalPosition}]`;
      if (!(await markFailed(client, this.name, at, message, event.eventId))) throw new CheckpointConflictError(this.name, at);
      return { commit: true, value: { culprit, at, message } };
    });
    if (pinned === 'moved') return busyResult(); // someone else moved the projection meanwhile: look again later

    let failed: RecordedEvent;
    let message: string;
    let at = from;
    let processed = 0;
    if (pinned) {
      ({ at, message } = pinned);
      failed = pinned.culprit.event;
      processed = pinned.culprit.index;
    } else {
      failed = events[0]!;
      message =
        `${describeError(error)} [the batch of ${events.length} events from global position ${failed.globalPosition} failed, but no single event ` +
        'fails after its predecessors: the failure depends on how the batch was composed (e.g. one upsert touching a row twice) or apply is not deterministic]';
      if (!(await markFailed(client, this.name, from, message, failed.eventId))) return busyResult();
    }
    this.log(`projection ${this.name} STOPPED (state failed) at event ${failed.eventId}: ${message}. Fix it, then restart().`, error);
    return { processed, state: 'failed', caughtUp: false, busy: false, checkpoint: at, failure: { eventId: failed.eventId, error: message } };
  }

  /** A pooled client; destroyed instead of returned after any error (its session state is unknown). */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection dies emits 'error'; unheard, that would crash the process. The
    // query in flight rejects as well, which is where the failure is handled.
    let connectionError: Error | undefined;
    const onError = (error: Error) => (connectionError = error);
    client.on('error', onError);
    try {
      const result = await work(client);
      client.removeListener('error', onError);
      client.release(connectionError);
      return result;
    } catch (error) {
      client.removeListener('error', onError);
      client.release(connectionError ?? (error instanceof Error ? error : new Error(String(error))));
      throw error;
    }
  }

  // ---- the background loop: standby, then lead until stopped or the session is lost ----

  private async runLoop(): Promise<void> {
    let failures = 0;
    let lostLeadership = false;
    while (!this.stopped) {
      // After losing leadership, let a waiting standby take over first instead of flapping back at once.
      if (lostLeadership) await this.sleeper.sleep(this.standbyMs, false);
      lostLeadership = false;
      if (this.stopped) break;
      const leader = new LeaderConnection(
        this.options.connection ?? this.pool.options,
        this.name,
        this.channel,
        () => {
          this.notified = true;
          this.sleeper.wake();
        },
        (error) => {
          if (!this.stopped) this.log(`projection ${this.name}: the leadership connection ended${this.leader === leader ? '; leadership lost' : ''}`, error);
          this.sleeper.wake();
        },
      );
      try {
        while (!this.stopped && !(await leader.tryAcquire())) await this.sleeper.sleep(this.standbyMs, false);
        if (this.stopped) break;
        failures = 0;
        this.leader = leader;
        this.log(`projection ${this.name}: leading (backend pid ${leader.pid})`);
        await this.lead(leader);
        lostLeadership = !this.stopped;
      } catch (error) {
        failures++;
        if (!this.stopped) this.log(`projection ${this.name}: leadership connection failed (attempt ${failures}), retrying`, error);
      } finally {
        // Clear the flag before the session ends: nobody else can lead before that, so flags never overlap.
        this.leader = null;
        await leader.close();
      }
      if (failures > 0) await this.sleeper.sleep(backoffDelay(failures), false);
    }
  }

  private async lead(leader: LeaderConnection): Promise<void> {
    let failures = 0;
    let heldBackDelay = 0;
    let lastHeartbeat = Date.now();
    while (!this.stopped && !leader.lost) {
      this.sleeper.clearWake();
      const notified = this.notified;
      this.notified = false;
      try {
        if (Date.now() - lastHeartbeat >= this.pollMs) {
          await leader.heartbeat();
          lastHeartbeat = Date.now();
        }
        const result = await this.catchUpWhile(() => !this.stopped && !leader.lost);
        failures = 0;
        if (result.caughtUp && result.processed > 0) this.options.onCaughtUp?.();
        if (this.sleeper.woken) continue;
        if (result.busy) {
          await this.sleeper.sleep(BUSY_RETRY_MS / 2 + Math.random() * BUSY_RETRY_MS);
        } else if (notified && result.state === 'running' && result.checkpoint && (await feedReader(this.pool, true).hasHeldBackEvents(result.checkpoint))) {
          // Notified, but an older transaction still holds the new event back: look again soon, not after the poll.
          heldBackDelay = Math.min(Math.max(10, heldBackDelay * 2), HELD_BACK_MAX_MS, this.pollMs);
          this.notified = true;
          await this.sleeper.sleep(heldBackDelay);
        } else {
          heldBackDelay = 0;
          await this.sleeper.sleep(this.pollMs);
        }
      } catch (error) {
        if (leader.lost) return;
        failures++;
        this.log(`projection ${this.name}: batch failed (attempt ${failures}), retrying from the same checkpoint`, error);
        await this.sleeper.sleep(backoffDelay(failures));
      }
    }
  }


}

function busyResult(): RunResult {
  return { processed: 0, state: 'running', caughtUp: false, busy: true, checkpoint: null };
}


function assertSchemaName(schema: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(schema)) throw new TypeError(`ProjectionRunner: invalid version schema name ${JSON.stringify(schema)}`);
  return schema;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`ProjectionRunner: ${what} must be a positive integer, got ${value}`);
  return value;
}
