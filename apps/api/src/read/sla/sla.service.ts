import { Inject, Injectable } from '@nestjs/common';
import { reportPeriods } from '../report-periods.js';
import { DurationStats, Granularity } from '../read.types.js';
import { ReadScopes, type ReadScope, type ScopeArgs } from '../read-scope.js';
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
    responseTime: durationStats(row.working_count, row.working_median, row.working_mean, row.working_p90),
    calendarResponseTime: durationStats(row.calendar_count, row.calendar_median, row.calendar_mean, row.calendar_p90),
  });
}

export interface SlaArgs {
  from: Date;
  to: Date;
  granularity: Granularity;
  groupBy?: SlaGroupBy | null;
  /** Evaluate open/breached/overdue as of this instant (default: now). */
  now?: Date | null;
}

/** slaCompliance (shared/metrics.md, "SLA compliance") in a read scope. */
@Injectable()
export class SlaService {
  constructor(@Inject(ReadScopes) private readonly scopes: ReadScopes) {}

  async slaCompliance(args: SlaArgs & ScopeArgs): Promise<SlaReport> {
    // As of an instant, SLA statuses are evaluated at that instant unless `now` says otherwise.
    return this.scopes.run(args, (scope) => this.inScope(scope, { ...args, now: args.now ?? args.asOf ?? null }));
  }

  async inScope(scope: ReadScope, args: SlaArgs): Promise<SlaReport> {
    const { from, to, granularity } = args;
    const periods = reportPeriods(from, to, granularity, scope.definition.timeZone);
    const at = args.now ?? new Date();
    const [groupRows, overdueRows] = await Promise.all([
      querySlaGroups(scope.db, args.groupBy ?? SlaGroupBy.NONE, periods, from, to, at),
      queryOverdue(scope.db, from, to, at),
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
          handedOffAt: new Date(r.handed_off_ms),
          dueAt: new Date(r.due_ms),
          resolvedAt: r.resolved_ms === null ? null : new Date(r.resolved_ms),
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
