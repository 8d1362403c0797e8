import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { Granularity } from '../read.types.js';
import { WaterfallService } from './waterfall.service.js';
import { Waterfall } from './waterfall.types.js';

@Resolver(() => Waterfall)
export class WaterfallResolver {
  constructor(@Inject(WaterfallService) private readonly service: WaterfallService) {}

  @Query(() => Waterfall, {
    description:
      'Stage-by-stage waterfall per period (shared/metrics.md, "Waterfall"): for each period intersecting [from, to) ' +
      'and each stage, the visits that entered with their exit kinds, value sums, ratios and velocity, plus the exit flow.',
  })
  async waterfall(
    @Args('from', { type: () => Date, description: 'Start of the range (inclusive); the first period is the one containing it.' }) from: Date,
    @Args('to', { type: () => Date, description: 'End of the range (exclusive); must be later than from.' }) to: Date,
    @Args('granularity', { type: () => Granularity, description: 'Period length, cut in the definition\'s time zone.' }) granularity: Granularity,
    @Args('definition', { type: () => String, nullable: true, description: 'The definition the figures must be built under (name@version, or a name for its latest version); default: that of the views answering. DEFINITION_NOT_BUILT when the views answering were built under another one.' })
    definition?: string | null,
    @Args('minPosition', { type: () => String, nullable: true, description: 'A position a mutation returned: wait (bounded) until the read models reflect it.' })
    minPosition?: string | null,
    @Args('scenarioId', { type: () => ID, nullable: true, description: 'Answer from this completed scenario\'s replay (its definition) instead of the live views.' })
    scenarioId?: string | null,
    @Args('asOf', { type: () => Date, nullable: true, description: 'Answer from the events recorded at or before this instant (knowledge time), e.g. before a backfill.' })
    asOf?: Date | null,
  ): Promise<Waterfall> {
    return this.service.waterfall({ from, to, granularity, definition, minPosition, scenarioId, asOf });
  }
}
