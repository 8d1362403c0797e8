import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({
  description:
    'One stage of the plan: what was measured over the basis window (conversion, lag) and what the plan requires. ' +
    'The won stage has no conversion or lag (nothing follows it).',
})
export class FunnelPlanStage {
  @Field({ description: 'Stage key, in the definition\'s order (the won stage last).' })
  stage!: string;
  @Field(() => Int, { nullable: true, description: 'Visits of the stage entered in the basis window (null for the won stage).' })
  entered!: number | null;
  @Field(() => Int, { nullable: true, description: 'Of those, the visits that exited advanced, as of now (null for the won stage).' })
  advanced!: number | null;
  @Field(() => Float, { nullable: true, description: 'Measured conversion = advanced / entered; null when nothing entered or for the won stage.' })
  conversion!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Measured lag to the next stage: the median time in stage (seconds) of the advanced visits; null when none advanced.',
  })
  lagSeconds!: number | null;
  @Field(() => Float, { nullable: true, description: 'The stage\'s monthlyTarget in the definition; null when it has none.' })
  target!: number | null;
  @Field(() => Float, { nullable: true, description: 'Entries required in the months of the period (exact); null when unknown.' })
  requiredInPeriod!: number | null;
  @Field(() => Float, { nullable: true, description: 'Entries required before the period (the lead-in, exact); 0 when none, null when unknown.' })
  requiredBeforePeriod!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the requirement is unknown (no data, conversion 0, ...); null when it is known.' })
  reason!: string | null;
}

@ObjectType({
  description:
    'One stage in one month of the plan period (or its lead-in: what must enter before the period), the required ' +
    'entries beside the actual ones (visits of the stage entered in the month, as the waterfall counts them).',
})
export class FunnelPlanRow {
  @Field({ description: 'Stage key.' })
  stage!: string;
  @Field(() => Date, { description: 'Start of the month (local midnight of its first day); for the lead-in, the start of the first month that needs entries.' })
  month!: Date;
  @Field(() => Date, { description: 'End of the month (exclusive); for the lead-in, the start of the period.' })
  end!: Date;
  @Field({ description: 'True for the lead-in row: entries needed before the period, over [month, end).' })
  leadIn!: boolean;
  @Field(() => Float, { nullable: true, description: 'Required entries, exact (fractional); null when unknown (see reason).' })
  required!: number | null;
  @Field(() => Int, { nullable: true, description: 'required rounded up to whole entries.' })
  requiredWhole!: number | null;
  @Field(() => Int, { description: 'Visits of the stage that entered in [month, end).' })
  actual!: number;
  @Field(() => Float, { nullable: true, description: 'actual - required (positive: ahead of plan); null when required is unknown.' })
  difference!: number | null;
  @Field(() => Float, { nullable: true, description: 'actual / required; null when required is 0 or unknown.' })
  attainment!: number | null;
  @Field(() => Float, { nullable: true, description: 'The stage\'s monthlyTarget in the definition, beside the derived figure; null for the lead-in or without one.' })
  target!: number | null;
  @Field(() => String, { nullable: true, description: 'Why required is unknown; null when it is known.' })
  reason!: string | null;
}

@ObjectType({
  description:
    'Plan vs actual (shared/domain.md; README "Plan vs actual"): the entries each stage needs per month to reach a ' +
    'revenue target, derived backwards from the won stage with the conversion and lag measured over a basis window, ' +
    'compared with what entered.',
})
export class FunnelPlan {
  @Field({ description: 'The definition (name@version) the answering views were built under: its stage order, time zone and monthly targets frame the plan.' })
  definition!: string;
  @Field({ description: 'IANA time zone the months are cut in.' })
  timeZone!: string;
  @Field(() => Date, { description: 'Start of the plan period (a month start).' })
  from!: Date;
  @Field(() => Date, { description: 'End of the plan period (exclusive, a month start).' })
  to!: Date;
  @Field(() => Float, { description: 'The revenue target of the period.' })
  revenueTarget!: number;
  @Field(() => Date, { description: 'Start of the basis window the conversions, lags and average won value were measured over.' })
  basisFrom!: Date;
  @Field(() => Date, { description: 'End of the basis window (exclusive).' })
  basisTo!: Date;
  @Field(() => Int, { description: 'Deals won in the basis window.' })
  wonDeals!: number;
  @Field(() => Float, { nullable: true, description: 'Their average amount; null when none was won.' })
  measuredAverageWonValue!: number | null;
  @Field(() => Float, { nullable: true, description: 'The average won value the plan uses: the given averageWonValue, else the measured one.' })
  averageWonValue!: number | null;
  @Field(() => Float, { nullable: true, description: 'revenueTarget / averageWonValue, spread evenly over the months; null when the average is unknown.' })
  requiredWins!: number | null;
  @Field(() => [FunnelPlanStage], { description: 'Per stage in funnel order: the measured basis and the totals required.' })
  stages!: FunnelPlanStage[];
  @Field(() => [FunnelPlanRow], { description: 'Per stage in funnel order: its lead-in row (when entries are needed before the period), then one row per month.' })
  rows!: FunnelPlanRow[];
}
