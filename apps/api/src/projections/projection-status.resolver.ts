import { Inject } from '@nestjs/common';
import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import {
  ProjectionNotVersionedError,
  RebuildInProgressError,
  UnknownProjectionError,
  projectionStatus,
  projectionVersions,
  type ProjectionStatus as LibStatus,
} from '../../../../libs/projections/src/index.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { ProjectionHost } from './projection-host.js';
import { ProjectionRebuild, ProjectionStatus } from './projection-status.types.js';

@Resolver(() => ProjectionStatus)
export class ProjectionStatusResolver {
  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(ProjectionHost) private readonly host: ProjectionHost,
  ) {}

  @Query(() => [ProjectionStatus], {
    description: 'Every read-model projection with its position, the head of the ledger, its lag and state, its version and any rebuild under way.',
  })
  async projectionStatus(): Promise<ProjectionStatus[]> {
    return this.statuses();
  }

  @Mutation(() => ProjectionStatus, {
    description:
      'Rebuilds a read-model projection blue/green: its next version is built from the start of the ledger in new tables while the ' +
      'current version keeps answering; once it has caught up, readers switch to it atomically and the old tables are dropped. ' +
      'Returns the status with `rebuild` set. Errors: NOT_FOUND (no such projection), REBUILD_IN_PROGRESS (one is already running), ' +
      'BAD_USER_INPUT (the projection is not versioned). A rebuild that failed is replaced by the new one.',
  })
  async rebuildProjection(@Args('name', { description: 'The projection to rebuild, as projectionStatus names it (e.g. lead_funnel).' }) name: string): Promise<ProjectionStatus> {
    try {
      await this.host.rebuild(name);
    } catch (error) {
      if (error instanceof UnknownProjectionError) {
        throw new GraphQLError(`No projection named ${JSON.stringify(name)}`, { extensions: { code: 'NOT_FOUND' } });
      }
      if (error instanceof RebuildInProgressError) {
        throw new GraphQLError(error.message, { extensions: { code: error.code, version: error.version } });
      }
      if (error instanceof ProjectionNotVersionedError) {
        throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', field: 'name' } });
      }
      throw error;
    }
    const [status] = await this.statuses(name);
    if (!status) throw new GraphQLError(`No projection named ${JSON.stringify(name)}`, { extensions: { code: 'NOT_FOUND' } });
    return status;
  }

  /** The serving versions (and unversioned projections) as entries, each with its building version as `rebuild`. */
  private async statuses(only?: string): Promise<ProjectionStatus[]> {
    const [statuses, versions] = await Promise.all([projectionStatus(this.storage.pool), projectionVersions(this.storage.pool)]);
    const building = new Map(statuses.filter((s) => s.versionState === 'building').map((s) => [s.projection, s]));
    return statuses
      .filter((s) => s.versionState !== 'building' && (only === undefined || s.name === only))
      .map((s) => {
        const rebuild = building.get(s.projection);
        const startedAt = rebuild ? versions.find((v) => v.projection === s.projection && v.version === rebuild.version)?.createdAt : undefined;
        return Object.assign(new ProjectionStatus(), {
          ...fields(s),
          version: s.version,
          rebuild: rebuild
            ? Object.assign(new ProjectionRebuild(), { ...fields(rebuild), version: rebuild.version!, startedAt: startedAt ?? rebuild.updatedAt })
            : null,
        });
      });
  }
}

function fields(s: LibStatus) {
  return {
    name: s.name,
    position: s.position,
    headPosition: s.headPosition,
    lag: s.lag,
    lagIsEstimate: s.lagIsEstimate,
    state: s.state,
    error: s.error,
    failedEventId: s.failedEventId,
    eventsProcessed: s.eventsProcessed,
    updatedAt: s.updatedAt,
    active: s.leaderPid !== null,
  };
}
