import { isLeadEventType, upcastLeadEvent, type FunnelDefinition } from '../../../../libs/domain/src/index.js';
import type { RecordedEvent, RecordedEventBody } from '../../../../libs/event-store/src/index.js';
import type { Projection } from '../../../../libs/projections/src/index.js';
import { LeadFunnelProjection } from '../../../../libs/read-models/src/index.js';

/** Every read-model projection this product runs, in the API process or the worker (default definition unless given). */
export function readModelProjections(definition?: FunnelDefinition): Projection[] {
  return [new LeadFunnelProjection(definition)];
}

/** Projections see current schema versions only: lead events go through the domain's upcasters first. */
export function upcastRecordedEvent<E extends RecordedEventBody>(event: E): E {
  if (!isLeadEventType(event.type)) return event;
  const current = upcastLeadEvent({ type: event.type, schemaVersion: event.schemaVersion, data: event.data, occurredAt: event.occurredAt });
  return current.schemaVersion === event.schemaVersion ? event : { ...event, schemaVersion: current.schemaVersion, data: current.data };
}
