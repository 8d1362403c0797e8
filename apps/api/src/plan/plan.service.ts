import { Inject, Injectable } from '@nestjs/common';
import {
  ValidationError,
  addLocalMonths,
  checkPlanRequest,
  comparePlanWithActuals,
  deriveFunnelPlan,
  periodsBetween,
  planStagesOf,
  type PlanStageBasis,
} from '../../../../libs/domain/src/index.js';
import { ReadScopes, type ReadScope } from '../read/read-scope.js';
import { isWholeLocalDays } from '../read/report-periods.js';
import {
  PLAN_ACTUALS_DAILY_SQL,
  PLAN_ACTUALS_SQL,
  PLAN_BASIS_COUNTS_DAILY_SQL,
  PLAN_BASIS_COUNTS_SQL,
  PLAN_BASIS_LAG_SQL,
  PLAN_WON_SQL,
} from './plan.sql.js';
import { FunnelPlan, FunnelPlanRow, FunnelPlanStage } from './plan.types.js';

export interface FunnelPlanArgs {
  revenueTarget: number;
  from: Date;
  to: Date;
  /** Default: 12 local months before basisTo. */
  basisFrom?: Date | null;
  /** Default: from. */
  basisTo?: Date | null;
  /** Default: the average amount of the deals won in the basis window. */
  averageWonValue?: number | null;
  /** The definition the figures must be built under (checked by the read scope, never substituted). */
  definition?: string | null;
  minPosition?: string | null;
  /** Measure and compare within a completed scenario's replay instead of the live views. */
  scenarioId?: string | null;
  /** Measure and compare with the events recorded at or before this instant (knowledge time). */
  asOf?: Date | null;
}

/** Default length of the basis window: the year before the plan, so seasonality averages out. */
const BASIS_MONTHS = 12;

/**
 * funnelPlan: measures conversion and lag per stage and the average won value over the basis window from the
 * read models of the request's scope (live by default, a scenario, or as of an instant), derives the backwards
 * funnel (libs/domain/src/metrics/plan.ts) under the definition those tables were built with, and compares it
 * with the visits that entered each month.
 */
@Injectable()
export class PlanService {
  constructor(@Inject(ReadScopes) private readonly scopes: ReadScopes) {}

  async funnelPlan(args: FunnelPlanArgs): Promise<FunnelPlan> {
    return this.scopes.run(args, (scope) => this.inScope(scope, args));
  }

  async inScope(scope: ReadScope, args: FunnelPlanArgs): Promise<FunnelPlan> {
    const definition = scope.definition;
    const { timeZone } = definition;
    const stages = planStagesOf(definition);
    const averageGiven = args.averageWonValue ?? null;
    checkPlanRequest({ from: args.from, to: args.to, timeZone, revenueTarget: args.revenueTarget, averageWonValue: averageGiven });
    const { basisFrom, basisTo } = basisWindow(args, timeZone);

    const db = scope.db;
    // The scope's daily aggregates are cut in its definition's zone: whole local days can be summed.
    const daily = (from: Date, to: Date) => isWholeLocalDays(from, to, timeZone);

    const measured = stages.slice(0, -1).map((s) => s.key);
    const [counts, lags, won] = await Promise.all([
      db.query<{ stage: string; entered: number; advanced: number }>(daily(basisFrom, basisTo) ? PLAN_BASIS_COUNTS_DAILY_SQL : PLAN_BASIS_COUNTS_SQL, [
        measured,
        basisFrom,
        basisTo,
      ]),
      db.query<{ stage: string; lag_seconds: number }>(PLAN_BASIS_LAG_SQL, [measured, basisFrom, basisTo]),
      db.query<{ deals: number; average: number | null }>(PLAN_WON_SQL, [basisFrom, basisTo]),
    ]);
    const lagOf = new Map(lags.rows.map((r) => [r.stage, Number(r.lag_seconds)]));
    const basis: PlanStageBasis[] = counts.rows.map((r) => ({ stage: r.stage, entered: r.entered, advanced: r.advanced, lagSeconds: lagOf.get(r.stage) ?? null }));
    const wonDeals = won.rows[0]?.deals ?? 0;
    const measuredAverage = won.rows[0]?.average === null || won.rows[0]?.average === undefined ? null : Number(won.rows[0].average);

    const plan = deriveFunnelPlan({
      stages,
      timeZone,
      from: args.from,
      to: args.to,
      revenueTarget: args.revenueTarget,
      averageWonValue: averageGiven ?? measuredAverage,
      basis,
    });

    // Actual entries per month from the first lead-in month to the end of the period.
    const firstMonth = Math.min(args.from.getTime(), ...plan.stages.map((s) => s.leadIn?.start.getTime() ?? Number.POSITIVE_INFINITY));
    const months = periodsBetween(new Date(firstMonth), args.to, 'MONTH', timeZone);
    const starts = months.map((m) => m.start);
    const ends = months.map((m) => m.end);
    const actualRows = await db.query<{ idx: number; stage: string; entered: number }>(
      daily(starts[0]!, args.to) ? PLAN_ACTUALS_DAILY_SQL : PLAN_ACTUALS_SQL,
      [starts, ends, stages.map((s) => s.key)],
    );
    const entered = new Map(actualRows.rows.map((r) => [`${r.stage}\u0000${months[r.idx - 1]!.start.getTime()}`, r.entered]));
    const actualOf = (stage: string, start: Date, end: Date) =>
      months
        .filter((m) => m.start.getTime() >= start.getTime() && m.end.getTime() <= end.getTime())
        .reduce((sum, m) => sum + (entered.get(`${stage}\u0000${m.start.getTime()}`) ?? 0), 0);

    return Object.assign(new FunnelPlan(), {
      definition: scope.reference,
      timeZone,
      from: args.from,
      to: args.to,
      revenueTarget: args.revenueTarget,
      basisFrom,
      basisTo,
      wonDeals,
      measuredAverageWonValue: measuredAverage,
      averageWonValue: plan.averageWonValue,
      requiredWins: plan.requiredWins,
      stages: plan.stages.map((s) =>
        Object.assign(new FunnelPlanStage(), {
          stage: s.stage,
          entered: s.entered,
          advanced: s.advanced,
          conversion: s.conversion,
          lagSeconds: s.lagSeconds,
          target: s.target,
          requiredInPeriod: s.requiredInPeriod,
          requiredBeforePeriod: s.requiredInPeriod === null ? null : (s.leadIn?.required ?? 0),
          reason: s.reason,
        }),
      ),
      rows: comparePlanWithActuals(plan, actualOf).map((r) =>
        Object.assign(new FunnelPlanRow(), {
          stage: r.stage,
          month: r.start,
          end: r.end,
          leadIn: r.leadIn,
          required: r.required,
          requiredWhole: r.requiredWhole,
          actual: r.actual,
          difference: r.difference,
          attainment: r.attainment,
          target: r.target,
          reason: r.reason,
        }),
      ),
    });
  }
}

/** The basis window: [basisFrom, basisTo), by default the 12 local months before the plan. */
function basisWindow(args: FunnelPlanArgs, timeZone: string): { basisFrom: Date; basisTo: Date } {
  for (const field of ['basisFrom', 'basisTo'] as const) {
    const value = args[field];
    if (value !== null && value !== undefined && Number.isNaN(value.getTime())) throw new ValidationError(field, `${field} must be a valid date-time`);
  }
  const basisTo = args.basisTo ?? args.from;
  const basisFrom = args.basisFrom ?? addLocalMonths(basisTo, -BASIS_MONTHS, timeZone);
  if (!(basisFrom.getTime() < basisTo.getTime())) {
    const field = args.basisTo ? 'basisTo' : 'basisFrom';
    throw new ValidationError(field, `the basis window [basisFrom, basisTo) is empty: basisFrom (${basisFrom.toISOString()}) must be earlier than basisTo (${basisTo.toISOString()})`);
  }
  return { basisFrom, basisTo };
}
