import type { Origin } from './events.js';

/**
 * Where a lead stands on the write side. This is the lead's *status* (what the rules need), not its funnel
 * stage: stages are derived by a funnel definition on the read side.
 * - `new`: captured, not yet handed off; `nurturing`: recycled back to marketing;
 * - `handed_off`: waiting for sales to accept or reject (the SLA clock runs);
 * - `accepted`: sales owns it; `rejected`: sales refused it (it may be handed off again or recycled);
 * - `won` / `lost`: closed.
 */
export type LeadStatus = 'new' | 'nurturing' | 'handed_off' | 'accepted' | 'rejected' | 'won' | 'lost';

export const LEAD_STATUSES: readonly LeadStatus[] = ['new', 'nurturing', 'handed_off', 'accepted', 'rejected', 'won', 'lost'];

export interface LeadSource {
  channel: string;
  campaign: string | null;
  origin: Origin;
}

export interface CapturedLead {
  exists: true;
  leadId: string;
  status: LeadStatus;
  /** Number of events in the stream (the revision of the latest one; revisions start at 1). */
  revision: number;
  source: LeadSource;
  capturedAt: Date;
  /** Total of the latest LeadScored, null before the first score. */
  score: number | null;
  ownerId: string | null;
  team: string | null;
  /** The lead's latest known value (shared/metrics.md): amount of the latest event that carries one. */
  value: number | null;
  currency: string | null;
  /** occurredAt of the latest event: a new event may not be earlier. */
  lastOccurredAt: Date;
}

export interface UncapturedLead {
  exists: false;
  leadId: string;
  revision: 0;
}

export type LeadState = CapturedLead | UncapturedLead;
