import { Field, Float, ID, InputType, Int } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { Origin } from './lead.types.js';

/** The fields every write takes (shared/api-contract.md). */
@InputType({ isAbstract: true })
abstract class WriteOptions {
  @Field(() => Date, { nullable: true, description: 'Business time of the fact (default now). Never earlier than the lead\'s latest event, at most 5 minutes ahead.' })
  occurredAt?: Date | null;

  @Field(() => Int, { nullable: true, description: 'Optimistic concurrency: fail with CONCURRENCY_CONFLICT unless the lead is at this revision.' })
  expectedRevision?: number | null;

  @Field(() => String, { nullable: true, description: 'A retry with the same key returns the first result and appends nothing (unique per lead).' })
  idempotencyKey?: string | null;
}

@InputType({ isAbstract: true })
abstract class LeadWriteOptions extends WriteOptions {
  @Field(() => ID, { description: 'The lead.' })
  leadId!: string;
}

@InputType({ description: 'The account a responder belongs to.' })
export class AccountInput {
  @Field(() => String, { nullable: true, description: 'Company name.' })
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'Company web domain.' })
  domain?: string | null;
  @Field(() => String, { nullable: true, description: 'Industry or sector.' })
  industry?: string | null;
  @Field(() => Int, { nullable: true, description: 'Number of employees.' })
  employees?: number | null;
  @Field(() => String, { nullable: true, description: 'Country.' })
  country?: string | null;
}

@InputType({ description: 'The person who responded.' })
export class ContactInput {
  @Field(() => String, { nullable: true, description: 'Full name.' })
  name?: string | null;
  @Field(() => String, { nullable: true, description: 'E-mail address.' })
  email?: string | null;
  @Field(() => String, { nullable: true, description: 'Job title.' })
  title?: string | null;
}

@InputType({ description: 'Someone responded: opens a lead (ResponderCaptured).' })
export class CaptureResponderInput extends WriteOptions {
  @Field(() => ID, { nullable: true, description: 'Client-chosen lead id; generated (UUID v7) when absent.' })
  leadId?: string | null;
  @Field({ description: 'Source channel (trade show, web form, e-mail campaign, field sales, partner, ...).' })
  channel!: string;
  @Field(() => Origin, { description: 'Who generated the lead.' })
  origin!: Origin;
  @Field(() => String, { nullable: true, description: 'Campaign; absent records explicitly that there was none.' })
  campaign?: string | null;
  @Field(() => AccountInput, { nullable: true, description: 'Account attributes.' })
  account?: AccountInput | null;
  @Field(() => ContactInput, { nullable: true, description: 'Contact attributes.' })
  contact?: ContactInput | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'A flat map of string values (segment, product, region, ...).' })
  attributes?: Record<string, unknown> | null;
  @Field(() => Float, { nullable: true, description: 'Estimated deal value.' })
  estimatedValue?: number | null;
}

@InputType({ description: 'BANTT score of the lead (LeadScored).' })
export class ScoreLeadInput extends LeadWriteOptions {
  @Field(() => Int, { description: 'Budget, 0..20.' })
  budget!: number;
  @Field(() => Int, { description: 'Authority, 0..20.' })
  authority!: number;
  @Field(() => Int, { description: 'Need, 0..20.' })
  need!: number;
  @Field(() => Int, { description: 'Time frame, 0..20.' })
  timeframe!: number;
  @Field(() => Int, { description: 'Trust, 0..20.' })
  trust!: number;
  @Field(() => String, { nullable: true, description: 'Scoring model name/version.' })
  model?: string | null;
}

@InputType({ description: 'Marketing passes the lead to sales (HandedOff); starts the SLA clock.' })
export class HandOffLeadInput extends LeadWriteOptions {
  @Field({ description: 'Sales owner.' })
  ownerId!: string;
  @Field(() => String, { nullable: true, description: 'Sales team.' })
  team?: string | null;
  @Field(() => String, { nullable: true, description: 'Note for sales.' })
  note?: string | null;
  @Field(() => Float, { nullable: true, description: 'Estimated deal value.' })
  estimatedValue?: number | null;
}

@InputType({ description: 'Sales accepts the lead (Accepted).' })
export class AcceptLeadInput extends LeadWriteOptions {
  @Field({ description: 'Who accepted.' })
  by!: string;
  @Field(() => String, { nullable: true, description: 'Note.' })
  note?: string | null;
}

@InputType({ description: 'Sales rejects the lead (Rejected).' })
export class RejectLeadInput extends LeadWriteOptions {
  @Field({ description: 'Who rejected.' })
  by!: string;
  @Field({ description: 'Reason code (non-empty).' })
  reason!: string;
  @Field(() => String, { nullable: true, description: 'Free text.' })
  note?: string | null;
}

@InputType({ description: 'The lead goes back to nurture (Recycled): the need is real, timing or budget is not.' })
export class RecycleLeadInput extends LeadWriteOptions {
  @Field({ description: 'Reason code (non-empty).' })
  reason!: string;
  @Field(() => String, { nullable: true, description: 'Stage it returns to (default: the first stage).' })
  toStage?: string | null;
  @Field(() => String, { nullable: true, description: 'Note.' })
  note?: string | null;
}

@InputType({ description: 'The lead left the funnel for good (Lost).' })
export class MarkLeadLostInput extends LeadWriteOptions {
  @Field({ description: 'Reason code (non-empty).' })
  reason!: string;
  @Field(() => Float, { nullable: true, description: 'Value lost.' })
  value?: number | null;
  @Field(() => String, { nullable: true, description: 'Competitor that won it.' })
  competitor?: string | null;
  @Field(() => String, { nullable: true, description: 'Note.' })
  note?: string | null;
}

@InputType({ description: 'It became a customer (Won).' })
export class MarkLeadWonInput extends LeadWriteOptions {
  @Field(() => Float, { description: 'Amount won (> 0).' })
  amount!: number;
  @Field(() => String, { nullable: true, description: 'ISO 4217 currency (default from configuration).' })
  currency?: string | null;
}

@InputType({ description: 'A downstream step happened (StageAdvanced): meeting held, proposal sent, ...' })
export class AdvanceLeadStageInput extends LeadWriteOptions {
  @Field({ description: 'Step name.' })
  step!: string;
  @Field(() => Float, { nullable: true, description: 'Value at this step.' })
  value?: number | null;
  @Field(() => String, { nullable: true, description: 'Note.' })
  note?: string | null;
}
