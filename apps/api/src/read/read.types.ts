import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

/** Period length for time series; periods are half-open [start, end) cut in the definition's time zone. */
export enum Granularity {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
  QUARTER = 'QUARTER',
  YEAR = 'YEAR',
}
registerEnumType(Granularity, {
  name: 'Granularity',
  description: 'Period length; periods are half-open [start, end) in the funnel definition\'s time zone.',
  valuesMap: {
    DAY: { description: 'Calendar day.' },
    WEEK: { description: 'ISO week, starting Monday.' },
    MONTH: { description: 'Calendar month.' },
    QUARTER: { description: 'Calendar quarter.' },
    YEAR: { description: 'Calendar year.' },
  },
});

@ObjectType({ description: 'Statistics of durations in seconds (continuous percentiles, as percentile_cont); null when empty.' })
export class DurationStats {
  @Field(() => Int, { description: 'Number of durations.' })
  count!: number;
  @Field(() => Float, { nullable: true, description: 'Median (p50), seconds.' })
  median!: number | null;
  @Field(() => Float, { nullable: true, description: 'Arithmetic mean, seconds.' })
  mean!: number | null;
  @Field(() => Float, { nullable: true, description: '90th percentile, seconds.' })
  p90!: number | null;
}

@ObjectType({ description: 'How many leads reached a stage, and the share of them that reached the next stage or any later one.' })
export class StageCount {
  @Field({ description: 'Stage key.' })
  stage!: string;
  @Field(() => Int, { description: 'Distinct leads with at least one visit of the stage.' })
  count!: number;
  @Field(() => Float, { nullable: true, description: 'Of those, the share that reached the next stage or a later one (null for the last stage or when count is 0).' })
  conversionToNext!: number | null;
}

@ObjectType({ description: 'A conversion rate with its Wilson score interval at 95% (z = 1.959964).' })
export class ConversionRate {
  @Field({ description: 'Stage converted from.' })
  from!: string;
  @Field({ description: 'Stage converted to (or any later stage).' })
  to!: string;
  @Field(() => Float, { nullable: true, description: 'successes / trials; null when there are no trials.' })
  rate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Lower bound of the Wilson interval.' })
  low!: number | null;
  @Field(() => Float, { nullable: true, description: 'Upper bound of the Wilson interval.' })
  high!: number | null;
}
