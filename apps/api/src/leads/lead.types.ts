import { Field, Float, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { CapturedLead, Origin as DomainOrigin, LeadStatus as DomainLeadStatus } from '../../../../libs/domain/src/index.js';
import type { RecordedEvent } from '../../../../libs/event-store/src/index.js';

export enum Origin {
  MARKETING = 'MARKETING',
  SALES = 'SALES',
  PARTNER = 'PARTNER',
}
registerEnumType(Origin, {
  name: 'Origin',
  description: 'Who generated the lead: marketing, sales itself, or a partner (first-touch attribution).',
  valuesMap: {
    MARKETING: { description: 'Marketing-generated (campaigns, events, inbound).' },
    SALES: { description: 'Sales-generated: sales sourced the lead itself and may accept it without a hand-off.' },
    PARTNER: { description: 'Partner-generated: may also be accepted by sales without a hand-off.' },
  },
});

export enum LeadStatus {
  NEW = 'new',
  NURTURING = 'nurturing',
  HANDED_OFF = 'handed_off',
  ACCEPTED = 'accepted',
  REJECTED = 'rejected',
  WON = 'won',
  LOST = 'lost',
}
registerEnumType(LeadStatus, {
  name: 'LeadStatus',
  description: 'Where the lead stands on the write side (what the rules allow next); its funnel stage is an interpretation by a funnel definition.',
  valuesMap: {
    NEW: { description: 'Captured, not handed off yet.' },
    NURTURING: { description: 'Recycled back to marketing.' },
    HANDED_OFF: { description: 'Passed to sales; the SLA clock runs until sales accepts or rejects.' },
    ACCEPTED: { description: 'Accepted by sales.' },
    REJECTED: { description: 'Rejected by sales; it may be handed off again, recycled or lost.' },
    WON: { description: 'Became a customer (closed).' },
    LOST: { description: 'Left the funnel (closed; may still be recycled).' },
  },
});

@ObjectType({ description: 'First-touch attribution, from the lead\'s ResponderCaptured event.' })
export class LeadSource {
  @Field({ description: 'Source channel (trade show, web form, e-mail campaign, ...).' })
  channel!: string;

  @Field(() => String, { nullable: true, description: 'Campaign; null records explicitly that there was none.' })
  campaign!: string | null;

  @Field(() => Origin, { description: 'Marketing-, sales- or partner-generated.' })
  origin!: DomainOrigin;
}

@ObjectType({ description: 'Who or what caused an event.' })
export class Actor {
  @Field({ description: 'user, system or import.' })
  type!: string;

  @Field({ description: 'Identifier of the user, system or import job.' })
  id!: string;
}

@ObjectType({ description: 'One immutable fact of a lead\'s journey, with its audit metadata.' })
export class LeadEvent {
  @Field(() => ID, { description: 'Event id (UUID v7).' })
  eventId!: string;

  @Field({ description: 'Event type, e.g. HandedOff.' })
  type!: string;

  @Field(() => Int, { description: 'Schema version the event was written with (read through upcasters).' })
  schemaVersion!: number;

  @Field(() => Int, { description: 'Revision within the lead\'s stream: 1 for the capture, gap-free.' })
  revision!: number;

  @Field({ description: 'Global position in the ledger (a consistency token for read queries).' })
  position!: string;

  @Field(() => Date, { description: 'Business time: when it happened.' })
  occurredAt!: Date;

  @Field(() => Date, { description: 'When the ledger stored it.' })
  recordedAt!: Date;

  @Field(() => Actor, { description: 'Who or what caused it.' })
  actor!: Actor;

  @Field(() => String, { nullable: true, description: 'Correlation id shared by everything one request or import caused.' })
  correlationId!: string | null;

  @Field(() => String, { nullable: true, description: 'Id of the command or message that caused this event.' })
  causationId!: string | null;

  @Field(() => String, { nullable: true, description: 'Idempotency key of the append that wrote it, if any.' })
  idempotencyKey!: string | null;

  @Field(() => String, { nullable: true, description: 'Reason given (Rejected, Recycled, Lost).' })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'Free-text note given with the event.' })
  note!: string | null;

  @Field(() => GraphQLJSON, { description: 'The event\'s data as stored.' })
  data!: unknown;

  @Field({ description: 'SHA-256 (hex) chaining this event to the previous one of the stream (tamper evidence).' })
  hash!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Funnel stage before the event under the classifying definition (null: in no stage).',
  })
  stageBefore!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Funnel stage after the event under the classifying definition (null: in no stage, e.g. after a rejection or loss).',
  })
  stageAfter!: string | null;

  @Field({ description: 'name@version of the funnel definition that classified it.' })
  definition!: string;
}

@ObjectType({ description: 'A lead: one stream of events, from its capture as a responder to won or lost.' })
export class Lead {
  @Field(() => ID, { description: 'Lead id (the stream id).' })
  id!: string;

  @Field(() => LeadStatus, { description: 'Write-side status: what the lead\'s rules allow next.' })
  status!: DomainLeadStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Current funnel stage under the active funnel definition (null: in no stage, e.g. after a rejection or loss).',
  })
  stage!: string | null;

  @Field(() => Int, { description: 'Revision of the latest event; pass it as expectedRevision for optimistic concurrency.' })
  revision!: number;

  @Field(() => LeadSource, { description: 'First-touch attribution.' })
  source!: LeadSource;

  @Field(() => Int, { nullable: true, description: 'Total of the latest score (0..100), null before the first score.' })
  score!: number | null;

  @Field(() => String, { nullable: true, description: 'Sales owner from the latest hand-off.' })
  ownerId!: string | null;

  @Field(() => String, { nullable: true, description: 'Sales team from the latest hand-off.' })
  team!: string | null;

  @Field(() => Date, { description: 'Business time of the capture.' })
  capturedAt!: Date;

  @Field(() => Float, { nullable: true, description: 'Latest known value: the amount of the latest event that carries one.' })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'Currency of the won amount.' })
  currency!: string | null;

  /** The stream, when already read (the timeline resolver reuses it instead of reading again). */
  events?: RecordedEvent[];
}

@ObjectType({ description: 'The result of a write: the lead after it, the event appended, and its position.' })
export class LeadMutationResult {
  @Field(() => Lead, { description: 'The lead after the event.' })
  lead!: Lead;

  @Field(() => LeadEvent, { description: 'The event appended (or, for a repeated idempotency key, the one appended first).' })
  event!: LeadEvent;

  @Field({ description: 'The event\'s global position: pass it as minPosition to read queries to see this write.' })
  position!: string;

  @Field({ description: 'true when an earlier call with the same idempotencyKey already appended the event.' })
  replayed!: boolean;
}

export function toLeadModel(state: CapturedLead, events: RecordedEvent[], stage: string | null): Lead {
  return Object.assign(new Lead(), {
    id: state.leadId,
    status: state.status,
    stage,
    revision: state.revision,
    source: state.source,
    score: state.score,
    ownerId: state.ownerId,
    team: state.team,
    capturedAt: state.capturedAt,
    value: state.value,
    currency: state.currency,
    events,
  });
}

export interface StageClassification {
  stageBefore: string | null;
  stageAfter: string | null;
  definition: string;
}

export function toLeadEventModel(event: RecordedEvent, classification: StageClassification): LeadEvent {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const text = (key: string): string | null => (typeof data[key] === 'string' ? (data[key] as string) : null);
  return Object.assign(new LeadEvent(), {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    revision: event.revision,
    position: event.globalPosition,
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    actor: event.metadata.actor,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    idempotencyKey: event.metadata.idempotencyKey,
    reason: text('reason'),
    note: text('note'),
    data: event.data,
    hash: event.hash,
    ...classification,
  });
}
