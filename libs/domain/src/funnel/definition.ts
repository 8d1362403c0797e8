import type { LeadEventType } from '../lead/events.js';
import { deepFreeze } from './freeze.js';

/**
 * A funnel definition: which facts put a lead in which stage (shared/metrics.md, "Stage visits"), plus the
 * options of the figures computed over them (time zone, SLA, stuck limits, monthly targets).
 *
 * It is a plain JSON document, never code, so analysts can publish variants ("an MQL needs 60 points") and
 * replay the recorded history under them. Definitions are immutable once built: the interpreter caches what it
 * compiles from a definition object, so derive a variant with a new object (see `withMqlThreshold`).
 * `validateFunnelDefinition` turns an untrusted document into a definition with every default filled in.
 */

/** Comparison operators of a rule condition; `in` takes a list of allowed values. */
export type ConditionOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'in';
export const CONDITION_OPS: readonly ConditionOp[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in'];
/** Operators that compare numbers: their value must be a number, their field a numeric one. */
export const NUMERIC_CONDITION_OPS: readonly ConditionOp[] = ['gt', 'gte', 'lt', 'lte'];

export type ConditionScalar = string | number | null;

/**
 * A test on one field of the event's data, e.g. `{ field: 'total', op: 'gte', value: 75 }` or
 * `{ field: 'step', op: 'eq', value: 'proposal' }`. Nested fields use dots (`account.industry`,
 * `attributes.segment`); CONDITION_FIELDS lists the fields of each event type. A field that is absent or null
 * equals `null`, and fails every numeric comparison.
 */
export interface Condition {
  field: string;
  op: ConditionOp;
  value: ConditionScalar | readonly ConditionScalar[];
}

/** An event type that enters a stage, optionally only when a condition holds (a list = all must hold). */
export interface StageRule {
  event: LeadEventType;
  when?: Condition | readonly Condition[] | null;
}

export interface StageDefinition {
  /** Stage identifier, [a-z0-9_]+, unique within the definition; what read models and the API report. */
  key: string;
  label?: string;
  /** The events that enter the stage (any of them). Empty = reached only by a Recycled naming it. */
  enteredBy: readonly StageRule[];
  /**
   * Whether the stage can be entered while the lead is in no stage (after a rejected or lost exit, or before
   * its first stage). Default true; false for `mql`: a score alone does not bring back a rejected lead.
   */
  enterFromNoStage?: boolean;
  /** A terminal stage (won) is never left: its visit stays open and later events change nothing. */
  terminal?: boolean;
  /** Age after which an open visit of this stage is stuck; null/absent = the measured p90 benchmark. */
  stuckLimitSeconds?: number | null;
  /** Planned visits of this stage per month (plan vs actual); null/absent = no target. */
  monthlyTarget?: number | null;
}

export interface SlaBusinessHours {
  /** Local time HH:MM, inclusive. */
  start: string;
  /** Local time HH:MM (24:00 allowed), exclusive; after `start`. */
  end: string;
}

export interface SlaDefinition {
  /** N in "due N working days after the hand-off" (> 0; a fraction counts part of a working day). */
  workingDays: number;
  /** Overrides the definition's time zone for the working-day calendar. */
  timeZone?: string;
  /** Local dates (YYYY-MM-DD) that are not working days. */
  holidays: readonly string[];
  /** Working hours of a working day; null = the whole 24 hours count. */
  businessHours: SlaBusinessHours | null;
  /** The first of these events after the start resolves the case (default Accepted, Rejected, Lost). */
  resolvedBy: readonly LeadEventType[];
  /** The event that opens an SLA case (default HandedOff). */
  startedBy: LeadEventType;
}

export interface FunnelDefinition {
  /** With `version`, identifies the definition: `definitionRef` = 'name@version'. No '@' or spaces. */
  name: string;
  /** Positive integer; a published name@version never changes. */
  version: number;
  description?: string;
  /** IANA time zone in which periods and working days are cut (default 'UTC'). */
  timeZone: string;
  /** The stages in funnel order: "later" means later in this list. */
  stages: readonly StageDefinition[];
  /** The stage a Recycled returns to when its toStage names no (non-terminal) stage of the definition. */
  recycleTo: string;
  sla: SlaDefinition;
}

/** The default MQL threshold of shared/metrics.md (BANTT total out of 100). */
export const DEFAULT_MQL_THRESHOLD = 75;

export const DEFAULT_SLA: SlaDefinition = deepFreeze({
  workingDays: 5,
  holidays: [],
  businessHours: null,
  resolvedBy: ['Accepted', 'Rejected', 'Lost'],
  startedBy: 'HandedOff',
});

/** The default definition of shared/metrics.md, version 1. */
export const DEFAULT_FUNNEL_DEFINITION: FunnelDefinition = deepFreeze({
  name: 'default',
  version: 1,
  description: 'responder -> mql (score >= 75) -> handed_off -> sal (accepted) -> won',
  timeZone: 'UTC',
  stages: [
    { key: 'responder', label: 'Responder', enteredBy: [{ event: 'ResponderCaptured' }] },
    {
      key: 'mql',
      label: 'Marketing-qualified lead',
      enteredBy: [{ event: 'LeadScored', when: { field: 'total', op: 'gte', value: DEFAULT_MQL_THRESHOLD } }],
      enterFromNoStage: false,
    },
    { key: 'handed_off', label: 'Handed off to sales', enteredBy: [{ event: 'HandedOff' }] },
    { key: 'sal', label: 'Sales-accepted lead', enteredBy: [{ event: 'Accepted' }] },
    { key: 'won', label: 'Won', enteredBy: [{ event: 'Won' }], terminal: true },
  ],
  recycleTo: 'responder',
  sla: DEFAULT_SLA,
});

/** 'name@version', the reference the API and the audit timeline use for a definition. */
export function definitionRef(definition: Pick<FunnelDefinition, 'name' | 'version'>): string {
  return `${definition.name}@${definition.version}`;
}

/** Parses 'name@version' (version a positive integer); null when the text is not such a reference. */
export function parseDefinitionRef(ref: string): { name: string; version: number } | null {
  const match = /^([^@\s]+)@([1-9][0-9]*)$/.exec(ref.trim());
  if (!match) return null;
  const version = Number(match[2]);
  return Number.isSafeInteger(version) ? { name: match[1]!, version } : null;
}

/**
 * The threshold of the first LeadScored rule of stage `stageKey` that tests `total >= n` (or `> n`: then n is
 * returned as given); null when the definition has no such rule.
 */
export function mqlThresholdOf(definition: FunnelDefinition, stageKey = 'mql'): number | null {
  const stage = definition.stages.find((s) => s.key === stageKey);
  for (const rule of stage?.enteredBy ?? []) {
    if (rule.event !== 'LeadScored') continue;
    const found = conditionsOf(rule).find((c) => c.field === 'total' && (c.op === 'gte' || c.op === 'gt'));
    if (found && typeof found.value === 'number') return found.value;
  }
  return null;
}

/**
 * A copy of the definition whose stage `stageKey` (default 'mql') is entered by a score of at least
 * `threshold`: every `total >= n` / `total > n` condition of its LeadScored rules becomes `total >= threshold`,
 * and a LeadScored rule without a condition on `total` gains one. Name and version are kept: a variant to
 * publish needs a name or version of its own, which is the caller's choice.
 * Throws when the threshold is not a finite number or the stage has no LeadScored rule (a programming error).
 */
export function withMqlThreshold(definition: FunnelDefinition, threshold: number, stageKey = 'mql'): FunnelDefinition {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new Error(`withMqlThreshold: threshold must be a finite number, not ${String(threshold)}`);
  }
  const stage = definition.stages.find((s) => s.key === stageKey);
  if (!stage || !stage.enteredBy.some((rule) => rule.event === 'LeadScored')) {
    throw new Error(`withMqlThreshold: definition ${definitionRef(definition)} has no stage '${stageKey}' entered by LeadScored`);
  }
  const atLeast = (): Condition => ({ field: 'total', op: 'gte', value: threshold });
  const rewriteRule = (rule: StageRule): StageRule => {
    if (rule.event !== 'LeadScored') return rule;
    const conditions = conditionsOf(rule);
    const onTotal = (c: Condition) => c.field === 'total' && (c.op === 'gte' || c.op === 'gt');
    const when = conditions.some(onTotal)
      ? conditions.map((c) => (onTotal(c) ? atLeast() : c))
      : [...conditions, atLeast()];
    return { ...rule, when: when.length === 1 ? when[0]! : when };
  };
  return deepFreeze({
    ...definition,
    stages: definition.stages.map((s) => (s.key === stageKey ? { ...s, enteredBy: s.enteredBy.map(rewriteRule) } : s)),
  });
}

/** The conditions of a rule as a list (absent/null = none: the rule matches every event of its type). */
export function conditionsOf(rule: StageRule): readonly Condition[] {
  if (rule.when === undefined || rule.when === null) return [];
  return Array.isArray(rule.when) ? (rule.when as readonly Condition[]) : [rule.when as Condition];
}
