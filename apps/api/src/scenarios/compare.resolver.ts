import { Inject } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { Granularity } from '../read/read.types.js';
import { CompareService } from './compare.service.js';
import { ScenarioComparison } from './compare.types.js';

@Resolver(() => ScenarioComparison)
export class CompareResolver {
  constructor(@Inject(CompareService) private readonly service: CompareService) {}

  @Query(() => ScenarioComparison, {
    description:
      'A scenario against a baseline (another scenario, or the live views when absent): per period and stage the waterfall metrics, and per ' +
      'period the SLA compliance, each as baseline, candidate and their difference. NOT_FOUND / SCENARIO_NOT_READY for either id.',
  })
  async compareScenarios(
    @Args('candidate', { type: () => ID, description: 'The scenario to compare.' }) candidate: string,
    @Args('from', { type: () => Date, description: 'Start of the range (inclusive).' }) from: Date,
    @Args('to', { type: () => Date, description: 'End of the range (exclusive); must be later than from.' }) to: Date,
    @Args('granularity', { type: () => Granularity, description: 'Period length, cut in the definitions\' time zone (both must use the same one).' })
    granularity: Granularity,
    @Args('baseline', { type: () => ID, nullable: true, description: 'The scenario to compare against; absent = the live views.' })
    baseline?: string | null,
    @Args('now', { type: () => Date, nullable: true, description: 'Evaluate open/breached SLA cases as of this instant (default: the current time).' })
    now?: Date | null,
  ): Promise<ScenarioComparison> {
    return this.service.compare({ baseline, candidate, from, to, granularity, now });
  }
}
