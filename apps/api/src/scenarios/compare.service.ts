import { Inject, Injectable } from '@nestjs/common';
import { ValidationError } from '../../../../libs/domain/src/index.js';
import { assertReportRange } from '../read/report-periods.js';
import { Granularity } from '../read/read.types.js';
import { ReadScopes, type ReadScope } from '../read/read-scope.js';
import { SlaService } from '../read/sla/sla.service.js';
import { SlaGroupBy } from '../read/sla/sla.types.js';
import { WaterfallService } from '../read/waterfall/waterfall.service.js';
import { ScenarioService } from './scenario.service.js';
import { compareSla, compareStages } from './comparison.js';
import { ComparedSide, ComparisonPeriod, MetricComparison, ScenarioComparison, StageComparison } from './compare.types.js';

export interface CompareArgs {
  /** A scenario id; null = the live views. */
  baseline?: string | null;
  candidate: string;
  from: Date;
  to: Date;
  granularity: Granularity;
  /** SLA statuses as of this instant (default now). */
  now?: Date | null;
}

/**
 * compareScenarios: the waterfall and SLA compliance of each side, computed by the read services in that
 * side's scope (no SQL of its own), put side by side per period and stage (comparison.ts).
 */
@Injectable()
export class CompareService {
  constructor(
    @Inject(ReadScopes) private readonly scopes: ReadScopes,
    @Inject(WaterfallService) private readonly waterfall: WaterfallService,
    @Inject(SlaService) private readonly sla: SlaService,
    @Inject(ScenarioService) private readonly scenarios: ScenarioService,
  ) {}

  async compare(args: CompareArgs): Promise<ScenarioComparison> {
    assertReportRange(args.from, args.to);
    const now = args.now ?? new Date();
    const candidate = await this.scopes.resolve({ scenarioId: args.candidate });
    return this.scopes.run({ scenarioId: args.baseline ?? null }, async (baseline) => {
      if (baseline.definition.timeZone !== candidate.definition.timeZone) {
        throw new ValidationError(
          'candidate',
          `the definitions cut periods in different time zones (${baseline.definition.timeZone} and ${candidate.definition.timeZone}): their periods cannot be compared`,
        );
      }
      const report = (scope: ReadScope) =>
        Promise.all([
          this.waterfall.inScope(scope, args),
          this.sla.inScope(scope, { from: args.from, to: args.to, granularity: args.granularity, groupBy: SlaGroupBy.NONE, now }),
        ]);
      const [[leftWaterfall, leftSla], [rightWaterfall, rightSla]] = await Promise.all([report(baseline), report(candidate)]);
      const periods = leftWaterfall.periods.map((period, i) =>
        Object.assign(new ComparisonPeriod(), {
          start: period.start,
          end: period.end,
          stages: compareStages(period.stages, rightWaterfall.periods[i]!.stages).map((s) =>
            Object.assign(new StageComparison(), { stage: s.stage, metrics: s.metrics.map((m) => Object.assign(new MetricComparison(), m)) }),
          ),
          sla: compareSla(leftSla.periods[i]!.groups[0], rightSla.periods[i]!.groups[0]).map((m) => Object.assign(new MetricComparison(), m)),
        }),
      );
      return Object.assign(new ScenarioComparison(), {
        baseline: await this.side(baseline),
        candidate: await this.side(candidate),
        timeZone: candidate.definition.timeZone,
        periods,
      });
    });
  }

  private async side(scope: ReadScope): Promise<ComparedSide> {
    const name = scope.scenarioId ? ((await this.scenarios.get(scope.scenarioId))?.name ?? scope.scenarioId) : 'live';
    return Object.assign(new ComparedSide(), { scenarioId: scope.scenarioId, name, definition: scope.reference });
  }
}
