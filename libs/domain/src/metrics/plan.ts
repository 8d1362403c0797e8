/**
 * Plan vs actual: the funnel planned backwards from revenue (shared/domain.md, "Plan vs actual"; seed paper 004).
 *
 * Given a revenue target for a period of whole months (cut in the definition's time zone), the average won value,
 * and for each stage S of the definition's order before the won stage the measured
 *   conversion(S) = advanced / entered   (shared/metrics.md, over the visits of S entered in a basis window)
 *   lag(S)        = the median time in stage of those visits that exited advanced (their velocity),
 * the plan derives how many visits of each stage must enter in each month:
 *   - wins: revenueTarget / averageWonValue, spread evenly over the months of the period (a single
 *     `monthlyTarget` carries no seasonality, so it is reported beside the figure, never used to weight it);
 *   - each earlier stage S: required(S) = required(next stage) / conversion(S), needed lag(S) earlier. A month's
 *     requirement is taken as spread uniformly over the month; shifted back by the lag, it lands on one or two
 *     months in proportion to the overlap (a 23-day lag moves 23/30 of a June requirement into May).
 * Requirements that land before the period are not dropped: they form the stage's lead-in ("needed before the
 * period"), and they propagate further back to earlier stages like any other month.
 *
 * Unknown inputs give a null requirement with a reason, never Infinity or NaN: no won deal to average (and no
 * value given), a stage whose visits never entered in the basis window, or none of which advanced (conversion 0:
 * no number of entries would reach the next stage). A null stage makes every earlier stage null too.
 */
import { ValidationError } from '../shared/errors.js';
import { periodOf, periodStart, periodsBetween, type Period } from '../calendar/periods.js';
import { localParts, zonedTimeToInstant } from '../calendar/zoned-time.js';
import type { FunnelDefinition, StageDefinition } from '../funnel/definition.js';
import { safeRatio } from './ratios.js';

/** The longest plan period, in months (a decade): a plan is a budgeting tool, not a forecast of centuries. */
export const MAX_PLAN_MONTHS = 120;
/** Float noise tolerated before rounding up: 7.000000000000001 entries are 7, not 8. */
const CEIL_TOLERANCE = 1e-9;

/** What was measured for one stage over the basis window. */
export interface PlanStageBasis {
  stage: string;
  /** Visits of the stage entered in the basis window. */
  entered: number;
  /** Of those, the visits that exited advanced (as of now). */
  advanced: number;
  /** Median time in stage of the advanced ones, seconds; null when none advanced. */
  lagSeconds: number | null;
}

export interface PlanStage {
  key: string;
  /** Planned visits per month from the definition, reported beside the derived figure; null = none. */
  monthlyTarget?: number | null;
}

export interface FunnelPlanInput {
  /** The stages in funnel order, the won stage last (see `planStagesOf`). */
  stages: readonly PlanStage[];
  /** Months are cut in this IANA time zone. */
  timeZone: string;
  /** First instant of the first month of the period (a local month start). */
  from: Date;
  /** First instant after the last month (a local month start), later than `from`. */
  to: Date;
  revenueTarget: number;
  /** Average value of a won deal; null when unknown (then nothing can be derived). */
  averageWonValue: number | null;
  /** The basis of each stage before the won stage (a missing stage counts as never entered). */
  basis: readonly PlanStageBasis[];
}

/** A month's (or the lead-in's) requirement of one stage. */
export interface PlanRequirement {
  start: Date;
  end: Date;
  /** 'YYYY-MM' of a month; 'lead-in' for what is needed before the period. */
  key: string;
  leadIn: boolean;
  /** Exact required entries; null when unknown (see the stage's `reason`). */
  required: number | null;
  /** `required` rounded up to whole visits. */
  requiredWhole: number | null;
}

export interface StagePlan {
  stage: string;
  /** advanced / entered over the basis window; null without entries; the won stage has none. */
  conversion: number | null;
  lagSeconds: number | null;
  entered: number | null;
  advanced: number | null;
  target: number | null;
  /** Why the requirement is unknown; null when it is known. */
  reason: string | null;
  /** One per month of the period, in order. */
  months: PlanRequirement[];
  /** What must enter before the period (from the first month that needs any, to `from`); null when nothing. */
  leadIn: PlanRequirement | null;
  /** Sum of the months' requirements (the lead-in excluded); null when unknown. */
  requiredInPeriod: number | null;
}

export interface FunnelPlan {
  timeZone: string;
  from: Date;
  to: Date;
  revenueTarget: number;
  averageWonValue: number | null;
  /** revenueTarget / averageWonValue; null when the average is unknown. */
  requiredWins: number | null;
  months: Period[];
  /** In funnel order, the won stage last. */
  stages: StagePlan[];
}

/**
 * The stages a revenue plan covers: the definition's stages up to and including the won stage (the first stage
 * entered by a Won event). Stages after it (if a definition had any) cannot be derived from revenue.
 */
export function planStagesOf(definition: Pick<FunnelDefinition, 'name' | 'version' | 'stages'>): StageDefinition[] {
  const won = definition.stages.findIndex((s) => s.enteredBy.some((rule) => rule.event === 'Won'));
  if (won < 0) {
    throw new ValidationError('definition', `definition ${definition.name}@${definition.version} has no stage entered by Won: a revenue plan needs one`);
  }
  return definition.stages.slice(0, won + 1);
}

/** `instant` moved by `months` local calendar months (day of month clamped, e.g. 03-31 - 1 month = 02-28). */
export function addLocalMonths(instant: Date, months: number, timeZone: string): Date {
  const p = localParts(instant, timeZone);
  const monthIndex = p.year * 12 + (p.month - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return zonedTimeToInstant({ year, month, day: Math.min(p.day, lastDay), hour: p.hour, minute: p.minute, second: p.second, millisecond: p.millisecond }, timeZone);
}

/** Refuses a plan period that is not whole local months, or is empty, or too long (ValidationError naming the field). */
export function planMonths(from: Date, to: Date, timeZone: string): Period[] {
  if (!(from instanceof Date) || Number.isNaN(from.getTime())) throw new ValidationError('from', 'from must be a valid date-time');
  if (!(to instanceof Date) || Number.isNaN(to.getTime())) throw new ValidationError('to', 'to must be a valid date-time');
  if (!(from.getTime() < to.getTime())) {
    throw new ValidationError('to', `to (${to.toISOString()}) must be later than from (${from.toISOString()}): the plan period is [from, to)`);
  }
  for (const [field, instant] of [['from', from], ['to', to]] as const) {
    const start = periodStart(instant, 'MONTH', timeZone);
    if (start.getTime() !== instant.getTime()) {
      throw new ValidationError(field, `${field} (${instant.toISOString()}) must be the start of a month in ${timeZone}, e.g. ${start.toISOString()}: a plan covers whole months`);
    }
  }
  const limit = addLocalMonths(from, MAX_PLAN_MONTHS, timeZone);
  if (to.getTime() > limit.getTime()) throw new ValidationError('to', `a plan covers at most ${MAX_PLAN_MONTHS} months`);
  return periodsBetween(from, to, 'MONTH', timeZone);
}

/** A requirement spread uniformly over [start, end). */
interface Bucket {
  start: number;
  end: number;
  amount: number;
}

/**
 * The buckets moved `lagMs` earlier and re-cut into local months, each month receiving the share of every
 * bucket that overlaps it. Returned by month start, ascending.
 */
function shiftIntoMonths(buckets: readonly Bucket[], lagMs: number, timeZone: string): Bucket[] {
  const byStart = new Map<number, Bucket>();
  for (const bucket of buckets) {
    if (bucket.amount === 0) continue;
    const start = bucket.start - lagMs;
    const end = bucket.end - lagMs;
    let month = periodOf(new Date(start), 'MONTH', timeZone);
    while (month.start.getTime() < end) {
      const overlap = Math.min(month.end.getTime(), end) - Math.max(month.start.getTime(), start);
      if (overlap > 0) {
        const share = (bucket.amount * overlap) / (bucket.end - bucket.start);
        const target = byStart.get(month.start.getTime()) ?? { start: month.start.getTime(), end: month.end.getTime(), amount: 0 };
        target.amount += share;
        byStart.set(target.start, target);
      }
      month = periodOf(month.end, 'MONTH', timeZone);
    }
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** Exact entries rounded up to whole ones, ignoring float noise below CEIL_TOLERANCE. */
export function wholeEntries(required: number): number {
  return Math.max(0, Math.ceil(required - CEIL_TOLERANCE));
}

const requirement = (start: number, end: number, key: string, leadIn: boolean, required: number | null): PlanRequirement => ({
  start: new Date(start),
  end: new Date(end),
  key,
  leadIn,
  required,
  requiredWhole: required === null ? null : wholeEntries(required),
});

function assertFiniteAtLeast(field: string, value: number, min: number, inclusive: boolean): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || (inclusive ? value < min : value <= min)) {
    throw new ValidationError(field, `${field} must be a finite number ${inclusive ? '>=' : '>'} ${min}, got ${String(value)}`);
  }
}

/**
 * Checks what a caller asks for before anything is measured: revenueTarget >= 0, averageWonValue > 0 when given,
 * and a period of whole local months (see planMonths). Returns the months. Throws ValidationError naming the field.
 */
export function checkPlanRequest(request: Pick<FunnelPlanInput, 'from' | 'to' | 'timeZone' | 'revenueTarget' | 'averageWonValue'>): Period[] {
  assertFiniteAtLeast('revenueTarget', request.revenueTarget, 0, true);
  if (request.averageWonValue !== null) assertFiniteAtLeast('averageWonValue', request.averageWonValue, 0, false);
  return planMonths(request.from, request.to, request.timeZone);
}

/** Derives the backwards funnel (see the file comment). Throws ValidationError for a bad period or target. */
export function deriveFunnelPlan(input: FunnelPlanInput): FunnelPlan {
  const { stages, timeZone, from, to, revenueTarget, averageWonValue } = input;
  const months = checkPlanRequest(input);
  if (stages.length === 0) throw new ValidationError('definition', 'a plan needs at least the won stage');
  const fromMs = from.getTime();
  const basisOf = new Map(input.basis.map((b) => [b.stage, b]));

  const requiredWins = averageWonValue === null ? null : revenueTarget / averageWonValue;
  // Per stage, from the won stage backwards: the buckets (months, lead-in months included) or null when unknown.
  let next: Bucket[] | null =
    requiredWins === null ? null : months.map((m) => ({ start: m.start.getTime(), end: m.end.getTime(), amount: requiredWins / months.length }));
  let nextReason: string | null = requiredWins === null ? 'no deal was won in the basis window: pass averageWonValue' : null;

  const planned: StagePlan[] = [];
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i]!;
    const isWon = i === stages.length - 1;
    const basis = isWon ? null : (basisOf.get(stage.key) ?? { stage: stage.key, entered: 0, advanced: 0, lagSeconds: null });
    let buckets: Bucket[] | null;
    let reason: string | null;
    if (isWon) {
      buckets = next;
      reason = nextReason;
    } else if (next === null) {
      buckets = null;
      reason = `the requirement of ${stages[i + 1]!.key} is unknown`;
    } else if (basis!.entered === 0) {
      buckets = null;
      reason = `no visit of ${stage.key} entered in the basis window: its conversion is unknown`;
    } else if (basis!.advanced === 0 || basis!.lagSeconds === null) {
      buckets = null;
      reason = `none of the ${basis!.entered} visits of ${stage.key} entered in the basis window advanced: with a conversion of 0 no number of entries reaches ${stages[i + 1]!.key}`;
    } else {
      const conversion = basis!.advanced / basis!.entered;
      buckets = shiftIntoMonths(
        next.map((b) => ({ ...b, amount: b.amount / conversion })),
        basis!.lagSeconds * 1000,
        timeZone,
      );
      reason = null;
    }

    const inPeriod = new Map((buckets ?? []).filter((b) => b.start >= fromMs).map((b) => [b.start, b.amount]));
    const before = (buckets ?? []).filter((b) => b.start < fromMs && b.amount > 0);
    const monthRows = months.map((m) =>
      requirement(m.start.getTime(), m.end.getTime(), m.key, false, buckets === null ? null : (inPeriod.get(m.start.getTime()) ?? 0)),
    );
    planned.unshift({
      stage: stage.key,
      conversion: basis === null ? null : safeRatio(basis.advanced, basis.entered),
      lagSeconds: basis?.lagSeconds ?? null,
      entered: basis?.entered ?? null,
      advanced: basis?.advanced ?? null,
      target: stage.monthlyTarget ?? null,
      reason,
      months: monthRows,
      leadIn: before.length === 0 ? null : requirement(before[0]!.start, fromMs, 'lead-in', true, before.reduce((sum, b) => sum + b.amount, 0)),
      requiredInPeriod: buckets === null ? null : monthRows.reduce((sum, r) => sum + r.required!, 0),
    });
    next = buckets;
    nextReason = reason;
  }
  return { timeZone, from, to, revenueTarget, averageWonValue, requiredWins, months, stages: planned };
}

/** One stage and month (or lead-in) of the plan beside what happened. */
export interface PlanVsActual extends PlanRequirement {
  stage: string;
  /** Visits of the stage entered in [start, end) (the waterfall's `entered`). */
  actual: number;
  /** actual - required; null when the requirement is unknown. */
  difference: number | null;
  /** actual / required; null when the requirement is unknown or 0. */
  attainment: number | null;
  /** The stage's monthlyTarget (months only; null for the lead-in). */
  target: number | null;
  reason: string | null;
}

/**
 * The plan's rows beside the actual entries: per stage in funnel order, its lead-in (when any) then its months.
 * `actualOf(stage, start, end)` counts the visits of the stage entered in [start, end).
 */
export function comparePlanWithActuals(plan: FunnelPlan, actualOf: (stage: string, start: Date, end: Date) => number): PlanVsActual[] {
  const rows: PlanVsActual[] = [];
  for (const stage of plan.stages) {
    for (const req of stage.leadIn ? [stage.leadIn, ...stage.months] : stage.months) {
      const actual = actualOf(stage.stage, req.start, req.end);
      rows.push({
        ...req,
        stage: stage.stage,
        actual,
        difference: req.required === null ? null : actual - req.required,
        attainment: req.required === null ? null : safeRatio(actual, req.required),
        target: req.leadIn ? null : stage.target,
        reason: stage.reason,
      });
    }
  }
  return rows;
}
