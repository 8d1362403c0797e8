import { Inject } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { FunnelDefinitions } from '../../funnel/funnel-definitions.js';
import { LedgerStorage } from '../../storage/ledger-storage.js';
import { reportPeriods } from '../report-periods.js';
import { awaitMinPosition } from '../consistency.js';
import { DurationStats, Granularity } from '../read.types.js';
import { queryOverdue, querySlaGroups, type SlaGroupRow } from './sla.queries.js';
import { SlaCase, SlaGroup, SlaGroupBy, SlaPeriod, SlaReport, SlaStatus } from './sla.types.js';

const numberOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function durationStats(count: number, median: unknown, mean: unknown, p90: unknown): DurationStats {
  return Object.assign(new DurationStats(), { count, median: numberOrNull(median), mean: numberOrNull(mean), p90: numberOrNull(p90) });
}

function toGroup(row: SlaGroupRow): SlaGroup {
  const decided = row.met + row.breached;
  return Object.assign(new SlaGroup(), {
    key: row.key,
    met: row.met,
    breached: row.breached,
    open: row.open,
    compliance: decided === 0 ? null : row.met / decided,
    responseTime: durationStats(row.working_count, row.working_pct?.[0] ?? null, row.working_mean, row.working_pct?.[1] ?? null),
    calendarResponseTime: durationStats(row.calendar_count, row.calendar_pct?.[0] ?? null, row.calendar_mean, row.calendar_pct?.[1] ?? null),
  });
}

@Resolver(() => SlaReport)
export class SlaResolver {
  constructor(
    @Inject(LedgerStorage) private readonly storage: LedgerStorage,
    @Inject(FunnelDefinitions) private readonly definitions: FunnelDefinitions,
  ) {}

  @Query(() => SlaReport, {
    description: 'SLA compliance of the hand-offs in [from, to) per period (by hand-off time) and group, and the overdue cases (shared/metrics.md).',
  })
  async slaCompliance(
    @Args('from', { type: () => Date, description: 'Start of the range (inclusive), by hand-off time.' }) from: Date,
    @Args('to', { type: () => Date, description: 'End of the range (exclusive); must be after from.' }) to: Date,
    @Args('granularity', { type: () => Granularity, description: 'Period length; periods are cut in the definition\'s time zone.' }) granularity: Granularity,
    @Args('groupBy', { type: () => SlaGroupBy, defaultValue: SlaGroupBy.NONE, description: 'How the cases of a period are grouped (default NONE: one group "all").' })
    groupBy: SlaGroupBy,
    @Args('definition', {
      type: () => String,
      nullable: true,
      description: 'name@version (or name, for its latest version) of the funnel definition whose time zone cuts the periods; default: the active one.',
    })
    definitionReference?: string | null,
    @Args('minPosition', {
      type: () => String,
      nullable: true,
      description: 'A position a mutation returned: wait (bounded) until the read models reflect it.',
    })
    minPosition?: string | null,
    @Args('now', {
      type: () => Date,
      nullable: true,
      description: 'Evaluate open/breached/overdue as of this instant (default: the current time); for reproducible reports.',
    })
    now?: Date | null,
  ): Promise<SlaReport> {
    const definition = this.definitions.resolve(definitionReference);
    const periods = reportPeriods(from, to, granularity, definition.timeZone);
    const at = now ?? new Date();
    const pool = this.storage.pool;
    await awaitMinPosition(pool, ['lead_funnel'], minPosition);

    const [groupRows, overdueRows] = await Promise.all([
      querySlaGroups(pool, groupBy ?? SlaGroupBy.NONE, periods, from, to, at),
      queryOverdue(pool, from, to, at),
    ]);
    const groupsByPeriod = new Map<number, SlaGroup[]>();
    for (const row of groupRows) {
      const list = groupsByPeriod.get(row.idx) ?? [];
      list.push(toGroup(row));
      groupsByPeriod.set(row.idx, list);
    }
    return Object.assign(new SlaReport(), {
      periods: periods.map((p, i) => Object.assign(new SlaPeriod(), { start: p.start, end: p.end, groups: groupsByPeriod.get(i + 1) ?? [] })),
      overdue: overdueRows.map((r) =>
        Object.assign(new SlaCase(), {
          leadId: r.lead_id,
          caseNumber: r.case_number,
          handedOffAt: r.handed_off_at,
          dueAt: r.due_at,
          resolvedAt: r.resolved_at,
          resolvedBy: r.resolved_by,
          status: SlaStatus.BREACHED,
          ownerId: r.owner_id,
          team: r.team,
          overdueBy: r.overdue_by,
        }),
      ),
    });
  }
}
