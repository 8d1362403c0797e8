import { Inject, Injectable } from '@nestjs/common';
import {
  safeRatio,
  type FunnelDefinition,
  type Period,
  type PeriodGranularity,
} from '../../../../../libs/domain/src/index.js';
import { clippedBounds, isWholeLocalDays, reportPeriods } from '../report-periods.js';
import { Granularity } from '../read.types.js';
import { ReadScopes, type ReadScope, type ScopeArgs } from '../read-scope.js';
import {
  WATERFALL_ENTERED_DAILY_SQL,
  WATERFALL_ENTERED_SQL,
  WATERFALL_EXITED_DAILY_SQL,
  WATERFALL_EXITED_SQL,
  WATERFALL_VELOCITY_SQL,
} from './waterfall.sql.js';
import { StageStats, Waterfall, WaterfallPeriod } from './waterfall.types.js';

export interface WaterfallArgs extends ScopeArgs {
  from: Date;
  to: Date;
  granularity: Granularity;
}

interface EnteredRow {
  idx: number;
  stage: string;
  entered: number;
  advanced: number;
  recycled: number;
  rejected: number;
  lost: number;
  open: number;
  entered_value: number;
  advanced_value: number;
  recycled_value: number;
  rejected_value: number;
  lost_value: number;
  open_value: number;
  velocity_mean: number | null;
  velocity_pct: number[] | null;
}

interface ExitedRow {
  idx: number;
  stage: string;
  exited_advanced: number;
  exited_recycled: number;
  exited_rejected: number;
  exited_lost: number;
}

@Injectable()
export class WaterfallService {
  constructor(@Inject(ReadScopes) private readonly scopes: ReadScopes) {}

  /** The waterfall in the scope the arguments choose (live, a scenario, or as of an instant). */
  async waterfall(args: WaterfallArgs): Promise<Waterfall> {
    return this.scopes.run(args, (scope) => this.inScope(scope, args));
  }

  async inScope(scope: ReadScope, args: Pick<WaterfallArgs, 'from' | 'to' | 'granularity'>): Promise<Waterfall> {
    const { from, to, granularity } = args;
    const definition = scope.definition;
    const periods = reportPeriods(from, to, granularity as PeriodGranularity, definition.timeZone);

    const stageKeys = definition.stages.map((s) => s.key);
    // Periods are reported whole, but only what happened in [from, to) is counted (as slaCompliance and
    // sourceComparison do): the first and last buckets are clipped to the requested range.
    const { starts, ends } = clippedBounds(periods, from, to);
    const params = [starts, ends, stageKeys];
    const db = scope.db;
    if (!isWholeLocalDays(from, to, definition.timeZone)) {
      const [entered, exited] = await Promise.all([
        db.query<EnteredRow>(WATERFALL_ENTERED_SQL, params),
        db.query<ExitedRow>(WATERFALL_EXITED_SQL, params),
      ]);
      return assemble(definition, scope.reference, periods, entered.rows, exited.rows);
    }
    // Whole days: counts and values from the daily aggregates, velocity from the advanced visits' index.
    type VelocityRow = Pick<EnteredRow, 'idx' | 'stage' | 'velocity_mean' | 'velocity_pct'>;
    const [counts, exited, ...velocity] = await Promise.all([
      db.query<EnteredRow>(WATERFALL_ENTERED_DAILY_SQL, params),
      db.query<ExitedRow>(WATERFALL_EXITED_DAILY_SQL, params),
      // One query per stage: the percentile sorts run on several server cores at once. A terminal stage's
      // visit is never left, so it has no advanced visits to ask about.
      ...definition.stages
        .filter((stage) => !stage.terminal)
        .map((stage) => db.query<VelocityRow>(WATERFALL_VELOCITY_SQL, [starts, ends, [stage.key]])),
    ]);
    const velocityBy = new Map(velocity.flatMap((result) => result.rows).map((r) => [keyOf(r.idx, r.stage), r]));
    const entered = counts.rows.map((row) => {
      const v = velocityBy.get(keyOf(row.idx, row.stage));
      return { ...row, velocity_mean: v?.velocity_mean ?? null, velocity_pct: v?.velocity_pct ?? null };
    });
    return assemble(definition, scope.reference, periods, entered, exited.rows);
  }
}

const keyOf = (idx: number, stage: string) => `${idx}\u0000${stage}`;

function assemble(definition: FunnelDefinition, reference: string, periods: Period[], entered: EnteredRow[], exited: ExitedRow[]): Waterfall {
  const enteredBy = new Map(entered.map((r) => [keyOf(r.idx, r.stage), r]));
  const exitedBy = new Map(exited.map((r) => [keyOf(r.idx, r.stage), r]));
  return Object.assign(new Waterfall(), {
    definition: reference,
    timeZone: definition.timeZone,
    periods: periods.map((period, i) =>
      Object.assign(new WaterfallPeriod(), {
        start: period.start,
        end: period.end,
        stages: definition.stages.map((s) => stageStats(s.key, enteredBy.get(keyOf(i + 1, s.key)), exitedBy.get(keyOf(i + 1, s.key)))),
      }),
    ),
  });
}

function stageStats(stage: string, e: EnteredRow | undefined, x: ExitedRow | undefined): StageStats {
  const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
  const counts = { entered: n(e?.entered), advanced: n(e?.advanced), recycled: n(e?.recycled), rejected: n(e?.rejected), lost: n(e?.lost), open: n(e?.open) };
  const values = {
    enteredValue: n(e?.entered_value),
    advancedValue: n(e?.advanced_value),
    recycledValue: n(e?.recycled_value),
    rejectedValue: n(e?.rejected_value),
    lostValue: n(e?.lost_value),
    openValue: n(e?.open_value),
  };
  const leakedValue = values.rejectedValue + values.lostValue;
  const velocityCount = counts.advanced;
  const pct = e?.velocity_pct ?? null;
  return Object.assign(new StageStats(), {
    stage,
    ...counts,
    ...values,
    leakedValue,
    conversion: safeRatio(counts.advanced, counts.entered),
    leakage: safeRatio(counts.rejected + counts.lost, counts.entered),
    recycling: safeRatio(counts.recycled, counts.entered),
    conversionByValue: safeRatio(values.advancedValue, values.enteredValue),
    leakageByValue: safeRatio(leakedValue, values.enteredValue),
    recyclingByValue: safeRatio(values.recycledValue, values.enteredValue),
    velocity: {
      count: velocityCount,
      median: velocityCount > 0 && pct ? Number(pct[0]) : null,
      mean: velocityCount > 0 && e?.velocity_mean !== null && e?.velocity_mean !== undefined ? Number(e.velocity_mean) : null,
      p90: velocityCount > 0 && pct ? Number(pct[1]) : null,
    },
    exitedAdvanced: n(x?.exited_advanced),
    exitedRecycled: n(x?.exited_recycled),
    exitedRejected: n(x?.exited_rejected),
    exitedLost: n(x?.exited_lost),
  });
}
