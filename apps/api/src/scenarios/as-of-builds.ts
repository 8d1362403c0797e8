import { Inject, Injectable, Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { definitionRef, type FunnelDefinition } from '../../../../libs/domain/src/index.js';
import {
  activeVersionOf,
  createIsolatedBuild,
  deleteIsolatedBuild,
  IsolatedBuildNotFoundError,
  isolatedBuild,
  isolatedBuilds,
  touchIsolatedBuild,
  type IsolatedBuild,
} from '../../../../libs/projections/src/index.js';
import { FunnelDefinitions } from '../funnel/funnel-definitions.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { BuildDriver } from './build-driver.js';
import { SCENARIO_OPTIONS, type ScenarioOptions } from './scenario-options.js';

/** How many of the newest events (feed order) are looked at for the newest recordedAt (commit order is not recordedAt order). */
const NEWEST_WINDOW = 1000;
const UNIQUE_VIOLATION = '23505';

/**
 * As-of (knowledge time) reads: the read models as they would have been with only the events recorded at or
 * before `asOf` (a backfill of older business dates recorded later is left out).
 * - `asOf` at or after the newest event's recordedAt: nothing is left out, the live views answer.
 * - Otherwise an isolated build (kind AS_OF) replays the feed from the start, skipping events recorded after
 *   `asOf`, under the definition live at `asOf`, into a schema of its own. It is cached per (definition,
 *   asOf) in isolated_builds: the first query starts it and waits up to asOfWaitMs; if it has not finished, the
 *   query answers AS_OF_BUILDING with its progress, and a later query finds it (running or completed).
 * - Eviction: after a build completes, completed as-of builds unused for asOfMaxIdleMs, and beyond the
 *   asOfKeep most recently used, are dropped.
 * Cost: one full replay of the ledger per distinct (definition, asOf) (the rate of a rebuild), and the disk of
 * one more copy of the read models per cached instant; a cached instant answers as fast as the live views.
 */
@Injectable()
export class AsOfBuilds {
  private readonly logger = new Logger('AsOf');

  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(FunnelDefinitions) private readonly definitions: FunnelDefinitions,
    @Inject(BuildDriver) private readonly driver: BuildDriver,
    @Inject(SCENARIO_OPTIONS) private readonly options: ScenarioOptions,
  ) {}

  /** 'live' when nothing was recorded after asOf; else the completed build for asOf (AS_OF_BUILDING while it runs). */
  async scopeAt(asOf: Date): Promise<'live' | IsolatedBuild> {
    const pool = this.storage.pool;
    const { rows } = await pool.query<{ newest: Date | null }>({
      text: `SELECT max(n.recorded_at) AS newest FROM (
               SELECT e.recorded_at FROM events e ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT ${NEWEST_WINDOW}) n`,
    });
    const newest = rows[0]?.newest ?? null;
    if (newest === null || asOf.getTime() >= newest.getTime()) return 'live';

    const definition = this.definitionLiveAt(asOf);
    let build = await this.find(definition, asOf);
    if (!build) {
      const active = await activeVersionOf(pool, 'lead_funnel');
      if (!active) throw new Error('lead_funnel has no active version: run the migrations');
      try {
        build = await createIsolatedBuild(pool, {
          kind: 'AS_OF',
          projection: 'lead_funnel',
          sourceSchema: active.schema,
          name: `as of ${asOf.toISOString()}`,
          definition,
          definitionRef: definitionRef(definition),
          asOf,
        });
        this.logger.log(`as-of build ${build.id} for ${asOf.toISOString()} started (${build.totalEvents} events)`);
      } catch (error) {
        if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
        build = await this.find(definition, asOf); // another request created it first
        if (!build) throw error;
      }
    }
    if (build.status === 'COMPLETED') {
      void touchIsolatedBuild(pool, build.id).catch(() => undefined);
      return build;
    }
    const driving = this.driver.drive(build).then((outcome) => {
      if (outcome === 'COMPLETED') void this.evict();
      return outcome;
    });
    driving.catch(() => undefined);
    const outcome = await Promise.race([driving, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), this.options.asOfWaitMs).unref())]);
    // 'busy': another process drives it; look at what it has done so far.
    const now = outcome === 'COMPLETED' ? await isolatedBuild(pool, build.id) : await this.waitElsewhere(build, outcome);
    if (now?.status === 'COMPLETED') return now;
    if (!now || now.status === 'FAILED' || now.status === 'CANCELLED') {
      throw new GraphQLError(`The as-of build for ${asOf.toISOString()} ${now ? `is ${now.status}${now.error ? `: ${now.error}` : ''}` : 'was deleted'}; ask again to start a new one`, {
        extensions: { code: 'AS_OF_FAILED', asOf: asOf.toISOString() },
      });
    }
    throw new GraphQLError(
      `The ledger as of ${asOf.toISOString()} is being replayed (${now.processedEvents} of ${now.totalEvents} events); ask again shortly`,
      {
        extensions: {
          code: 'AS_OF_BUILDING',
          asOf: asOf.toISOString(),
          processedEvents: now.processedEvents,
          totalEvents: now.totalEvents,
          progress: now.totalEvents === 0 ? 0 : Math.min(1, now.processedEvents / now.totalEvents),
        },
      },
    );
  }

  /** The definition whose views were live at `asOf` (from the version registry's swap times). */
  private definitionLiveAt(asOf: Date): FunnelDefinition {
    return this.definitions.activeAt(asOf);
  }

  /** When another process drives the build (or the wait ran out): poll its row until it ends or the wait is over. */
  private async waitElsewhere(build: IsolatedBuild, outcome: string): Promise<IsolatedBuild | null> {
    if (outcome !== 'busy') return isolatedBuild(this.storage.pool, build.id);
    const deadline = Date.now() + this.options.asOfWaitMs;
    for (;;) {
      const now = await isolatedBuild(this.storage.pool, build.id);
      if (!now || now.status !== 'RUNNING' || Date.now() >= deadline) return now;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async find(definition: FunnelDefinition, asOf: Date): Promise<IsolatedBuild | null> {
    const { rows } = await this.storage.pool.query<{ id: string }>({
      text: `SELECT id FROM isolated_builds WHERE kind = 'AS_OF' AND md5(definition::text) = md5($1::jsonb::text) AND as_of = $2
               AND status IN ('RUNNING', 'COMPLETED')`,
      values: [JSON.stringify(definition), asOf],
    });
    return rows[0] ? isolatedBuild(this.storage.pool, rows[0].id) : null;
  }

  /** Drops completed as-of builds idle for longer than asOfMaxIdleMs or beyond the asOfKeep most recently used. */
  async evict(): Promise<string[]> {
    const completed = await isolatedBuilds(this.storage.pool, 'AS_OF', ['COMPLETED', 'FAILED', 'CANCELLED']);
    const byUse = completed.sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
    const now = Date.now();
    let kept = 0;
    const dropped: string[] = [];
    for (const build of byUse) {
      const keep = build.status === 'COMPLETED' && kept < this.options.asOfKeep && now - build.lastUsedAt.getTime() <= this.options.asOfMaxIdleMs;
      if (keep) {
        kept++;
        continue;
      }
      try {
        await deleteIsolatedBuild(this.storage.pool, build.id, { lockTimeoutMs: 1000 });
        dropped.push(build.id);
      } catch (error) {
        // Another eviction (a concurrent query's) dropped it first: nothing to report.
        if (error instanceof IsolatedBuildNotFoundError) continue;
        this.logger.warn(`dropping as-of build ${build.id} failed (retried after the next build): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return dropped;
  }
}
