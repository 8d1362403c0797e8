import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { DurationStats } from '../read.types.js';

/** Status of an SLA case, derived at query time from due, resolution and now (shared/metrics.md). */
export enum SlaStatus {
  MET = 'MET',
  BREACHED = 'BREACHED',
  OPEN = 'OPEN',
}
registerEnumType(SlaStatus, {
  name: 'SlaStatus',
  description: 'Status of an SLA case, as of now (or the instant the query was given).',
  valuesMap: {
    MET: { description: 'Resolved at or before dueAt.' },
    BREACHED: { description: 'Resolved after dueAt, or still unresolved while now > dueAt (an open breach, listed as overdue).' },
    OPEN: { description: 'Unresolved and now <= dueAt.' },
  },
});

/** How the SLA groups of a period are formed. */
export enum SlaGroupBy {
  NONE = 'NONE',
  OWNER = 'OWNER',
  TEAM = 'TEAM',
  CHANNEL = 'CHANNEL',
  CAMPAIGN = 'CAMPAIGN',
  ORIGIN = 'ORIGIN',
}
registerEnumType(SlaGroupBy, {
  name: 'SlaGroupBy',
  description: 'Grouping of the SLA cases within a period; a missing value forms the group "(none)".',
  valuesMap: {
    NONE: { description: 'One group per period, with key "all".' },
    OWNER: { description: 'By the sales owner the case was handed off to.' },
    TEAM: { description: 'By the sales team the case was handed off to.' },
    CHANNEL: { description: 'By the lead\'s first-touch source channel.' },
    CAMPAIGN: { description: 'By the lead\'s first-touch campaign ("(none)" when absent).' },
    ORIGIN: { description: 'By the lead\'s origin (MARKETING, SALES, PARTNER).' },
  },
});

@ObjectType({ description: 'SLA figures of one group of cases handed off in one period.' })
export class SlaGroup {
  @Field({ description: 'Group key: "all" for NONE, else the owner, team, channel, campaign or origin ("(none)" when absent).' })
  key!: string;
  @Field(() => Int, { description: 'Cases resolved at or before their due instant.' })
  met!: number;
  @Field(() => Int, { description: 'Cases resolved after their due instant, or unresolved and past it.' })
  breached!: number;
  @Field(() => Int, { description: 'Cases unresolved and not yet due (excluded from compliance).' })
  open!: number;
  @Field(() => Float, { nullable: true, description: 'met / (met + breached); null when that is 0.' })
  compliance!: number | null;
  @Field(() => DurationStats, { description: 'Working time (seconds) from hand-off to resolution, over the resolved cases.' })
  responseTime!: DurationStats;
  @Field(() => DurationStats, { description: 'Calendar time (seconds) from hand-off to resolution, over the resolved cases.' })
  calendarResponseTime!: DurationStats;
}

@ObjectType({ description: 'A period [start, end) cut in the definition\'s time zone; cases are bucketed by hand-off time.' })
export class SlaPeriod {
  @Field(() => Date, { description: 'First instant of the period (inclusive).' })
  start!: Date;
  @Field(() => Date, { description: 'First instant of the next period (exclusive).' })
  end!: Date;
  @Field(() => [SlaGroup], { description: 'The groups with at least one case handed off in the period, sorted by key.' })
  groups!: SlaGroup[];
}

@ObjectType({ description: 'One SLA case: a hand-off and its resolution (the first Accepted, Rejected or Lost after it).' })
export class SlaCase {
  @Field({ description: 'The lead.' })
  leadId!: string;
  @Field(() => Int, { description: 'Number of the case within the lead (1 for the first hand-off, 2 after a re-hand-off, ...).' })
  caseNumber!: number;
  @Field(() => Date, { description: 'Business time of the hand-off (starts the SLA clock).' })
  handedOffAt!: Date;
  @Field(() => Date, { description: 'The instant when the SLA\'s working days have elapsed since the hand-off.' })
  dueAt!: Date;
  @Field(() => Date, { nullable: true, description: 'Business time of the resolving event; null while unresolved.' })
  resolvedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Type of the resolving event (Accepted, Rejected or Lost); null while unresolved.' })
  resolvedBy!: string | null;
  @Field(() => SlaStatus, { description: 'Status as of now (or the given instant).' })
  status!: SlaStatus;
  @Field(() => String, { nullable: true, description: 'Sales owner the lead was handed off to.' })
  ownerId!: string | null;
  @Field(() => String, { nullable: true, description: 'Sales team the lead was handed off to.' })
  team!: string | null;
  @Field(() => Float, { nullable: true, description: 'For an overdue case, now - dueAt in seconds; else null.' })
  overdueBy!: number | null;
}

@ObjectType({ description: 'SLA compliance per period and group, and the overdue cases.' })
export class SlaReport {
  @Field(() => [SlaPeriod], { description: 'Every period intersecting [from, to), in order, even when empty.' })
  periods!: SlaPeriod[];
  /** Every overdue case, oldest due first; served by the field resolver `overdue(first:)` (SlaResolver). */
  overdue!: SlaCase[];
}
