import { foldLead, upcastLeadEvent, type LeadEvent, type LeadState } from '../../../../libs/domain/src/index.js';
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
