import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  ProjectionSupervisor,
  UnknownProjectionError,
  beginRebuild,
  projectionVersions,
  type Projection,
  type ProjectionVersion,
  type SupervisedProjection,
} from '../../../../libs/projections/src/index.js';
import { DEFAULT_FUNNEL_DEFINITION, type FunnelDefinition } from '../../../../libs/domain/src/index.js';
import type { AppConfig } from '../config/app-config.js';
import { DefinitionReconciler, type ReconcileOutcome } from '../funnel/definition-reconciler.js';
import { LEAD_FUNNEL, definitionOfVersionConfig } from '../funnel/definition-stream.js';
import { FunnelDefinitions } from '../funnel/funnel-definitions.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { APP_CONFIG } from '../storage/storage.module.js';
import { readModelProjections, upcastRecordedEvent } from './read-model-projections.js';

/** How often the definition reconciler compares the last activation with the lead_funnel versions (ms). */
export const RECONCILE_DEFINITIONS_MS = 1000;

/**
 * Runs the read-model projections in this process (the API by default, the worker always) through a
 * ProjectionSupervisor: the active version of each projection, and the version a blue/green rebuild is
 * building. Each runner competes for its version's leadership lock, so API and worker processes may all run
 * them: one is active per version, the others stand by. Runners stop before the storage closes.
 */
@Injectable()
export class ProjectionHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private supervisor: ProjectionSupervisor | null = null;
  private reconciler: DefinitionReconciler | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private reconciling: Promise<ReconcileOutcome | null> | null = null;
  private reconcileFailing = false;

  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // The API's catalogue (for its initial definition); absent in the worker (no FunnelModule there): the default.
    @Optional() @Inject(FunnelDefinitions) private readonly definitions?: FunnelDefinitions,
  ) {}

  /** The definition a version with a null config is built with (the app's `activeDefinition`, or the default). */
  private initialDefinition(): FunnelDefinition {
    return this.definitions?.initial() ?? DEFAULT_FUNNEL_DEFINITION;
  }

  /**
   * The projections this product runs, by name, each able to construct its instance for a version: a
   * lead_funnel version is built from its registry config alone (`{ definition }` after an activation, null
   * for the initial definition), so every process builds the same tables for it, catalogue or not.
   */
  private supervised(): SupervisedProjection[] {
    const initial = this.initialDefinition();
    return readModelProjections(initial).map((projection) => ({
      name: projection.name,
      create: (config: unknown) => readModelProjections(projection.name === LEAD_FUNNEL ? definitionOfVersionConfig(config, initial) : initial).find((p) => p.name === projection.name)!,
    }));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runProjections) {
      this.logger.log('RUN_PROJECTIONS=false: projections run elsewhere (the worker)');
      return;
    }
    const log = (message: string, error?: unknown) => this.logger.warn(error instanceof Error ? `${message}: ${error.message}` : message);
    // Rebuild milestones are news, not warnings; their failures are.
    const milestones = (message: string, error?: unknown) => (error === undefined ? this.logger.log(message) : log(message, error));
    const supervisor = new ProjectionSupervisor(this.storage.pool, this.supervised(), { runner: { upcast: upcastRecordedEvent, log }, log: milestones });
    await supervisor.start();
    this.supervisor = supervisor;
    this.logger.log(`running projections: ${supervisor.runners().map((r) => r.name).join(', ')}`);
    this.startReconciler(supervisor);
  }

  /**
   * Follows definition activations wherever projections run (the worker too: it reads the definitions stream
   * itself): each pass compares the last activated definition with the lead_funnel versions' configs and starts
   * (or cancels) the rebuild that makes the live views follow it. See DefinitionReconciler.
   */
  private startReconciler(supervisor: ProjectionSupervisor): void {
    this.reconciler = new DefinitionReconciler(this.storage.pool, this.storage.eventStore, this.initialDefinition(), {
      begin: (config) => supervisor.rebuild(LEAD_FUNNEL, { config }),
      cancel: () => supervisor.cancelRebuild(LEAD_FUNNEL),
      log: (message) => this.logger.log(message),
    });
    const pass = () => {
      this.reconcileDefinitions().catch(() => undefined);
    };
    pass();
    this.reconcileTimer = setInterval(pass, RECONCILE_DEFINITIONS_MS);
    this.reconcileTimer.unref();
  }

  /** One reconciler pass now (null when projections do not run here); concurrent calls share it. */
  async reconcileDefinitions(): Promise<ReconcileOutcome | null> {
    if (!this.reconciler) return null;
    if (this.reconciling) return this.reconciling;
    const reconciler = this.reconciler;
    this.reconciling = (async () => {
      try {
        const outcome = await reconciler.reconcile();
        if (this.reconcileFailing) this.logger.log('definition reconciler: working again');
        this.reconcileFailing = false;
        return outcome;
      } catch (error) {
        if (!this.reconcileFailing) this.logger.warn(`definition reconciler: pass failed, retrying: ${(error as Error).message}`);
        this.reconcileFailing = true;
        throw error;
      } finally {
        this.reconciling = null;
      }
    })();
    return this.reconciling;
  }

  /**
   * Starts a blue/green rebuild of a projection: its next version is built from the start of the ledger while
   * the current one keeps answering, then readers switch atomically. Without projections running in this
   * process (RUN_PROJECTIONS=false) the rebuild is only registered: the worker builds and swaps it. `projection`
   * (another instance for the new version, e.g. another definition) needs projections running here.
   * Rejects with UnknownProjectionError, ProjectionNotVersionedError or RebuildInProgressError.
   */
  async rebuild(name: string, options: { projection?: Projection } = {}): Promise<ProjectionVersion> {
    if (!this.supervised().some((p) => p.name === name)) throw new UnknownProjectionError(name);
    const config = await rebuildConfig(this.storage.pool, name);
    if (this.supervisor) return this.supervisor.rebuild(name, { ...options, config });
    if (options.projection) throw new Error('rebuild with a projection instance needs the projections running in this process (RUN_PROJECTIONS=true)');
    return beginRebuild(this.storage.pool, name, { config });
  }

  /** Whether this product runs a projection of that name. */
  knows(name: string): boolean {
    return this.supervised().some((p) => p.name === name);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.reconcileTimer = null;
    this.reconciler = null;
    await this.reconciling?.catch(() => undefined);
    await this.supervisor?.stop();
    this.supervisor = null;
  }
}

/**
 * What a plain rebuild is built with: the config of a failed (or paused) building version it replaces, e.g. an
 * activation's rebuild that stopped on a poison event (retrying it must not fall back to the old definition);
 * otherwise the active version's (its definition): only an activation changes the definition.
 */
export async function rebuildConfig(pool: import('pg').Pool, name: string): Promise<unknown> {
  const versions = await projectionVersions(pool, [name]);
  const building = versions.find((v) => v.state === 'building');
  return (building ?? versions.find((v) => v.state === 'active'))?.config ?? null;
}
