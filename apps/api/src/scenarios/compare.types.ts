import { Field, Float, ID, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'One metric under the baseline and the candidate, and candidate - baseline (null when either side is null).' })
export class MetricComparison {
  @Field({
    description:
      'Metric name: entered, advanced, recycled, rejected, lost, open, conversion, leakage, recycling, velocityMedian (stages); ' +
      'met, breached, open, compliance, responseTimeMedian (SLA).',
  })
  metric!: string;
  @Field(() => Float, { nullable: true, description: 'Value under the baseline (null: not defined there, e.g. a stage it lacks or a ratio over 0).' })
  baseline!: number | null;
  @Field(() => Float, { nullable: true, description: 'Value under the candidate.' })
  candidate!: number | null;
  @Field(() => Float, { nullable: true, description: 'candidate - baseline; null when either is null.' })
  difference!: number | null;
}

@ObjectType({ description: 'The waterfall metrics of one stage in one period, side by side.' })
export class StageComparison {
  @Field({ description: 'Stage key (of either definition: baseline stages first, then those only the candidate has).' })
  stage!: string;
  @Field(() => [MetricComparison], { description: 'The stage\'s waterfall metrics (visits entered in the period), in a fixed order.' })
  metrics!: MetricComparison[];
}

@ObjectType({ description: 'One period of the comparison.' })
export class ComparisonPeriod {
  @Field(() => Date, { description: 'First instant of the period (inclusive).' })
  start!: Date;
  @Field(() => Date, { description: 'First instant of the next period (exclusive).' })
  end!: Date;
  @Field(() => [StageComparison], { description: 'Every stage of either definition.' })
  stages!: StageComparison[];
  @Field(() => [MetricComparison], { description: 'SLA compliance of the hand-offs of the period (all groups together).' })
  sla!: MetricComparison[];
}

@ObjectType({ description: 'One side of a comparison.' })
export class ComparedSide {
  @Field(() => ID, { nullable: true, description: 'The scenario; null for the live views.' })
  scenarioId!: string | null;
  @Field({ description: 'The scenario\'s name, or "live".' })
  name!: string;
  @Field({ description: 'name@version of the definition its figures are built under.' })
  definition!: string;
}

@ObjectType({ description: 'Two scenarios (or the live views and a scenario) side by side, per period and stage.' })
export class ScenarioComparison {
  @Field(() => ComparedSide, { description: 'The baseline (the live views when no baseline was given).' })
  baseline!: ComparedSide;
  @Field(() => ComparedSide, { description: 'The candidate scenario.' })
  candidate!: ComparedSide;
  @Field({ description: 'Time zone the periods are cut in (both definitions\').' })
  timeZone!: string;
  @Field(() => [ComparisonPeriod], { description: 'Every period intersecting [from, to), in order.' })
  periods!: ComparisonPeriod[];
}
