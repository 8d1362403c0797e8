import type { LeadEvent } from './events.js';
import type { CapturedLead, LeadState, LeadStatus, UncapturedLead } from './state.js';

/** The state of a lead before its first event: decide accepts only CaptureResponder on it. */
export function initialLeadState(leadId: string): UncapturedLead {
  return { exists: false, leadId, revision: 0 };
}

/** The status each event leaves the lead in; undefined = the status does not change (LeadScored, StageAdvanced). */
const STATUS_AFTER: { readonly [T in LeadEvent['type']]?: LeadStatus } = {
  ResponderCaptured: 'new',
  HandedOff: 'handed_off',
  Accepted: 'accepted',
  Rejected: 'rejected',
  Recycled: 'nurturing',
  Lost: 'lost',
  Won: 'won',
};

/**
 * The amount an event carries, if any. The lead's value is "the amount of the latest event that carries one"
 * (shared/metrics.md), so an event without an amount (or with a null one) keeps the previous value.
 */
export function valueCarriedBy(event: LeadEvent): number | null {
  switch (event.type) {
    case 'ResponderCaptured':
    case 'HandedOff':
      return event.data.estimatedValue;
    case 'StageAdvanced':
    case 'Lost':
      return event.data.value;
    case 'Won':
      return event.data.amount;
    default:
      return null;
  }
}

/**
 * Applies one recorded fact to the state (pure; never validates business rules: the fact already happened).
 * It throws only on a stream that cannot exist: one not starting with ResponderCaptured, or captured twice.
 */
export function evolve(state: LeadState, event: LeadEvent): LeadState {
  if (!state.exists) {
    if (event.type !== 'ResponderCaptured') {
      throw new Error(`Lead ${state.leadId}: the stream must start with ResponderCaptured, not ${event.type}`);
    }
    const { channel, campaign, origin, estimatedValue } = event.data;
    return {
      exists: true,
      leadId: state.leadId,
      status: 'new',
      revision: 1,
      source: { channel, campaign, origin },
      capturedAt: event.occurredAt,
      score: null,
      ownerId: null,
      team: null,
      value: estimatedValue ?? null,
      currency: null,
      lastOccurredAt: event.occurredAt,
    };
  }
  if (event.type === 'ResponderCaptured') {
    throw new Error(`Lead ${state.leadId}: ResponderCaptured at revision ${state.revision + 1}, the lead is already captured`);
  }

  const next: CapturedLead = {
    ...state,
    status: STATUS_AFTER[event.type] ?? state.status,
    revision: state.revision + 1,
    value: valueCarriedBy(event) ?? state.value,
    lastOccurredAt: event.occurredAt,
  };
  switch (event.type) {
    case 'LeadScored':
      return { ...next, score: event.data.total };
    case 'HandedOff':
      // A new hand-off names a new owner and team (null team = none given this time).
      return { ...next, ownerId: event.data.ownerId, team: event.data.team };
    case 'Won':
      return { ...next, currency: event.data.currency };
    default:
      return next;
  }
}

/** The state after a lead's whole stream (events in revision order). */
export function foldLead(leadId: string, events: readonly LeadEvent[]): LeadState {
  return events.reduce<LeadState>(evolve, initialLeadState(leadId));
}
