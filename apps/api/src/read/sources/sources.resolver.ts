import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { Granularity } from '../read.types.js';
import { SourcesService } from './sources.service.js';
import { Cohort, SourceConversion, SourceDimension } from './sources.types.js';

@Resolver(() => SourceConversion)
export class SourcesResolver {
  constructor(@Inject(SourcesService) private readonly sources: SourcesService) {}

  @Query(() => [SourceConversion], {
    description: 'Per-source funnel conversion of the leads captured in [from, to), grouped by one dimension; sorted by leads desc, then key.',
  })
  async sourceComparison(
    @Args('from', { type: () => Date, description: 'Capture range start (inclusive).' }) from: Date,
    @Args('to', { type: () => Date, description: 'Capture range end (exclusive); must be later than from.' }) to: Date,
    @Args('dimension', { type: () => SourceDimension, description: 'What to group leads by.' }) dimension: SourceDimension,
    @Args('attribute', { type: () => String, nullable: true, description: 'With ATTRIBUTE (required then): a key of the capture attributes or an account field (industry, country, name, domain, employees).' })
    attribute: string | null,
    @Args('definition', { type: () => String, nullable: true, description: 'The definition the figures must be built under (name@version or name); default: that of the views answering (DEFINITION_NOT_BUILT otherwise).' })
    definition: string | null,
    @Args('minPosition', { type: () => String, nullable: true, description: 'Wait (bounded) until the read models reflect this ledger position a mutation returned.' })
    minPosition: string | null,
    @Args('scenarioId', { type: () => ID, nullable: true, description: 'Answer from this completed scenario\'s replay (its definition) instead of the live views.' })
    scenarioId: string | null,
    @Args('asOf', { type: () => Date, nullable: true, description: 'Answer from the events recorded at or before this instant (knowledge time), e.g. before a backfill.' })
    asOf: Date | null,
  ): Promise<SourceConversion[]> {
    return this.sources.sourceComparison({ from, to, dimension, attribute, definition, minPosition, scenarioId, asOf });
  }

  @Query(() => [Cohort], {
    description: 'Capture cohorts: for every period in [from, to) (even empty ones), the leads captured in it and how many reached each stage.',
  })
  async funnelCohorts(
    @Args('from', { type: () => Date, description: 'Range start (inclusive).' }) from: Date,
    @Args('to', { type: () => Date, description: 'Range end (exclusive); must be later than from.' }) to: Date,
    @Args('granularity', { type: () => Granularity, description: 'Period length; periods are cut in the definition\'s time zone.' }) granularity: Granularity,
    @Args('definition', { type: () => String, nullable: true, description: 'The definition the figures must be built under (name@version or name); default: that of the views answering (DEFINITION_NOT_BUILT otherwise).' })
    definition: string | null,
    @Args('minPosition', { type: () => String, nullable: true, description: 'Wait (bounded) until the read models reflect this ledger position a mutation returned.' })
    minPosition: string | null,
    @Args('scenarioId', { type: () => ID, nullable: true, description: 'Answer from this completed scenario\'s replay (its definition) instead of the live views.' })
    scenarioId: string | null,
    @Args('asOf', { type: () => Date, nullable: true, description: 'Answer from the events recorded at or before this instant (knowledge time), e.g. before a backfill.' })
    asOf: Date | null,
  ): Promise<Cohort[]> {
    return this.sources.funnelCohorts({ from, to, granularity, definition, minPosition, scenarioId, asOf });
  }
}
