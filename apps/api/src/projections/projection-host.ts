import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  ProjectionSupervisor,
  UnknownProjectionError,
  beginRebuild,
  type Projection,
  type ProjectionVersion,
  type SupervisedProjection,
} from '../../../../libs/projections/src/index.js';
import type { AppConfig } from '../config/app-config.js';
import { FunnelDefinitions } from '../funnel/funnel-definitions.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { APP_CONFIG } from '../storage/storage.module.js';
import { readModelProjections, upcastRecordedEvent } from './read-model-projections.js';

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

  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // The API's active definition; absent in the worker (no FunnelModule there): the default definition.
    @Optional() @Inject(FunnelDefinitions) private readonly definitions?: FunnelDefinitions,
  ) {}

  /** The projections this product runs, by name, each able to construct its instance for a version. */
  private supervised(): SupervisedProjection[] {
    return readModelProjections(this.definitions?.active()).map((projection) => ({
      name: projection.name,
      // A fresh instance per version (config is for definition activation, not used yet).
      create: () => readModelProjections(this.definitions?.active()).find((p) => p.name === projection.name)!,
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
  }

  /**
   * Starts a blue/green rebuild of a projection: its next version is built from the start of the ledger while
   * the current one keeps answering, then readers switch atomically. Without projections running in this
   * process (RUN_PROJECTIONS=false) the rebuild is only registered: the worker builds and swaps it. `projection`
   * (another instance for the new version, e.g. another definition) needs projections running here.
   * Rejects with UnknownProjectionError, ProjectionNotVersionedError or RebuildInProgressError.
   */
  async rebuild(name: string, options: { projection?: Projection } = {}): Promise<ProjectionVersion> {
    if (this.supervisor) return this.supervisor.rebuild(name, options);
    if (!this.supervised().some((p) => p.name === name)) throw new UnknownProjectionError(name);
    if (options.projection) throw new Error('rebuild with a projection instance needs the projections running in this process (RUN_PROJECTIONS=true)');
    return beginRebuild(this.storage.pool, name);
  }

  /** Whether this product runs a projection of that name. */
  knows(name: string): boolean {
    return this.supervised().some((p) => p.name === name);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.supervisor?.stop();
    this.supervisor = null;
  }
}
