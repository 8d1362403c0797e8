import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import {
  isolatedBuild,
  isolatedBuilds,
  runIsolatedBuild,
  type IsolatedBuild,
  type RunIsolatedBuildOutcome,
} from '../../../../libs/projections/src/index.js';
import { LeadFunnelProjection } from '../../../../libs/read-models/src/index.js';
import type { AppConfig } from '../config/app-config.js';
import { upcastRecordedEvent } from '../projections/read-model-projections.js';
import { definitionOfConfig } from '../read/definition-config.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { APP_CONFIG } from '../storage/storage.module.js';
import { SCENARIO_OPTIONS, type ScenarioOptions } from './scenario-options.js';

export interface DriveOptions {
  /** Aborting cancels the build (CLI Ctrl-C). */
  signal?: AbortSignal;
  onProgress?: (processed: number, total: number) => void;
}

/**
 * Drives isolated builds (scenarios, as-of builds) in this process: each build's replay runs in the
 * background under its advisory lock (runIsolatedBuild), at most once per build per process. A process that
 * runs projections (RUN_PROJECTIONS, the API by default) also resumes, at start and then every
 * resumeIntervalMs, RUNNING builds whose lock is free (their process stopped or crashed): they continue from
 * their checkpoint. On shutdown the replays stop after their batch in flight and stay RUNNING.
 */
@Injectable()
export class BuildDriver implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Scenarios');
  private readonly driving = new Map<string, Promise<RunIsolatedBuildOutcome>>();
  private readonly stopping = new AbortController();
  private sweep: NodeJS.Timeout | null = null;

  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SCENARIO_OPTIONS) private readonly options: ScenarioOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runProjections) return;
    void this.resumeAbandoned();
    if (this.options.resumeIntervalMs > 0) {
      this.sweep = setInterval(() => void this.resumeAbandoned(), this.options.resumeIntervalMs);
      this.sweep.unref();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.stopping.abort();
    await Promise.allSettled([...this.driving.values()]);
  }

  /** Whether this process drives the build now. */
  isDriving(id: string): boolean {
    return this.driving.has(id);
  }

  /**
   * Drives the build to its end here (or joins this process's replay of it). Resolves with its final status,
   * 'RUNNING' if this process stopped, or 'busy' when another process drives it.
   */
  drive(build: IsolatedBuild, options: DriveOptions = {}): Promise<RunIsolatedBuildOutcome> {
    const existing = this.driving.get(build.id);
    if (existing) return existing;
    const definition = definitionOfConfig({ definition: build.definition });
    if (!definition) return Promise.reject(new Error(`build ${build.id}: its stored definition is not valid`));
    const run = runIsolatedBuild(this.storage.pool, build, new LeadFunnelProjection(definition), {
      signal: options.signal,
      stop: this.stopping.signal,
      upcast: upcastRecordedEvent,
      batchSize: this.options.replayBatchSize,
      onProgress: options.onProgress,
      log: (message, error) => this.logger.warn(error instanceof Error ? `${message}: ${error.message}` : message),
    })
      .then((outcome) => {
        if (outcome !== 'busy' && outcome !== 'RUNNING') this.logger.log(`${build.kind} ${build.id} (${build.name}): ${outcome}`);
        return outcome;
      })
      .catch((error: unknown) => {
        this.logger.error(`${build.kind} ${build.id}: replay stopped: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      })
      .finally(() => this.driving.delete(build.id));
    this.driving.set(build.id, run);
    return run;
  }

  /** Starts driving RUNNING builds nobody drives (a free lock); errors are logged, never thrown. */
  async resumeAbandoned(): Promise<void> {
    try {
      const running = [...(await isolatedBuilds(this.storage.pool, 'SCENARIO', ['RUNNING'])), ...(await isolatedBuilds(this.storage.pool, 'AS_OF', ['RUNNING']))];
      for (const build of running) {
        if (this.driving.has(build.id) || this.stopping.signal.aborted) continue;
        void this.drive(build).catch(() => undefined);
      }
    } catch (error) {
      if (!this.stopping.signal.aborted) this.logger.warn(`looking for scenarios to resume failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The build as stored now. */
  get(id: string): Promise<IsolatedBuild | null> {
    return isolatedBuild(this.storage.pool, id);
  }
}
