import { Inject } from '@nestjs/common';
import { Query, Resolver } from '@nestjs/graphql';
import { projectionStatus } from '../../../../libs/projections/src/index.js';
import { LedgerStorage } from '../storage/ledger-storage.js';
import { ProjectionStatus } from './projection-status.types.js';

@Resolver(() => ProjectionStatus)
export class ProjectionStatusResolver {
  constructor(@Inject(LedgerStorage) private readonly storage: LedgerStorage) {}

  @Query(() => [ProjectionStatus], {
    description: 'Every read-model projection with its position, the head of the ledger, its lag and state.',
  })
  async projectionStatus(): Promise<ProjectionStatus[]> {
    const statuses = await projectionStatus(this.storage.pool);
    return statuses.map((s) =>
      Object.assign(new ProjectionStatus(), {
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
      }),
    );
  }
}
