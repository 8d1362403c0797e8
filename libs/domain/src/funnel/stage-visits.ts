import type { LeadEvent, LeadEventType } from '../lead/events.js';
import { valueCarriedBy } from '../lead/evolve.js';
import { ruleMatches } from './conditions.js';
import type { FunnelDefinition, StageDefinition, StageRule } from './definition.js';

/**
 * Stage visits: the interpretation of a lead's facts by a funnel definition (shared/metrics.md, "Stage visits").
 *
 * The lead is always either in one stage (it has one open visit) or in no stage. Per event, in revision order:
 * - Recycled: closes the current visit as `recycled` and opens a visit of its `toStage`. If the lead is in no
 *   stage because of a Rejected, and nothing has opened a visit since, the rejected exit becomes `recycled`.
 * - Rejected / Lost: closes the current visit as `rejected` / `lost`; the lead is then in no stage.
 * - any other event: enters stage S when it matches one of S's rules and S is later in the definition than the
 *   current stage (or the lead is in no stage and S allows `enterFromNoStage`); of several such stages, the
 *   latest. Entering closes the current visit as `advanced` and opens a visit of S. Otherwise nothing changes.
 *
 * Decisions on the cases metrics.md leaves open:
 * - A Recycled whose toStage names no stage of the definition (or a terminal one: recycling cannot win a deal)
 *   opens a visit of `definition.recycleTo`. toStage is compared trimmed and lower-cased (stage keys are
 *   [a-z0-9_]+). A Recycled always exits `recycled`, even when its target is not earlier than the current stage.
 * - A Recycled while in no stage (after a Lost, or before any stage) opens a visit and closes none; a lost
 *   exit is never rewritten.
 * - A rejected exit becomes `recycled` only when the Recycled is the next event that changes the lead's stage:
 *   once another event opens a visit, or a Lost or Rejected arrives while in no stage, it stays `rejected`.
 *   The rewritten visit keeps its exit time and revision (those of the Rejected, when it left the stage).
 * - A Lost or Rejected while in no stage changes no visit.
 * - Once the lead is in a terminal stage (won), nothing changes any more (the write side refuses such events;
 *   the interpreter ignores them defensively).
 * - Rejected, Lost and Recycled never enter a stage through `enteredBy` (the validator refuses such rules).
 */

export type ExitKind = 'advanced' | 'recycled' | 'rejected' | 'lost' | 'open';
export const EXIT_KINDS: readonly ExitKind[] = ['advanced', 'recycled', 'rejected', 'lost', 'open'];
export type ClosedExitKind = Exclude<ExitKind, 'open'>;

export interface StageVisit {
  leadId: string;
  stage: string;
  /** 1-based position of the stage in the definition. */
  stageOrder: number;
  /** 1.. per lead, in the order the visits opened. */
  visitNumber: number;
  enteredAt: Date;
  enteredByRevision: number;
  exitedAt: Date | null;
  exitedByRevision: number | null;
  exitKind: ExitKind;
  /** The lead's latest known value at the exit (for an open visit: at the last event considered); 0 when none. */
  value: number;
}

/** A lead event with its stream revision; without one, its 1-based index in the list given is its revision. */
export type RevisionedLeadEvent = LeadEvent & { revision?: number };

/**
 * Where the lead stands in the funnel between two events: enough to interpret the next event, so a projection
 * can keep it per lead instead of re-reading the stream. JSON-able.
 */
export interface FunnelPosition {
  /** The stage of the open visit; null = in no stage. */
  stage: string | null;
  /** In no stage because of a Rejected, and a Recycled would turn that rejected exit into `recycled`. */
  rejectionPending: boolean;
}

export const NO_STAGE: FunnelPosition = Object.freeze({ stage: null, rejectionPending: false });

/** What one event does to the lead's visits. */
export interface FunnelTransition {
  stageBefore: string | null;
  stageAfter: string | null;
  /** The exit kind the open visit (of stageBefore) is closed with; null = it stays open (or there is none). */
  closes: ClosedExitKind | null;
  /** The stage of the visit the event opens; null = none. */
  opens: string | null;
  /** The lead's last closed visit (exited `rejected`) is reclassified as `recycled`. */
  recyclesRejectedExit: boolean;
}

export interface FunnelStep {
  position: FunnelPosition;
  transition: FunnelTransition;
}

/** Applies one event to the lead's funnel position (pure). The incremental form of deriveStageVisits. */
export function stepFunnel(position: FunnelPosition, event: LeadEvent, definition: FunnelDefinition): FunnelStep {
  const funnel = compile(definition);
  const current = position.stage === null ? null : funnel.indexOf(position.stage);
  if (current === undefined) {
    throw new Error(`stepFunnel: stage '${position.stage}' is not a stage of the definition ${definition.name}@${definition.version}`);
  }
  const before = position.stage;
  const unchanged = (rejectionPending = position.rejectionPending): FunnelStep => ({
    position: rejectionPending === position.rejectionPending ? position : { stage: before, rejectionPending },
    transition: { stageBefore: before, stageAfter: before, closes: null, opens: null, recyclesRejectedExit: false },
  });
  const move = (closes: ClosedExitKind | null, opens: string | null, recyclesRejectedExit = false, rejectionPending = false): FunnelStep => ({
    position: { stage: opens, rejectionPending },
    transition: { stageBefore: before, stageAfter: opens, closes, opens, recyclesRejectedExit },
  });

  if (current !== null && funnel.stages[current]!.terminal === true) return unchanged();
  switch (event.type) {
    case 'Recycled': {
      const target = funnel.recycleTarget(event.data.toStage);
      if (current !== null) return move('recycled', target);
      return move(null, target, position.rejectionPending);
    }
    case 'Rejected':
      return current === null ? unchanged(false) : move('rejected', null, false, true);
    case 'Lost':
      return current === null ? unchanged(false) : move('lost', null);
    default: {
      const target = funnel.stageEnteredBy(event, current);
      return target === null ? unchanged() : move(current === null ? null : 'advanced', funnel.stages[target]!.key);
    }
  }
}

export interface LeadFunnelInterpretation {
  /** The lead's visits in the order they opened. */
  visits: StageVisit[];
  /** One per event considered (those at or before asOf), in the order given. */
  timeline: FunnelTransition[];
  /** Where the lead stands after the last event considered. */
  position: FunnelPosition;
}

/**
 * Interprets one lead's events (in revision order) by the definition: its visits, what each event did, and
 * where it stands. Events that occurred after `asOf` are ignored (open visits stay open).
 */
export function interpretLead(
  leadId: string,
  events: readonly RevisionedLeadEvent[],
  definition: FunnelDefinition,
  asOf?: Date,
): LeadFunnelInterpretation {
  const funnel = compile(definition);
  const visits: StageVisit[] = [];
  const timeline: FunnelTransition[] = [];
  let position: FunnelPosition = NO_STAGE;
  let open: StageVisit | null = null;
  let lastClosed: StageVisit | null = null;
  let value: number | null = null;

  for (const [index, event] of events.entries()) {
    if (asOf !== undefined && event.occurredAt.getTime() > asOf.getTime()) continue;
    const revision = event.revision ?? index + 1;
    value = valueCarriedBy(event) ?? value;
    const step = stepFunnel(position, event, definition);
    const { transition } = step;
    position = step.position;
    timeline.push(transition);

    if (transition.recyclesRejectedExit && lastClosed?.exitKind === 'rejected') lastClosed.exitKind = 'recycled';
    if (transition.closes !== null && open !== null) {
      open.exitedAt = event.occurredAt;
      open.exitedByRevision = revision;
      open.exitKind = transition.closes;
      open.value = value ?? 0;
      lastClosed = open;
      open = null;
    }
    if (transition.opens !== null) {
      open = {
        leadId,
        stage: transition.opens,
        stageOrder: funnel.indexOf(transition.opens)! + 1,
        visitNumber: visits.length + 1,
        enteredAt: event.occurredAt,
        enteredByRevision: revision,
        exitedAt: null,
        exitedByRevision: null,
        exitKind: 'open',
        value: 0,
      };
      visits.push(open);
    }
  }
  // An open visit is worth the lead's latest known value "now" (as of the last event considered).
  if (open !== null) open.value = value ?? 0;
  return { visits, timeline, position };
}

/** The lead's stage visits (shared/metrics.md), in the order they opened. */
export function deriveStageVisits(
  leadId: string,
  events: readonly RevisionedLeadEvent[],
  definition: FunnelDefinition,
  asOf?: Date,
): StageVisit[] {
  return interpretLead(leadId, events, definition, asOf).visits;
}

/** The stage before and after each event (the audit timeline), one entry per event, in the order given. */
export function classifyTimeline(
  events: readonly LeadEvent[],
  definition: FunnelDefinition,
): { stageBefore: string | null; stageAfter: string | null }[] {
  return interpretLead('', events, definition).timeline.map(({ stageBefore, stageAfter }) => ({ stageBefore, stageAfter }));
}

/** The stage the lead is in after its events (up to asOf); null = in no stage. */
export function currentStage(events: readonly LeadEvent[], definition: FunnelDefinition, asOf?: Date): string | null {
  return interpretLead('', events, definition, asOf).position.stage;
}

// ---- compiled definitions ------------------------------------------------------------------------------

interface CompiledFunnel {
  stages: readonly StageDefinition[];
  indexOf(stage: string): number | undefined;
  /** The index of the stage the event enters from the stage at index `current` (null = no stage), or null. */
  stageEnteredBy(event: LeadEvent, current: number | null): number | null;
  /** The stage key a Recycled with this toStage opens. */
  recycleTarget(toStage: string | null): string;
}

const compiled = new WeakMap<FunnelDefinition, CompiledFunnel>();

/** Indexes a definition once (cached per definition object: definitions are immutable). */
function compile(definition: FunnelDefinition): CompiledFunnel {
  let funnel = compiled.get(definition);
  if (funnel === undefined) {
    funnel = buildCompiled(definition);
    compiled.set(definition, funnel);
  }
  return funnel;
}

function buildCompiled(definition: FunnelDefinition): CompiledFunnel {
  const { stages } = definition;
  if (stages.length === 0) throw new Error(`Funnel definition ${definition.name}@${definition.version} has no stages`);
  const index = new Map<string, number>();
  stages.forEach((stage, i) => {
    if (!index.has(stage.key)) index.set(stage.key, i);
  });
  // Per event type, the rules that may enter a stage, latest stage first (the latest matching stage wins).
  const rules = new Map<LeadEventType, { stage: number; rule: StageRule }[]>();
  for (let i = stages.length - 1; i >= 0; i--) {
    for (const rule of stages[i]!.enteredBy) {
      const list = rules.get(rule.event) ?? [];
      list.push({ stage: i, rule });
      rules.set(rule.event, list);
    }
  }
  const recycleable = (key: string | undefined): string | null => {
    const i = key === undefined ? undefined : index.get(key);
    return i === undefined || stages[i]!.terminal === true ? null : stages[i]!.key;
  };
  const fallback = recycleable(definition.recycleTo) ?? recycleable(stages[0]!.key) ?? stages[0]!.key;

  return {
    stages,
    indexOf: (stage) => index.get(stage),
    stageEnteredBy(event, current) {
      for (const { stage, rule } of rules.get(event.type) ?? []) {
        if (current !== null && stage <= current) return null; // only later stages are entered
        if (current === null && stages[stage]!.enterFromNoStage === false) continue;
        if (ruleMatches(rule, event)) return stage;
      }
      return null;
    },
    recycleTarget: (toStage) => (toStage === null ? null : recycleable(toStage.trim().toLowerCase())) ?? fallback,
  };
}
