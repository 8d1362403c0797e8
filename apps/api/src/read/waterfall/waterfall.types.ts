import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { DurationStats } from '../read.types.js';

@ObjectType({
  description:
    'One stage in one period (shared/metrics.md, "Waterfall"): the visits of the stage that entered in the period ' +
    '(cohort of visits, with their exit kind as of now), their value sums and ratios, the velocity of those that ' +
    'advanced, and the flow of exits that happened during the period.',
})
export class StageStats {
  @Field({ description: 'Stage key, as in the funnel definition.' })
  stage!: string;

  @Field(() => Int, { description: 'Visits of the stage whose enteredAt is in the period.' })
  entered!: number;
  @Field(() => Int, { description: 'Of the entered visits, those that exited advanced (to a later stage).' })
  advanced!: number;
  @Field(() => Int, { description: 'Of the entered visits, those that exited recycled (sent back to an earlier stage).' })
  recycled!: number;
  @Field(() => Int, { description: 'Of the entered visits, those that exited rejected (by sales, no recycle followed).' })
  rejected!: number;
  @Field(() => Int, { description: 'Of the entered visits, those that exited lost.' })
  lost!: number;
  @Field(() => Int, { description: 'Of the entered visits, those still open (won visits stay open).' })
  open!: number;

  @Field(() => Float, { description: 'Value sum of the entered visits (exit value; the lead\'s current value for open visits, else 0).' })
  enteredValue!: number;
  @Field(() => Float, { description: 'Value sum of the entered visits that exited advanced.' })
  advancedValue!: number;
  @Field(() => Float, { description: 'Value sum of the entered visits that exited recycled.' })
  recycledValue!: number;
  @Field(() => Float, { description: 'Value sum of the entered visits that exited rejected.' })
  rejectedValue!: number;
  @Field(() => Float, { description: 'Value sum of the entered visits that exited lost.' })
  lostValue!: number;
  @Field(() => Float, { description: 'Value sum of the entered visits still open (the leads\' current values).' })
  openValue!: number;
  @Field(() => Float, { description: 'rejectedValue + lostValue.' })
  leakedValue!: number;

  @Field(() => Float, { nullable: true, description: 'advanced / entered; null when entered is 0.' })
  conversion!: number | null;
  @Field(() => Float, { nullable: true, description: '(rejected + lost) / entered; null when entered is 0.' })
  leakage!: number | null;
  @Field(() => Float, { nullable: true, description: 'recycled / entered; null when entered is 0.' })
  recycling!: number | null;
  @Field(() => Float, { nullable: true, description: 'advancedValue / enteredValue; null when enteredValue is 0.' })
  conversionByValue!: number | null;
  @Field(() => Float, { nullable: true, description: 'leakedValue / enteredValue; null when enteredValue is 0.' })
  leakageByValue!: number | null;
  @Field(() => Float, { nullable: true, description: 'recycledValue / enteredValue; null when enteredValue is 0.' })
  recyclingByValue!: number | null;

  @Field(() => DurationStats, { description: 'Time in stage (seconds) of the entered visits that exited advanced.' })
  velocity!: DurationStats;

  @Field(() => Int, { description: 'Flow: visits of the stage, whatever their entry, that exited advanced during the period.' })
  exitedAdvanced!: number;
  @Field(() => Int, { description: 'Flow: visits of the stage, whatever their entry, that exited recycled during the period.' })
  exitedRecycled!: number;
  @Field(() => Int, { description: 'Flow: visits of the stage, whatever their entry, that exited rejected during the period.' })
  exitedRejected!: number;
  @Field(() => Int, { description: 'Flow: visits of the stage, whatever their entry, that exited lost during the period.' })
  exitedLost!: number;
}

@ObjectType({ description: 'One period [start, end) of the waterfall, with every stage of the definition in funnel order.' })
export class WaterfallPeriod {
  @Field(() => Date, { description: 'First instant of the period (inclusive).' })
  start!: Date;
  @Field(() => Date, { description: 'First instant of the next period (exclusive).' })
  end!: Date;
  @Field(() => [StageStats], { description: 'Every stage of the definition, in funnel order (zeros when nothing happened).' })
  stages!: StageStats[];
}

@ObjectType({ description: 'Stage-by-stage funnel waterfall per period, cut in the funnel definition\'s time zone.' })
export class Waterfall {
  @Field({ description: 'The funnel definition used, as name@version.' })
  definition!: string;
  @Field({ description: 'IANA time zone the periods are cut in (the definition\'s).' })
  timeZone!: string;
  @Field(() => [WaterfallPeriod], { description: 'Every period intersecting [from, to), in order, empty ones included.' })
  periods!: WaterfallPeriod[];
}
