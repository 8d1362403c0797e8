import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { WakeableSleep } from '../../event-store/src/wakeable-sleep.js';
import { peekCheckpoint, UnknownProjectionError } from './checkpoints.js';
import type { Projection } from './projection.js';
import { completeBuildTables } from './version-tables.js';
import { ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner.js';
import {
  beginRebuild,
  cancelRebuild,
  dropRetiredVersion,
  eventsBehindActive,
  projectionVersions,
  swapVersion,
  type ProjectionVersion,
  type SwapOutcome,
} from './versions.js';

/** A projection the supervisor runs, and how to construct its instance for a version. */
export interface SupervisedProjection {
  /** The projection's name: every instance `create` returns must carry it. */
  readonly name: string;
  /**
   * An instance for a version whose registry `config` is given (null: the default instance; an unversioned
   * projection is always created with null). Issue 4's definitions will pass e.g. a definition reference here.
   */
  create(config: unknown): Projection;
}

export interface ProjectionSupervisorOptions {
  /** Options of every runner (the version is the supervisor's business). */
  runner?: Omit<ProjectionRunnerOptions, 'version'>;
  /**
   * How often it looks at the registry, and whether a building version it leads has caught up (ms, default 250:
   * a rebuild asked for in another process starts within it; a pass is two small queries).
   */
  reconcileIntervalMs?: number;
  /**
   * A building version is swapped in once it is at most this many events behind the active version (default
   * 1000; the swap applies them while it holds the live checkpoint), or has nothing left to read.
   */
  swapWithinEvents?: number;
  /** lock_timeout of the swap (ms, default 1000): how long readers of the views may queue behind it. */
  swapLockTimeoutMs?: number;
  /** How long the swap may hold the live checkpoint while the building version catches up the last events (ms, default 2000). */
  swapCatchUpWithinMs?: number;
  /** lock_timeout when dropping a retired version (ms, default 1000); on timeout it tries again on a later pass. */
  dropLockTimeoutMs?: number;
  /** Rebuild milestones and background problems; default console.warn. */
  log?: (message: string, error?: unknown) => void;
}

export interface RebuildOptions {
  /**
   * The instance that builds the new version (e.g. a LeadFunnelProjection with another definition). It lives
   * in this process only, so only this supervisor builds that version (until it is swapped in: after that, every
   * process runs it with its own `create(config)`). Omitted: `create(config)` in any process.
   */
  projection?: Projection;
  /** Stored with the version (projection_versions.config) and passed to `create` by every process. */
  config?: unknown;
}

interface Running {
  runner: ProjectionRunner;
  projection: string;
  version: ProjectionVersion | null;
}

/**
 * Runs a set of projections in this process, blue/green versions included:
 * - an unversioned projection (no row in projection_versions): one runner on its plain checkpoint;
 * - a versioned one: a runner for its active version, and one for its building version when a rebuild is
 *   under way (each competes for its own leadership lock, so API and worker processes may all run them);
 * - the supervisor that leads a building version swaps it in once it has caught up (swapVersion), then stops
 *   the old version's runner; any supervisor drops retired versions' schemas (with a lock timeout, retried).
 * `rebuild(name)` starts a rebuild (beginRebuild) and wakes the loop; other processes notice on their next pass.
 */
export class ProjectionSupervisor {
  /** Identifies this supervisor as the builder of versions started with their own instance. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly byName: Map<string, SupervisedProjection>;
  private readonly running = new Map<string, Running>();
  private readonly overrides = new Map<string, Projection>();
  private readonly sleeper = new WakeableSleep();
  private readonly log: (message: string, error?: unknown) => void;
  private readonly intervalMs: number;
  private readonly reported = new Set<string>();
  private loop: Promise<void> | null = null;
  private stopped = false;
  private passing: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    projections: readonly SupervisedProjection[],
    private readonly options: ProjectionSupervisorOptions = {},
  ) {
    this.byName = new Map(projections.map((p) => [p.name, p]));
    if (this.byName.size !== projections.length) throw new TypeError('ProjectionSupervisor: projection names must be unique');
    this.log = options.log ?? options.runner?.log ?? ((message, error) => console.warn(`[projections] ${message}`, error ?? ''));
    this.intervalMs = options.reconcileIntervalMs ?? 250;
  }

  /** The projections' names. */
  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** Starts the runners (rejects like ProjectionRunner.start when the schema is missing), then reconciles in the background. */
  async start(): Promise<void> {
    if (this.loop || this.stopped) throw new Error('ProjectionSupervisor: starts once');
    await this.reconcile();
    this.loop = this.runLoop();
  }

  /** Stops the loop and every runner (each finishes its batch in flight). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.stop();
    await this.loop?.catch(() => undefined);
    await this.passing?.catch(() => undefined);
    await Promise.all([...this.running.values()].map(({ runner }) => runner.stop()));
    this.running.clear();
  }

  /** The runners of this process by checkpoint name (tests, diagnostics). */
  runners(): ProjectionRunner[] {
    return [...this.running.values()].map((r) => r.runner);
  }

  /**
   * Starts a blue/green rebuild of the projection: the next version's tables are created LIKE the active ones
   * and built from the start of the feed while the active version keeps serving; the swap happens once it has
   * caught up. Rejects with UnknownProjectionError for a name this supervisor does not run,
   * ProjectionNotVersionedError, RebuildInProgressError.
   */
  async rebuild(name: string, options: RebuildOptions = {}): Promise<ProjectionVersion> {
    if (!this.byName.has(name)) throw new UnknownProjectionError(name);
    if (options.projection && options.projection.name !== name) {
      throw new TypeError(`rebuild(${name}): the projection instance is named ${options.projection.name}`);
    }
    const version = await beginRebuild(this.pool, name, { builder: options.projection ? this.id : null, config: options.config });
    if (options.projection) this.overrides.set(version.checkpoint, options.projection);
    this.log(`projection ${name}: rebuild started, version ${version.version} building in schema ${version.schema}`);
    this.sleeper.wake();
    return version;
  }

  /** Gives up the projection's building version (checkpoint retired, schema dropped); null when none. */
  async cancelRebuild(name: string): Promise<ProjectionVersion | null> {
    if (!this.byName.has(name)) throw new UnknownProjectionError(name);
    const cancelled = await cancelRebuild(this.pool, name);
    if (cancelled) this.log(`projection ${name}: rebuild of version ${cancelled.version} cancelled`);
    this.sleeper.wake();
    return cancelled;
  }

  /** One pass (the loop runs it every reconcileIntervalMs; tests may call it). Serialized with the loop's passes. */
  async reconcile(): Promise<void> {
    while (this.passing) await this.passing.catch(() => undefined);
    this.passing = this.pass();
    try {
      await this.passing;
    } finally {
      this.passing = null;
    }
  }

  private async runLoop(): Promise<void> {
    while (!this.stopped) {
      await this.sleeper.sleep(this.intervalMs);
      if (this.stopped) break;
      try {
        await this.reconcile();
      } catch (error) {
        if (!this.stopped) this.log('projection supervisor: reconcile pass failed, retrying', error);
      }
    }
  }

  private async pass(): Promise<void> {
    const versions = await projectionVersions(this.pool, this.names);
    // What this process should run, by checkpoint name.
    const wanted = new Map<string, { projection: SupervisedProjection; version: ProjectionVersion | null }>();
    for (const projection of this.byName.values()) {
      const own = versions.filter((v) => v.projection === projection.name);
      if (own.length === 0) {
        wanted.set(projection.name, { projection, version: null });
        continue;
      }
      for (const version of own) {
        if (version.state === 'active') wanted.set(version.checkpoint, { projection, version });
        if (version.state === 'building' && (version.builder === null || version.builder === this.id)) {
          wanted.set(version.checkpoint, { projection, version });
        }
      }
    }
    for (const [checkpoint, entry] of this.running) {
      if (!wanted.has(checkpoint)) await this.retire(checkpoint, entry);
    }
    let firstError: unknown = null;
    for (const [checkpoint, { projection, version }] of wanted) {
      if (this.running.has(checkpoint) || this.stopped) continue;
      const instance = (version && this.overrides.get(checkpoint)) ?? projection.create(version?.config ?? null);
      if (instance.name !== projection.name) throw new TypeError(`projection ${projection.name}: create() returned an instance named ${instance.name}`);
      const runner = new ProjectionRunner(this.pool, instance, {
        ...this.options.runner,
        version: version ? { checkpoint: version.checkpoint, schema: version.schema } : null,
        // A building version's tables are read by nobody until the swap: filled stream by stream up to the head first;
        // once it has caught up, this supervisor looks at once whether to swap it in (not a pass later).
        ...(version?.state === 'building' ? { bulk: 'head' as const, onCaughtUp: () => this.sleeper.wake() } : {}),
      });
      try {
        await runner.start();
        this.running.set(checkpoint, { runner, projection: projection.name, version });
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError) throw firstError;

    // Swap in building versions this process leads once they have caught up.
    for (const version of versions.filter((v) => v.state === 'building')) {
      const entry = this.running.get(version.checkpoint);
      if (!entry?.runner.isLeader || this.stopped) continue;
      const peek = await peekCheckpoint(this.pool, version.checkpoint);
      if (!peek || peek.state !== 'running') continue;
      // Under a steady stream of appends there is nearly always something new to read: close enough will do.
      const within = this.options.swapWithinEvents ?? 1000;
      if (peek.hasWork && (await eventsBehindActive(this.pool, version, within)) > within) continue;
      const active = versions.find((v) => v.projection === version.projection && v.state === 'active');
      if (active && !(await this.completeIndexes(active, version))) continue;
      await this.trySwap(version, entry.runner);
    }
    // Drop retired versions' schemas (whoever gets there first; the registry row lock serializes).
    const retired = (await projectionVersions(this.pool, this.names)).filter((v) => v.state === 'retired' && v.droppedAt === null);
    for (const version of retired) {
      const entry = this.running.get(version.checkpoint);
      if (entry) await this.retire(version.checkpoint, entry);
      try {
        if (await dropRetiredVersion(this.pool, version.projection, version.version, { lockTimeoutMs: this.options.dropLockTimeoutMs })) {
          this.log(`projection ${version.projection}: dropped retired version ${version.version} (schema ${version.schema})`);
        }
      } catch (error) {
        if (!isLockTimeout(error)) this.logOnce(`drop:${version.checkpoint}`, `projection ${version.projection}: dropping retired version ${version.version} failed, retrying`, error);
      }
    }
  }

  /**
   * Builds the secondary indexes the building version deferred (version-tables.ts), once it has nearly caught
   * up: its runner keeps going meanwhile (its writes wait for each index build). False when it failed (retried
   * on the next pass).
   */
  private async completeIndexes(active: ProjectionVersion, building: ProjectionVersion): Promise<boolean> {
    try {
      const started = Date.now();
      const created = await completeBuildTables(this.pool, active.schema, building.schema);
      if (created.length > 0) {
        this.log(`projection ${building.projection}: version ${building.version} indexed (${created.length} indexes in ${Date.now() - started} ms)`);
      }
      return true;
    } catch (error) {
      this.logOnce(`index:${building.checkpoint}`, `projection ${building.projection}: indexing version ${building.version} failed, retrying`, error);
      return false;
    }
  }

  private async trySwap(version: ProjectionVersion, runner: ProjectionRunner): Promise<void> {
    let outcome: SwapOutcome;
    try {
      outcome = await swapVersion(this.pool, version.projection, version.version, {
        lockTimeoutMs: this.options.swapLockTimeoutMs,
        catchUpWithinMs: this.options.swapCatchUpWithinMs,
        catchUp: async () => {
          const result = await runner.catchUp();
          if (result.busy) await new Promise((resolve) => setTimeout(resolve, 5));
        },
      });
    } catch (error) {
      if (!isLockTimeout(error)) this.logOnce(`swap:${version.checkpoint}`, `projection ${version.projection}: swap to version ${version.version} failed, retrying`, error);
      return;
    }
    if (!outcome.swapped) return;
    this.log(
      `projection ${version.projection}: version ${outcome.to.version} is live (readers switched from version ${outcome.from.version}, now retired)`,
    );
    const old = this.running.get(outcome.from.checkpoint);
    if (old) await this.retire(outcome.from.checkpoint, old);
    this.overrides.delete(outcome.to.checkpoint);
  }

  private async retire(checkpoint: string, entry: Running): Promise<void> {
    this.running.delete(checkpoint);
    this.overrides.delete(checkpoint);
    await entry.runner.stop();
  }

  private logOnce(key: string, message: string, error: unknown): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.log(message, error);
  }
}

function isLockTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '55P03' || code === '40P01';
}
