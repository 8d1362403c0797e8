/**
 * compareScenarios, the pure part: two reports of the same periods side by side, per metric
 * `{ baseline, candidate, difference = candidate - baseline }`. A stage present under one definition only gets
 * null on the other side and a null difference (null-safe). No Nest here: the service feeds it the waterfall
 * and SLA reports the read services computed in each scope.
 */

export interface ComparedValue {
  metric: string;
  baseline: number | null;
  candidate: number | null;
  difference: number | null;
}

export interface StageFigures {
  stage: string;
  entered: number;
  advanced: number;
  recycled: number;
  rejected: number;
  lost: number;
  open: number;
  conversion: number | null;
  leakage: number | null;
  recycling: number | null;
  velocity: { median: number | null };
}

export interface SlaFigures {
  met: number;
  breached: number;
  open: number;
  compliance: number | null;
  responseTime: { median: number | null };
}

/** The waterfall metrics compared per (period, stage), in this order. */
export const STAGE_METRICS: readonly { metric: string; of: (s: StageFigures) => number | null }[] = [
  { metric: 'entered', of: (s) => s.entered },
  { metric: 'advanced', of: (s) => s.advanced },
  { metric: 'recycled', of: (s) => s.recycled },
  { metric: 'rejected', of: (s) => s.rejected },
  { metric: 'lost', of: (s) => s.lost },
  { metric: 'open', of: (s) => s.open },
  { metric: 'conversion', of: (s) => s.conversion },
  { metric: 'leakage', of: (s) => s.leakage },
  { metric: 'recycling', of: (s) => s.recycling },
  { metric: 'velocityMedian', of: (s) => s.velocity.median },
];

/** The SLA metrics compared per period (all hand-offs of the period: groupBy NONE), in this order. */
export const SLA_METRICS: readonly { metric: string; of: (s: SlaFigures) => number | null }[] = [
  { metric: 'met', of: (s) => s.met },
  { metric: 'breached', of: (s) => s.breached },
  { metric: 'open', of: (s) => s.open },
  { metric: 'compliance', of: (s) => s.compliance },
  { metric: 'responseTimeMedian', of: (s) => s.responseTime.median },
];

export function compared(metric: string, baseline: number | null, candidate: number | null): ComparedValue {
  return { metric, baseline, candidate, difference: baseline === null || candidate === null ? null : candidate - baseline };
}

/** Stage keys of both definitions: the baseline's order, then the candidate's own stages in theirs. */
export function stageUnion(baseline: readonly string[], candidate: readonly string[]): string[] {
  return [...baseline, ...candidate.filter((key) => !baseline.includes(key))];
}

/** Per stage of the union: every STAGE_METRICS value of both sides (null for a side without the stage). */
export function compareStages(
  baseline: readonly StageFigures[],
  candidate: readonly StageFigures[],
): { stage: string; metrics: ComparedValue[] }[] {
  const b = new Map(baseline.map((s) => [s.stage, s]));
  const c = new Map(candidate.map((s) => [s.stage, s]));
  return stageUnion([...b.keys()], [...c.keys()]).map((stage) => {
    const left = b.get(stage);
    const right = c.get(stage);
    return { stage, metrics: STAGE_METRICS.map(({ metric, of }) => compared(metric, left ? of(left) : null, right ? of(right) : null)) };
  });
}

/**
 * The SLA metrics of one period. A period without hand-offs has no group: its counts are 0 and its ratios
 * null on that side.
 */
export function compareSla(baseline: SlaFigures | undefined, candidate: SlaFigures | undefined): ComparedValue[] {
  const none: SlaFigures = { met: 0, breached: 0, open: 0, compliance: null, responseTime: { median: null } };
  return SLA_METRICS.map(({ metric, of }) => compared(metric, of(baseline ?? none), of(candidate ?? none)));
}
