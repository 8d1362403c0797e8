import {
  classifyTimeline,
  currentStage,
  foldLead,
  upcastLeadEvent,
  type FunnelDefinition,
  type LeadEvent,
  type LeadState,
} from '../../../../libs/domain/src/index.js';
import type { RecordedEvent } from '../../../../libs/event-store/src/index.js';

/** A lead as read from its stream: the recorded events and the state they fold to (through the upcasters). */
export interface LeadHistory {
  state: LeadState;
  events: RecordedEvent[];
}

export function toDomainEvent(event: RecordedEvent): LeadEvent {
  return upcastLeadEvent({
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    occurredAt: event.occurredAt,
  });
}

export function leadHistory(leadId: string, events: RecordedEvent[]): LeadHistory {
  return { state: foldLead(leadId, events.map(toDomainEvent)), events };
}

/** The lead's current funnel stage under a definition (null: in no stage, e.g. after a rejection). */
export function stageOf(events: RecordedEvent[], definition: FunnelDefinition): string | null {
  return currentStage(events.map(toDomainEvent), definition);
}

/** Stage before and after each event under a definition, in stream order. */
export function stageTransitions(events: RecordedEvent[], definition: FunnelDefinition) {
  return classifyTimeline(events.map(toDomainEvent), definition);
}
