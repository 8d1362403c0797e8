import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';

@InputType({ description: 'One funnel event of an import, as one NDJSON line of `ledger import` carries it.' })
export class ImportEventInput {
  @Field({ description: 'The lead (stream) the event belongs to.' })
  leadId!: string;
  @Field({ description: 'The event type: ResponderCaptured, LeadScored, HandedOff, Accepted, Rejected, Recycled, Lost, Won or StageAdvanced (an unknown type rejects the lead).' })
  type!: string;
  @Field({ description: 'Business time, ISO 8601 date or date-time; without an offset it is read in the time zone of the import.' })
  occurredAt!: string;
  @Field(() => GraphQLJSON, { nullable: true, description: 'The fields of the event\'s command, e.g. {"amount": 1200, "currency": "EUR"} for Won; unknown fields reject the lead.' })
  data?: Record<string, unknown> | null;
}

@InputType({ description: 'A small batch of history to import (files of any size: `ledger import`).' })
export class ImportEventsInput {
  @Field(() => [ImportEventInput], { description: 'The events, in any order (each lead\'s are sorted by occurredAt); at most 5,000. Item i is reported as row i + 1.' })
  events!: ImportEventInput[];
  @Field(() => String, { nullable: true, description: 'IANA time zone in which dates without an offset are read (default UTC).' })
  timeZone?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Check every lead and report, without writing anything (default false).' })
  dryRun?: boolean | null;
}

@ObjectType({ description: 'Why a lead (or a row naming no lead) was not imported.' })
export class ImportProblem {
  @Field(() => Int, { description: 'The source row (1-based; for importEvents the position of the event in the list).' })
  row!: number;
  @Field({ description: 'The field (column or event field) at fault.' })
  field!: string;
  @Field({ description: 'What is wrong, in words the user can act on.' })
  reason!: string;
}

@ObjectType({ description: 'A lead that was not imported at all (all or nothing per lead).' })
export class RejectedImportLead {
  @Field(() => String, { nullable: true, description: 'The lead; null for rows that name no lead.' })
  leadId!: string | null;
  @Field(() => [Int], { description: 'Every source row of the lead.' })
  rows!: number[];
  @Field(() => [ImportProblem], { description: 'The problems found (the first rule the lead breaks, or every problem of its rows).' })
  problems!: ImportProblem[];
}

@ObjectType({ description: 'The outcome of an import: what was written, skipped and rejected.' })
export class ImportResult {
  @Field({ description: 'True when nothing was written (dryRun): the counts say what would happen.' })
  dryRun!: boolean;
  @Field(() => Int, { description: 'Leads whose events were appended.' })
  leadsImported!: number;
  @Field(() => Int, { description: 'Leads already present with every event of the import (a repeated import): nothing appended.' })
  leadsSkipped!: number;
  @Field(() => Int, { description: 'Leads not imported because one of their rows breaks a rule (see rejected).' })
  leadsRejected!: number;
  @Field(() => Int, { description: 'Events appended.' })
  eventsImported!: number;
  @Field(() => Int, { description: 'Events already present (skipped).' })
  eventsSkipped!: number;
  @Field(() => String, { nullable: true, description: 'Global position of the last event appended: pass it as minPosition to read the imported history.' })
  position!: string | null;
  @Field(() => [RejectedImportLead], { description: 'Every rejected lead with its rows, fields and reasons.' })
  rejected!: RejectedImportLead[];
  @Field(() => [String], { description: 'Remarks on the whole import (e.g. every event at the same instant).' })
  warnings!: string[];
}
