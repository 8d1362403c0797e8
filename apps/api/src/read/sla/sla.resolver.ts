import { Inject } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { Args, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Granularity } from '../read.types.js';
import { SlaService } from './sla.service.js';
import { SlaCase, SlaGroupBy, SlaReport } from './sla.types.js';

@Resolver(() => SlaReport)
export class SlaResolver {
  constructor(@Inject(SlaService) private readonly service: SlaService) {}

  // A long overdue list is most of a large report's answer (2,899 cases at 1M leads): a dashboard asks for a page.
  @ResolveField(() => [SlaCase], { description: 'Cases handed off in [from, to) that are unresolved and past due, oldest due first.' })
  overdue(
    @Parent() report: SlaReport,
    @Args('first', { type: () => Int, nullable: true, description: 'Only the first N cases, oldest due first (default: all; overdueTotal counts them all).' })
    first?: number | null,
  ): SlaCase[] {
    if (first === null || first === undefined) return report.overdue;
    if (!Number.isInteger(first) || first < 0) {
      throw new GraphQLError(`first must be a whole number >= 0, got ${first}`, { extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    }
    return report.overdue.slice(0, first);
  }

  @ResolveField(() => Int, { description: 'How many cases are overdue in all (the length of overdue without first).' })
  overdueTotal(@Parent() report: SlaReport): number {
    return report.overdue.length;
  }

  @Query(() => SlaReport, {
    description: 'SLA compliance of the hand-offs in [from, to) per period (by hand-off time) and group, and the overdue cases (shared/metrics.md).',
  })
  async slaCompliance(
    @Args('from', { type: () => Date, description: 'Start of the range (inclusive), by hand-off time.' }) from: Date,
    @Args('to', { type: () => Date, description: 'End of the range (exclusive); must be after from.' }) to: Date,
    @Args('granularity', { type: () => Granularity, description: 'Period length; periods are cut in the definition\'s time zone.' }) granularity: Granularity,
    @Args('groupBy', { type: () => SlaGroupBy, defaultValue: SlaGroupBy.NONE, description: 'How the cases of a period are grouped (default NONE: one group "all").' })
    groupBy: SlaGroupBy,
    @Args('definition', {
      type: () => String,
      nullable: true,
      description: 'The definition the figures must be built under (name@version, or a name for its latest version); default: that of the views answering (DEFINITION_NOT_BUILT otherwise).',
    })
    definitionReference?: string | null,
    @Args('minPosition', {
      type: () => String,
      nullable: true,
      description: 'A position a mutation returned: wait (bounded) until the read models reflect it.',
    })
    minPosition?: string | null,
    @Args('now', {
      type: () => Date,
      nullable: true,
      description: 'Evaluate open/breached/overdue as of this instant (default: the current time); for reproducible reports.',
    })
    now?: Date | null,
    @Args('scenarioId', { type: () => ID, nullable: true, description: 'Answer from this completed scenario\'s replay (its definition) instead of the live views.' })
    scenarioId?: string | null,
    @Args('asOf', { type: () => Date, nullable: true, description: 'Answer from the events recorded at or before this instant (knowledge time), e.g. before a backfill.' })
    asOf?: Date | null,
  ): Promise<SlaReport> {
    return this.service.slaCompliance({ from, to, granularity, groupBy, now, definition: definitionReference, minPosition, scenarioId, asOf });
  }
}
