import { Field, Float, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Lead, LeadStatus, Origin } from '../../leads/lead.types.js';

@InputType({ description: 'Filter of the leads query; every field is optional and the given ones are combined with AND.' })
export class LeadFilter {
  @Field(() => String, { nullable: true, description: 'Current funnel stage key under the active definition (e.g. mql).' })
  stage?: string | null;

  @Field(() => LeadStatus, { nullable: true, description: 'Write-side status.' })
  status?: LeadStatus | null;

  @Field(() => String, { nullable: true, description: 'Sales owner from the latest hand-off.' })
  ownerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Sales team from the latest hand-off.' })
  team?: string | null;

  @Field(() => String, { nullable: true, description: 'First-touch source channel (exact match).' })
  channel?: string | null;

  @Field(() => String, { nullable: true, description: 'First-touch campaign (exact match).' })
  campaign?: string | null;

  @Field(() => Origin, { nullable: true, description: 'Marketing-, sales- or partner-generated.' })
  origin?: Origin | null;

  @Field(() => Date, { nullable: true, description: 'Captured at or after this instant (inclusive).' })
  capturedFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Captured before this instant (exclusive).' })
  capturedTo?: Date | null;

  @Field(() => String, { nullable: true, description: 'A prefix of the lead id (case-sensitive).' })
  search?: string | null;
}

@ObjectType({ description: 'Relay page information of a connection.' })
export class PageInfo {
  @Field({ description: 'Whether more items follow the last edge of this page.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge (pass it as after for the next page); null on an empty page.' })
  endCursor!: string | null;

  @Field({ description: 'Whether items precede the first edge of this page (only when after was given).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge; null on an empty page.' })
  startCursor!: string | null;
}

@ObjectType({ description: 'A lead in a LeadConnection, with its opaque cursor.' })
export class LeadEdge {
  @Field({ description: 'Opaque cursor of this edge (pass it as after to continue behind it).' })
  cursor!: string;

  @Field(() => Lead, { description: 'The lead.' })
  node!: Lead;
}

@ObjectType({ description: 'A page of leads, newest capture first (ties by lead id), with the total of the filter.' })
export class LeadConnection {
  @Field(() => [LeadEdge], { description: 'The leads of this page, in order.' })
  edges!: LeadEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of leads matching the filter (all pages).' })
  totalCount!: number;
}

@ObjectType({ description: 'A lead whose open stage visit is older than the stage\'s stuck limit (shared/metrics.md).' })
export class StuckLead {
  @Field(() => Lead, { description: 'The lead.' })
  lead!: Lead;

  @Field({ description: 'Stage key of the open visit.' })
  stage!: string;

  @Field(() => Date, { description: 'When the open visit entered the stage (business time).' })
  enteredAt!: Date;

  @Field(() => Float, { description: 'Age of the open visit in seconds: now - enteredAt.' })
  stuckFor!: number;

  @Field(() => Float, { description: 'The limit in seconds the age exceeds.' })
  limitSeconds!: number;

  @Field({ description: '"definition" (the stage\'s stuckLimitSeconds) or "p90" (p90 time in stage of the stage\'s advanced visits over the last 180 days).' })
  limitSource!: string;
}

@ObjectType({ description: 'A stuck lead in a StuckLeadConnection, with its opaque cursor.' })
export class StuckLeadEdge {
  @Field({ description: 'Opaque cursor of this edge (pass it as after to continue behind it).' })
  cursor!: string;

  @Field(() => StuckLead, { description: 'The stuck lead.' })
  node!: StuckLead;
}

@ObjectType({ description: 'A page of stuck leads, longest stuck first (ties by lead id), with the total.' })
export class StuckLeadConnection {
  @Field(() => [StuckLeadEdge], { description: 'The stuck leads of this page, in order.' })
  edges!: StuckLeadEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Number of stuck leads (all pages).' })
  totalCount!: number;
}
