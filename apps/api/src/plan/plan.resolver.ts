import { Inject } from '@nestjs/common';
import { Args, Float, ID, Query, Resolver } from '@nestjs/graphql';
import { PlanService } from './plan.service.js';
import { FunnelPlan } from './plan.types.js';

@Resolver(() => FunnelPlan)
export class PlanResolver {
  constructor(@Inject(PlanService) private readonly service: PlanService) {}

  @Query(() => FunnelPlan, {
    description:
      'Plan vs actual, the funnel planned backwards from revenue: the wins needed (revenueTarget / averageWonValue, spread ' +
      'evenly over the months of [from, to)), and for each earlier stage the entries needed (next stage / measured ' +
      'conversion, placed the measured lag earlier, what falls before the period in a lead-in row), beside the visits that ' +
      'entered. Stage order, time zone and monthly targets are those of the definition the answering views were built under. ' +
      'Errors: BAD_USER_INPUT (field: from, to, revenueTarget, averageWonValue, basisFrom, basisTo, definition), NOT_FOUND ' +
      '(unknown definition or scenario), DEFINITION_NOT_BUILT, SCENARIO_NOT_READY.',
  })
  async funnelPlan(
    @Args('revenueTarget', { type: () => Float, description: 'Revenue to reach over the period (>= 0), in the currency of the won amounts.' })
    revenueTarget: number,
    @Args('from', { type: () => Date, description: 'Start of the plan period: the start of a month in the definition\'s time zone.' }) from: Date,
    @Args('to', { type: () => Date, description: 'End of the plan period (exclusive): a later month start.' }) to: Date,
    @Args('basisFrom', { type: () => Date, nullable: true, description: 'Start of the window conversions, lags and the average won value are measured over; default: 12 months before basisTo.' })
    basisFrom?: Date | null,
    @Args('basisTo', { type: () => Date, nullable: true, description: 'End of the basis window (exclusive); default: from.' })
    basisTo?: Date | null,
    @Args('averageWonValue', { type: () => Float, nullable: true, description: 'Average value of a won deal (> 0); default: the mean Won amount of the deals won in the basis window.' })
    averageWonValue?: number | null,
    @Args('definition', { type: () => String, nullable: true, description: 'The definition the figures must be built under (name@version, or a name for its latest version); default: that of the views answering. DEFINITION_NOT_BUILT when the views answering were built under another one.' })
    definition?: string | null,
    @Args('minPosition', { type: () => String, nullable: true, description: 'A position a mutation returned: wait (bounded) until the read models reflect it.' })
    minPosition?: string | null,
    @Args('scenarioId', { type: () => ID, nullable: true, description: 'Measure and compare within this completed scenario\'s replay (its definition) instead of the live views.' })
    scenarioId?: string | null,
    @Args('asOf', { type: () => Date, nullable: true, description: 'Measure and compare with the events recorded at or before this instant (knowledge time).' })
    asOf?: Date | null,
  ): Promise<FunnelPlan> {
    return this.service.funnelPlan({ revenueTarget, from, to, basisFrom, basisTo, averageWonValue, definition, minPosition, scenarioId, asOf });
  }
}
