import { Inject, Injectable } from '@nestjs/common';
import { NONE_KEY } from '../../../../../libs/read-models/src/index.js';
import { ValidationError, conversionRate, type PeriodGranularity } from '../../../../../libs/domain/src/index.js';
import { assertReportRange, clippedBounds, isWholeLocalDays, reportPeriods } from '../report-periods.js';
import { ReadScopes, type ReadScope, type ScopeArgs } from '../read-scope.js';
import type { ConversionRate, DurationStats, Granularity, StageCount } from '../read.types.js';
import {
  combineReach,
  masksFromDaily,
  masksFromLeads,
  periodMasksFromDaily,
  periodMasksFromLeads,
  winsByKey,
  type ReachRow,
} from './funnel-reach.sql.js';
import { Cohort, SourceConversion, SourceDimension } from './sources.types.js';

export const ACCOUNT_FIELDS = ['industry', 'country', 'name', 'domain', 'employees'] as const;

function stageCounts(stageKeys: readonly string[], row: ReachRow | undefined): StageCount[] {
  return stageKeys.map((stage, i) => {
    const count = row?.reached[i] ?? 0;
    const onward = row?.onward[i] ?? 0;
    const last = i === stageKeys.length - 1;
    return { stage, count, conversionToNext: last || count === 0 ? null : onward / count };
  });
}

function rate(from: string, to: string, successes: number, trials: number): ConversionRate {
  return { ...conversionRate(from, to, successes, trials) };
}

export interface SourceComparisonArgs {
  from: Date;
  to: Date;
  dimension: SourceDimension;
  attribute?: string | null;
}

export interface CohortArgs {
  from: Date;
  to: Date;
  granularity: Granularity;
}

@Injectable()
export class SourcesService {
  constructor(@Inject(ReadScopes) private readonly scopes: ReadScopes) {}

  async sourceComparison(args: SourceComparisonArgs & ScopeArgs): Promise<SourceConversion[]> {
    assertReportRange(args.from, args.to);
    return this.scopes.run(args, (scope) => this.sourceComparisonInScope(scope, args));
  }

  async sourceComparisonInScope(scope: ReadScope, args: SourceComparisonArgs): Promise<SourceConversion[]> {
    assertReportRange(args.from, args.to);
    let keySql: string;
    let dailyDimension: 'channel' | 'campaign' | 'origin' | null = null;
    const params: unknown[] = [args.from, args.to];
    switch (args.dimension) {
      case SourceDimension.CHANNEL:
        keySql = 's.channel';
        dailyDimension = 'channel';
        break;
      case SourceDimension.CAMPAIGN:
        keySql = `COALESCE(s.campaign, '${NONE_KEY}')`;
        dailyDimension = 'campaign';
        break;
      case SourceDimension.ORIGIN:
        keySql = 's.origin';
        dailyDimension = 'origin';
        break;
      case SourceDimension.ATTRIBUTE: {
        const attribute = args.attribute?.trim();
        if (!attribute) throw new ValidationError('attribute', 'dimension ATTRIBUTE needs `attribute`: a key of the capture attributes or an account field');
        params.push(attribute, [...ACCOUNT_FIELDS]);
        // A capture attribute wins over an account field of the same name.
        keySql = `COALESCE(s.attributes ->> $3::text, CASE WHEN $3::text = ANY ($4::text[]) THEN s.account ->> $3::text END, '${NONE_KEY}')`;
        break;
      }
      default:
        throw new ValidationError('dimension', `unknown dimension ${String(args.dimension)}`);
    }
    const definition = scope.definition;
    const stageKeys = definition.stages.map((s) => s.key);
    const inRange = 's.captured_at >= $1 AND s.captured_at < $2';
    const pool = scope.db;
    // Channel, campaign and origin over whole local days: the daily aggregates; anything else: the lead rows.
    const masks =
      dailyDimension !== null && isWholeLocalDays(args.from, args.to, definition.timeZone)
        ? masksFromDaily(pool, dailyDimension, args.from, args.to)
        : masksFromLeads(pool, keySql, inRange, params);
    const [maskRows, wins] = await Promise.all([masks, winsByKey(pool, keySql, inRange, params)]);
    const rows = combineReach(stageKeys.length, maskRows, wins);
    const first = stageKeys[0]!;
    const last = stageKeys[stageKeys.length - 1]!;
    return rows.map((row) => {
      const timeToWin: DurationStats = {
        count: row.timeToWinCount,
        median: row.timeToWinMedian,
        mean: row.timeToWinMean,
        p90: row.timeToWinP90,
      };
      return Object.assign(new SourceConversion(), {
        key: row.key,
        leads: row.leads,
        reached: stageCounts(stageKeys, row),
        steps: stageKeys.slice(0, -1).map((stage, i) => rate(stage, stageKeys[i + 1]!, row.onward[i]!, row.reached[i]!)),
        overall: rate(first, last, row.reached[stageKeys.length - 1]!, row.leads),
        wonValue: row.wonValue ?? 0,
        averageDealValue: row.averageDealValue,
        timeToWin,
      });
    });
  }

  async funnelCohorts(args: CohortArgs & ScopeArgs): Promise<Cohort[]> {
    assertReportRange(args.from, args.to);
    return this.scopes.run(args, (scope) => this.funnelCohortsInScope(scope, args));
  }

  async funnelCohortsInScope(scope: ReadScope, args: CohortArgs): Promise<Cohort[]> {
    const definition = scope.definition;
    const periods = reportPeriods(args.from, args.to, args.granularity as PeriodGranularity, definition.timeZone);
    const stageKeys = definition.stages.map((s) => s.key);
    if (periods.length === 0) return [];
    const { starts, ends } = clippedBounds(periods, args.from, args.to);
    const masks = isWholeLocalDays(args.from, args.to, definition.timeZone)
      ? await periodMasksFromDaily(scope.db, starts, ends)
      : await periodMasksFromLeads(scope.db, starts, ends);
    const rows = combineReach(stageKeys.length, masks, []);
    const byIndex = new Map(rows.map((r) => [Number(r.key), r]));
    return periods.map((period, i) => {
      const row = byIndex.get(i + 1);
      return Object.assign(new Cohort(), { start: period.start, end: period.end, leads: row?.leads ?? 0, reached: stageCounts(stageKeys, row) });
    });
  }
}
