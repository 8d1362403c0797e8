import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ConversionRate, DurationStats, StageCount } from '../read.types.js';

/** The first-touch attribution dimension a per-source comparison groups leads by. */
export enum SourceDimension {
  CHANNEL = 'CHANNEL',
  CAMPAIGN = 'CAMPAIGN',
  ORIGIN = 'ORIGIN',
  ATTRIBUTE = 'ATTRIBUTE',
}
registerEnumType(SourceDimension, {
  name: 'SourceDimension',
  description: 'What a per-source comparison groups leads by (first-touch attribution of the capture).',
  valuesMap: {
    CHANNEL: { description: 'The capture channel.' },
    CAMPAIGN: { description: 'The capture campaign; leads without one form the group "(none)".' },
    ORIGIN: { description: 'Who generated the lead (MARKETING, SALES, PARTNER).' },
    ATTRIBUTE: {
      description: 'A key of the capture attributes or an account field (industry, country, name, domain, employees), named by the `attribute` argument; leads without it form the group "(none)".',
    },
  },
});

@ObjectType({ description: 'Funnel conversion of the leads of one source group, captured in the requested range.' })
export class SourceConversion {
  @Field({ description: 'The group: the value of the dimension, or "(none)" when the lead has none.' })
  key!: string;
  @Field(() => Int, { description: 'Leads of the group captured in [from, to).' })
  leads!: number;
  @Field(() => [StageCount], { description: 'Every stage of the definition, in order: distinct leads that reached it and the share of those that reached the next stage or a later one.' })
  reached!: StageCount[];
  @Field(() => [ConversionRate], { description: 'For each consecutive stage pair S -> S\': of the leads that reached S, the share that reached S\' or a later stage (Wilson 95%).' })
  steps!: ConversionRate[];
  @Field(() => ConversionRate, { description: 'From the first stage to the last: leads that reached the last stage / leads (Wilson 95%).' })
  overall!: ConversionRate;
  @Field(() => Float, { nullable: true, description: 'Sum of the Won amounts of the group\'s won leads (0 when none won).' })
  wonValue!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean Won amount; null when none won.' })
  averageDealValue!: number | null;
  @Field(() => DurationStats, { nullable: true, description: 'Won occurredAt - capture occurredAt, in seconds, over the group\'s won leads.' })
  timeToWin!: DurationStats | null;
}

@ObjectType({ description: 'The leads captured in one period (cut in the definition\'s time zone) and how far they got.' })
export class Cohort {
  @Field(() => Date, { description: 'First instant of the period (inclusive).' })
  start!: Date;
  @Field(() => Date, { description: 'First instant of the next period (exclusive).' })
  end!: Date;
  @Field(() => Int, { description: 'Leads whose capture occurredAt is in the period (and in [from, to)).' })
  leads!: number;
  @Field(() => [StageCount], { description: 'Every stage of the definition, in order: distinct cohort leads that reached it, and the share of those that reached the next stage or a later one.' })
  reached!: StageCount[];
}
