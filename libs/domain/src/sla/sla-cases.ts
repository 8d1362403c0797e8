/**
 * SLA cases of one lead (shared/metrics.md, "SLA compliance"), derived from its events in revision order.
 *
 * - Each `sla.startedBy` event (default HandedOff) opens a case, due `sla.workingDays` working days later on the
 *   definition's SLA calendar (`slaCalendar`).
 * - The first `sla.resolvedBy` event (default Accepted, Rejected, Lost) after it resolves the case at its
 *   `occurredAt`. Only the latest case can be resolved: a case still unresolved when the next hand-off arrives
 *   (the write side forbids this; handled defensively) stays unresolved, and its status follows `now`.
 * - Status: `met` if resolvedAt <= dueAt; `breached` if resolvedAt > dueAt, or unresolved and now > dueAt (then
 *   also `overdue`); `open` if unresolved and now <= dueAt.
 * - Response times (working and calendar seconds, hand-off to resolution) only for resolved cases; a resolution
 *   stamped before its hand-off (back-dated event) counts 0.
 */
import { WorkingCalendar } from '../calendar/working-calendar.js';
import type { FunnelDefinition } from '../funnel/definition.js';
import type { RevisionedLeadEvent } from '../funnel/stage-visits.js';
import type { LeadEventType } from '../lead/events.js';

export type SlaCaseStatus = 'met' | 'breached' | 'open';

export interface SlaCase {
  leadId: string;
  /** 1, 2, ... in hand-off order. */
  caseNumber: number;
  handedOffAt: Date;
  handOffRevision: number;
  /** From the HandedOff data; null when `startedBy` is an event type without an owner. */
  ownerId: string | null;
  team: string | null;
  dueAt: Date;
  resolvedAt: Date | null;
  resolvedBy: LeadEventType | null;
  resolvedByRevision: number | null;
  status: SlaCaseStatus;
  /** Unresolved and now > dueAt (an open breach). */
  overdue: boolean;
  /** Working time from hand-off to resolution, in seconds; null while unresolved. */
  responseWorkingSeconds: number | null;
  /** Calendar time from hand-off to resolution, in seconds; null while unresolved. */
  responseCalendarSeconds: number | null;
}

export interface SlaCompliance {
  met: number;
  breached: number;
  open: number;
  /** met / (met + breached); null when no case is met or breached. */
  compliance: number | null;
}

const calendars = new WeakMap<FunnelDefinition, WorkingCalendar>();

/**
 * The working calendar of the definition's SLA: `sla.timeZone ?? timeZone`, `sla.holidays`, `sla.businessHours`
 * (Monday-Friday working week). Cached per definition object (definitions are immutable).
 */
export function slaCalendar(definition: FunnelDefinition): WorkingCalendar {
  let calendar = calendars.get(definition);
  if (calendar === undefined) {
    const { sla } = definition;
    calendar = new WorkingCalendar({
      timeZone: sla.timeZone ?? definition.timeZone,
      holidays: sla.holidays,
      businessHours: sla.businessHours,
    });
    calendars.set(definition, calendar);
  }
  return calendar;
}

interface Resolution {
  at: Date;
  by: LeadEventType;
  revision: number;
}

/** The SLA cases of one lead; `events` in revision order (a missing `revision` = its 1-based index). */
export function deriveSlaCases(
  leadId: string,
  events: readonly RevisionedLeadEvent[],
  definition: FunnelDefinition,
  now: Date,
): SlaCase[] {
  const { sla } = definition;
  const resolvedBy = new Set<LeadEventType>(sla.resolvedBy);
  const opened: { event: RevisionedLeadEvent; revision: number; resolution: Resolution | null }[] = [];

  events.forEach((event, index) => {
    const revision = event.revision ?? index + 1;
    if (event.type === sla.startedBy) {
      opened.push({ event, revision, resolution: null });
      return;
    }
    const latest = opened[opened.length - 1];
    if (latest !== undefined && latest.resolution === null && resolvedBy.has(event.type)) {
      latest.resolution = { at: event.occurredAt, by: event.type, revision };
    }
  });

  if (opened.length === 0) return [];
  const calendar = slaCalendar(definition);
  const nowMs = now.getTime();

  return opened.map(({ event, revision, resolution }, i): SlaCase => {
    const handedOffAt = event.occurredAt;
    const dueAt = calendar.addWorkingDays(handedOffAt, sla.workingDays);
    const dueMs = dueAt.getTime();
    const owner = event.type === 'HandedOff' ? event.data : null;
    let status: SlaCaseStatus;
    let overdue = false;
    let responseWorkingSeconds: number | null = null;
    let responseCalendarSeconds: number | null = null;
    if (resolution !== null) {
      status = resolution.at.getTime() <= dueMs ? 'met' : 'breached';
      responseWorkingSeconds = calendar.workingSecondsBetween(handedOffAt, resolution.at);
      responseCalendarSeconds = Math.max(0, (resolution.at.getTime() - handedOffAt.getTime()) / 1000);
    } else if (nowMs > dueMs) {
      status = 'breached';
      overdue = true;
    } else {
      status = 'open';
    }
    return {
      leadId,
      caseNumber: i + 1,
      handedOffAt,
      handOffRevision: revision,
      ownerId: owner?.ownerId ?? null,
      team: owner?.team ?? null,
      dueAt,
      resolvedAt: resolution?.at ?? null,
      resolvedBy: resolution?.by ?? null,
      resolvedByRevision: resolution?.revision ?? null,
      status,
      overdue,
      responseWorkingSeconds,
      responseCalendarSeconds,
    };
  });
}

/** Counts of met / breached / open cases and compliance = met / (met + breached), null when that is 0. */
export function slaCompliance(cases: readonly Pick<SlaCase, 'status'>[]): SlaCompliance {
  let met = 0;
  let breached = 0;
  let open = 0;
  for (const c of cases) {
    if (c.status === 'met') met++;
    else if (c.status === 'breached') breached++;
    else open++;
  }
  const decided = met + breached;
  return { met, breached, open, compliance: decided === 0 ? null : met / decided };
}
