import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertValidLeadId, decide, type LeadCommand } from '../../../../libs/domain/src/index.js';
import {
  ConcurrencyConflictError,
  type Actor,
  type EventStore,
  type RecordedEvent,
} from '../../../../libs/event-store/src/index.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG, EVENT_STORE } from '../storage/storage.module.js';
import { leadHistory, type LeadHistory } from './lead-history.js';

export interface LeadChange {
  history: LeadHistory;
  /** The event this command appended, or the one appended first under the same idempotency key. */
  event: RecordedEvent;
  replayed: boolean;
}

export interface CommandContext {
  actor: Actor;
  correlationId: string;
  /** Id of this command: the causation id of the events it appends. */
  commandId: string;
}

/** One funnel write: a domain command plus the caller's concurrency and idempotency terms. */
export class RecordLeadEvent extends Command<LeadChange> {
  constructor(
    readonly command: LeadCommand,
    readonly context: CommandContext,
    readonly expectedRevision: number | null,
    readonly idempotencyKey: string | null,
  ) {
    super();
  }
}

/**
 * Load the stream, decide, append with the revision the decision was made on. Persisting is the only side
 * effect: read models are projected from the store, never from the in-memory EventBus.
 */
@CommandHandler(RecordLeadEvent)
export class RecordLeadEventHandler implements ICommandHandler<RecordLeadEvent, LeadChange> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ command, context, expectedRevision, idempotencyKey }: RecordLeadEvent): Promise<LeadChange> {
    const leadId = command.leadId;
    // Before reading: a reserved id names one of the ledger's own streams, never a lead's.
    assertValidLeadId(leadId);
    // A caller that named a revision wants to know about a conflict; otherwise a concurrent write just means
    // deciding again on the newer state.
    const attempts = expectedRevision === null ? this.config.commandRetryLimit + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const replay = idempotencyKey ? await this.replayOf(leadId, idempotencyKey) : null;
      if (replay) return replay;

      const history = leadHistory(leadId, await this.store.readStream(leadId));
      if (expectedRevision !== null && history.state.revision !== expectedRevision) {
        throw new ConcurrencyConflictError(leadId, expectedRevision, history.state.revision);
      }
      const events = decide(command, history.state, { now: new Date(), defaultCurrency: this.config.defaultCurrency });
      try {
        const result = await this.store.append(
          leadId,
          events.map((event) => ({
            type: event.type,
            schemaVersion: event.schemaVersion,
            data: event.data,
            occurredAt: event.occurredAt,
            metadata: { actor: context.actor, correlationId: context.correlationId, causationId: context.commandId },
          })),
          { expectedRevision: history.state.exists ? history.state.revision : 'no_stream', idempotencyKey },
        );
        if (result.idempotentReplay) return this.changeOf(leadId, result.events, true);
        const all = [...history.events, ...result.events];
        return { history: leadHistory(leadId, all), event: result.events[result.events.length - 1], replayed: false };
      } catch (error) {
        if (error instanceof ConcurrencyConflictError && attempt < attempts) continue;
        throw error;
      }
    }
  }

  private async replayOf(leadId: string, idempotencyKey: string): Promise<LeadChange | null> {
    const prior = await this.store.findIdempotentAppend(leadId, idempotencyKey);
    return prior ? this.changeOf(leadId, prior.events, true) : null;
  }

  private async changeOf(leadId: string, appended: RecordedEvent[], replayed: boolean): Promise<LeadChange> {
    const history = leadHistory(leadId, await this.store.readStream(leadId));
    return { history, event: appended[appended.length - 1], replayed };
  }
}
