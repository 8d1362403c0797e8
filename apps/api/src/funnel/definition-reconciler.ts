import type pg from 'pg';
import { definitionRef, type FunnelDefinition } from '../../../../libs/domain/src/index.js';
import { targetDefinition } from '../../../../libs/domain/src/funnel/definition-events.js';
import type { EventStore } from '../../../../libs/event-store/src/index.js';
import {
  RebuildInProgressError,
  beginRebuild,
  cancelRebuild,
  type ProjectionVersion,
} from '../../../../libs/projections/src/index.js';
import { DefinitionStreamReader, LEAD_FUNNEL, leadFunnelVersions, referenceOfVersionConfig, type LeadFunnelVersionConfig } from './definition-stream.js';

/** Advisory lock (namespace, key) serializing reconcilers of every process: one decides at a time. */
const RECONCILE_LOCK: readonly [number, number] = [0x464c4446, 1]; // 'FLDF'

export type ReconcileOutcome =
  /** The live views follow the target (or no definition was ever activated). */
  | { action: 'in-sync'; target: string | null }
  /** A rebuild under the target is building (or failed: see projectionStatus); nothing to start. */
  | { action: 'building'; target: string; version: ProjectionVersion | null }
  /** This pass started the rebuild under the target (after cancelling a superseded one, if any). */
  | { action: 'started'; target: string; version: ProjectionVersion; cancelled: ProjectionVersion | null }
  /** A superseded rebuild was cancelled and the active version already follows the target. */
  | { action: 'cancelled'; target: string; cancelled: ProjectionVersion }
  /** Another process is reconciling right now. */
  | { action: 'busy'; target: string };

export interface DefinitionReconcilerOptions {
  /** Starts the rebuild (default beginRebuild: any process running the projections builds it from its config). */
  begin?: (config: LeadFunnelVersionConfig) => Promise<ProjectionVersion>;
  /** Cancels the building version (default cancelRebuild). */
  cancel?: () => Promise<ProjectionVersion | null>;
  log?: (message: string) => void;
}

/**
 * Makes the live views follow the last activated definition. The activation event is the truth; the registry
 * (projection_versions) says what the views are built with: `config.definition`, or the app's initial
 * definition for a null config. Each pass compares the two and, when they differ, starts a blue/green rebuild
 * with `config: { definition }` (any process running the projections builds it from that config alone), and
 * cancels a building version made for a superseded definition. Crash-safe by construction: a process that dies
 * between the activation and the rebuild leaves a difference the next pass (here or in a worker) repairs.
 * Plain code (no Nest): the API, the worker and the CLI run it.
 */
export class DefinitionReconciler {
  private readonly reader: DefinitionStreamReader;

  constructor(
    private readonly pool: pg.Pool,
    store: EventStore,
    private readonly initial: FunnelDefinition,
    private readonly options: DefinitionReconcilerOptions = {},
  ) {
    this.reader = new DefinitionStreamReader(store, initial);
  }

  async reconcile(): Promise<ReconcileOutcome> {
    const target = targetDefinition(await this.reader.read());
    if (!target) return { action: 'in-sync', target: null };
    const versions = await leadFunnelVersions(this.pool);
    if (this.settled(versions, target.reference)) return { action: 'in-sync', target: target.reference };

    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...RECONCILE_LOCK]);
      if (!rows[0]!.locked) return { action: 'busy', target: target.reference };
      try {
        // Under the lock, from a fresh read: another process may have acted since.
        const fresh = targetDefinition(await this.reader.read())!;
        return await this.act(fresh.reference, fresh.definition);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [...RECONCILE_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  private settled(versions: Awaited<ReturnType<typeof leadFunnelVersions>>, target: string): boolean {
    const active = versions.find((v) => v.state === 'active');
    const building = versions.find((v) => v.state === 'building');
    return !!active && this.refOf(active.config) === target && (!building || this.refOf(building.config) === target);
  }

  private async act(target: string, definition: FunnelDefinition): Promise<ReconcileOutcome> {
    const versions = await leadFunnelVersions(this.pool);
    const active = versions.find((v) => v.state === 'active');
    let building = versions.find((v) => v.state === 'building');
    let cancelled: ProjectionVersion | null = null;
    if (building && this.refOf(building.config) !== target) {
      cancelled = await (this.options.cancel ?? (() => cancelRebuild(this.pool, LEAD_FUNNEL)))();
      if (cancelled) this.options.log?.(`definition ${target} supersedes ${this.refOf(building.config)}: rebuild of lead_funnel version ${cancelled.version} cancelled`);
      building = undefined;
    }
    if (active && this.refOf(active.config) === target) {
      return cancelled ? { action: 'cancelled', target, cancelled } : { action: 'in-sync', target };
    }
    if (building) return { action: 'building', target, version: null };
    try {
      const config: LeadFunnelVersionConfig = { definition };
      const version = await (this.options.begin ?? ((c) => beginRebuild(this.pool, LEAD_FUNNEL, { config: c })))(config);
      this.options.log?.(`definition ${target} activated: lead_funnel version ${version.version} is building under it`);
      return { action: 'started', target, version, cancelled };
    } catch (error) {
      // A plain rebuild began between our read and now: the next pass compares again.
      if (error instanceof RebuildInProgressError) return { action: 'building', target, version: null };
      throw error;
    }
  }

  private refOf(config: unknown): string {
    return referenceOfVersionConfig(config, this.initial);
  }

  /** name@version of the app's initial definition (what a null config means). */
  get initialReference(): string {
    return definitionRef(this.initial);
  }
}
