import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ProjectionRunner } from '../../../../libs/projections/src/index.js';
import type { AppConfig } from '../config/app-config.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { APP_CONFIG } from '../storage/storage.module.js';
import { readModelProjections, upcastRecordedEvent } from './read-model-projections.js';

/**
 * Runs the read-model projections in this process (the API by default, the worker always). Each runner
 * competes for its projection's leadership lock, so API and worker processes may all run them: one is active
 * per projection, the others stand by. Runners stop before the storage closes.
 */
@Injectable()
export class ProjectionHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private runners: ProjectionRunner[] = [];

  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runProjections) {
      this.logger.log('RUN_PROJECTIONS=false: projections run elsewhere (the worker)');
      return;
    }
    this.runners = readModelProjections().map(
      (projection) =>
        new ProjectionRunner(this.storage.pool, projection, {
          upcast: upcastRecordedEvent,
          log: (message, error) => this.logger.warn(error instanceof Error ? `${message}: ${error.message}` : message),
        }),
    );
    for (const runner of this.runners) await runner.start();
    this.logger.log(`running projections: ${this.runners.map((r) => r.name).join(', ')}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    this.runners = [];
  }
}
