import { Inject } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
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
    @Args('definition', { type: () => String, nullable: true, description: 'Funnel definition as name@version or a bare name (latest); default: the active one.' })
    definition?: string | null,
    @Args('minPosition', { type: () => String, nullable: true, description: 'A position a mutation returned: wait (bounded) until the read models reflect it.' })
    minPosition?: string | null,
  ): Promise<Waterfall> {
    return this.service.waterfall({ from, to, granularity, definition, minPosition });
  }
}
