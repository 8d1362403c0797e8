import { Inject } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Args, Context, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { isValidLeadId, type LeadCommand } from '../../../../libs/domain/src/index.js';
import { uuidv7, type EventStore } from '../../../../libs/event-store/src/index.js';
import { FunnelDefinitions } from '../funnel/funnel-definitions.js';
import { EVENT_STORE } from '../storage/storage.module.js';
import { leadHistory, stageOf, stageTransitions } from './lead-history.js';
import {
  AcceptLeadInput,
  AdvanceLeadStageInput,
  CaptureResponderInput,
  HandOffLeadInput,
  MarkLeadLostInput,
  MarkLeadWonInput,
  RecycleLeadInput,
  RejectLeadInput,
  ScoreLeadInput,
} from './lead.inputs.js';
import { Lead, LeadEvent, LeadMutationResult, toLeadEventModel, toLeadModel } from './lead.types.js';
import { RecordLeadEvent, type LeadChange } from './record-lead-event.command.js';
import { commandContext, type GraphQLContext } from './request-context.js';

interface WriteOptions {
  occurredAt?: Date | null;
  expectedRevision?: number | null;
  idempotencyKey?: string | null;
}

@Resolver(() => Lead)
export class LeadResolver {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(FunnelDefinitions) private readonly definitions: FunnelDefinitions,
  ) {}

  @Query(() => Lead, { nullable: true, description: 'A lead by id, read from its stream (null when no such lead).' })
  async lead(@Args('id', { type: () => ID, description: 'The lead id.' }) id: string): Promise<Lead | null> {
    // A reserved id ('$...') names one of the ledger's own streams: no lead has it.
    if (!isValidLeadId(id)) return null;
    const history = leadHistory(id, await this.store.readStream(id));
    if (!history.state.exists) return null;
    return toLeadModel(history.state, history.events, stageOf(history.events, this.definitions.active()));
  }

  @ResolveField(() => [LeadEvent], {
    description: 'Every event of the lead in revision order, with its audit metadata and the stage before and after it.',
  })
  async timeline(
    @Parent() lead: Lead,
    @Args('definition', {
      type: () => String,
      nullable: true,
      description: 'name@version (or name, for its latest version) of the funnel definition that classifies the events; default: the active one.',
    })
    definitionReference?: string | null,
  ): Promise<LeadEvent[]> {
    const definition = this.definitions.resolve(definitionReference);
    const events = lead.events ?? (await this.store.readStream(lead.id));
    const transitions = stageTransitions(events, definition);
    const reference = this.definitions.reference(definition);
    return events.map((event, i) => toLeadEventModel(event, { ...transitions[i]!, definition: reference }));
  }

  @Mutation(() => LeadMutationResult, { description: 'Someone responded: opens a lead (ResponderCaptured).' })
  captureResponder(@Args('input', { description: 'The fact to record and the write options.' }) input: CaptureResponderInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    const { leadId, occurredAt, expectedRevision, idempotencyKey, ...fields } = input;
    return this.record({ ...fields, type: 'CaptureResponder', leadId: leadId ?? uuidv7(), occurredAt: occurredAt ?? undefined }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'Score the lead with BANTT components (LeadScored).' })
  scoreLead(@Args('input', { description: 'The fact to record and the write options.' }) input: ScoreLeadInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'ScoreLead' }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'Marketing passes the lead to sales (HandedOff); starts the SLA clock.' })
  handOffLead(@Args('input', { description: 'The fact to record and the write options.' }) input: HandOffLeadInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'HandOffLead' }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'Sales accepts the lead (Accepted).' })
  acceptLead(@Args('input', { description: 'The fact to record and the write options.' }) input: AcceptLeadInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'AcceptLead' }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'Sales rejects the lead with a reason (Rejected).' })
  rejectLead(@Args('input', { description: 'The fact to record and the write options.' }) input: RejectLeadInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'RejectLead' }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'Send the lead back to nurture (Recycled).' })
  recycleLead(@Args('input', { description: 'The fact to record and the write options.' }) input: RecycleLeadInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'RecycleLead' }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'The lead left the funnel for good (Lost).' })
  markLeadLost(@Args('input', { description: 'The fact to record and the write options.' }) input: MarkLeadLostInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'MarkLeadLost' }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'It became a customer (Won).' })
  markLeadWon(@Args('input', { description: 'The fact to record and the write options.' }) input: MarkLeadWonInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'MarkLeadWon' }, input, ctx);
  }

  @Mutation(() => LeadMutationResult, { description: 'A downstream step happened (StageAdvanced).' })
  advanceLeadStage(@Args('input', { description: 'The fact to record and the write options.' }) input: AdvanceLeadStageInput, @Context() ctx: GraphQLContext): Promise<LeadMutationResult> {
    return this.record({ ...this.fields(input), type: 'AdvanceLeadStage' }, input, ctx);
  }

  /** The command's own fields: everything but the write options. */
  private fields<T extends WriteOptions & { leadId: string }>(input: T) {
    const { occurredAt, expectedRevision, idempotencyKey, ...fields } = input;
    return { ...fields, occurredAt: occurredAt ?? undefined };
  }

  private async record(command: LeadCommand, options: WriteOptions, ctx: GraphQLContext): Promise<LeadMutationResult> {
    const change = await this.commandBus.execute(
      new RecordLeadEvent(command, commandContext(ctx), options.expectedRevision ?? null, options.idempotencyKey ?? null),
    );
    return this.toMutationResult(change);
  }

  private toMutationResult(change: LeadChange): LeadMutationResult {
    const { state, events } = change.history;
    if (!state.exists) throw new Error(`Lead ${state.leadId} has no events after a successful write`);
    const definition = this.definitions.active();
    const transitions = stageTransitions(events, definition);
    const index = events.findIndex((e) => e.eventId === change.event.eventId);
    return Object.assign(new LeadMutationResult(), {
      lead: toLeadModel(state, events, transitions.length > 0 ? transitions[transitions.length - 1]!.stageAfter : null),
      event: toLeadEventModel(change.event, { ...transitions[index]!, definition: this.definitions.reference(definition) }),
      position: change.event.globalPosition,
      replayed: change.replayed,
    });
  }
}
