import { DEFAULT_FUNNEL_DEFINITION } from '../funnel/definition.js';
import { ValidationError } from '../shared/errors.js';
import {
  addLocalMonths,
  comparePlanWithActuals,
  deriveFunnelPlan,
  planMonths,
  planStagesOf,
  wholeEntries,
  type FunnelPlanInput,
  type PlanStageBasis,
} from './plan.js';

const DAY = 86_400;
const utc = (text: string) => new Date(`${text}T00:00:00.000Z`);

/** June + July 2025 (UTC), 60000 of revenue at 10000 a deal: 6 wins, 3 a month. */
const JUNE_JULY: Omit<FunnelPlanInput, 'stages' | 'basis'> = {
  timeZone: 'UTC',
  from: utc('2025-06-01'),
  to: utc('2025-08-01'),
  revenueTarget: 60_000,
  averageWonValue: 10_000,
};
const basis = (stage: string, entered: number, advanced: number, lagDays: number | null): PlanStageBasis => ({
  stage,
  entered,
  advanced,
  lagSeconds: lagDays === null ? null : lagDays * DAY,
});

/** The figures of one stage: [key, required] of the lead-in (if any) then of each month. */
const figures = (plan: ReturnType<typeof deriveFunnelPlan>, stage: string) => {
  const s = plan.stages.find((x) => x.stage === stage)!;
  return [...(s.leadIn ? [s.leadIn] : []), ...s.months].map((r) => [r.key, r.required, r.requiredWhole]);
};

describe('deriveFunnelPlan: the funnel planned backwards from revenue', () => {
  it('given no lag, then each month needs wins / conversion entries of the earlier stage in the same month', () => {
    // wins: 60000 / 10000 = 6 over June and July = 3 a month; sal: 3 / (2/8) = 12 a month.
    const plan = deriveFunnelPlan({ ...JUNE_JULY, stages: [{ key: 'sal' }, { key: 'won' }], basis: [basis('sal', 8, 2, 0)] });
    expect(plan.requiredWins).toBe(6);
    expect(plan.months.map((m) => m.key)).toEqual(['2025-06', '2025-07']);
    expect(figures(plan, 'won')).toEqual([['2025-06', 3, 3], ['2025-07', 3, 3]]);
    expect(figures(plan, 'sal')).toEqual([['2025-06', 12, 12], ['2025-07', 12, 12]]);
    const sal = plan.stages[0]!;
    expect(sal).toMatchObject({ conversion: 0.25, lagSeconds: 0, entered: 8, advanced: 2, reason: null, leadIn: null, requiredInPeriod: 24 });
    expect(plan.stages[1]).toMatchObject({ stage: 'won', conversion: null, lagSeconds: null, entered: null, reason: null, requiredInPeriod: 6 });
  });

  it('given lags, then a month is shifted back and split over the months it overlaps, and what lands before the period is the lead-in', () => {
    // sal: conversion 5/10, lag 15 days. June's 3 wins need 6 SALs entering over [05-17, 06-16): 15/30 of them in May
    // (3), 15/30 in June (3); July's 6 SALs enter over [06-16, 07-17): 15/31 in June (90/31), 16/31 in July (96/31).
    // mql: conversion 6/8, lag 10 days, so 4/3 of each sal month, 10 days earlier:
    //   May (lead-in) 4 over [04-21, 05-22): April 10/31 = 40/31, May 21/31 = 84/31;
    //   June 244/31 over [05-22, 06-21): May 10/30 = 244/93, June 20/30 = 488/93;
    //   July 128/31 over [06-21, 07-22): June 10/31 = 1280/961, July 21/31 = 2688/961.
    //   lead-in = 40/31 + 84/31 + 244/93 = 616/93 (April and May); June = 488/93 + 1280/961 = 18968/2883; July = 2688/961.
    const plan = deriveFunnelPlan({
      ...JUNE_JULY,
      stages: [{ key: 'mql' }, { key: 'sal' }, { key: 'won' }],
      basis: [basis('mql', 8, 6, 10), basis('sal', 10, 5, 15)],
    });
    const [mql, sal] = plan.stages;
    expect(sal!.leadIn).toMatchObject({ key: 'lead-in', leadIn: true, start: utc('2025-05-01'), end: utc('2025-06-01'), requiredWhole: 3 });
    expect(sal!.leadIn!.required).toBeCloseTo(3, 9);
    expect(sal!.months.map((m) => m.required)).toEqual([expect.closeTo(183 / 31, 9), expect.closeTo(96 / 31, 9)]);
    expect(sal!.months.map((m) => m.requiredWhole)).toEqual([6, 4]);
    expect(sal!.requiredInPeriod).toBeCloseTo(9, 9); // 12 SALs in all: 3 before the period, 9 in it

    expect(mql!.leadIn).toMatchObject({ start: utc('2025-04-01'), end: utc('2025-06-01'), requiredWhole: 7 });
    expect(mql!.leadIn!.required).toBeCloseTo(616 / 93, 9);
    expect(mql!.months.map((m) => m.required)).toEqual([expect.closeTo(18968 / 2883, 9), expect.closeTo(2688 / 961, 9)]);
    expect(mql!.months.map((m) => m.requiredWhole)).toEqual([7, 3]);
    // Nothing is lost on the way: 16 MQLs = 12 SALs / (6/8).
    expect(mql!.leadIn!.required! + mql!.requiredInPeriod!).toBeCloseTo(16, 9);
    expect(mql).toMatchObject({ conversion: 0.75, lagSeconds: 10 * DAY });
  });

  it('given months cut in a time zone with DST, then the months are local and the shares follow their real lengths', () => {
    // Europe/Berlin, March 2025 (30 days 23 hours: DST starts 03-30). 1 win in March; sal lag 1 day, conversion 1:
    // the SAL enters over [02-28 00:00, 03-30 23:00) local: February gets 24 h of the 743 h of March = 24/743.
    const from = new Date('2025-02-28T23:00:00.000Z'); // 2025-03-01 00:00 in Berlin
    const to = new Date('2025-03-31T22:00:00.000Z'); // 2025-04-01 00:00 in Berlin (summer time)
    const plan = deriveFunnelPlan({
      timeZone: 'Europe/Berlin',
      from,
      to,
      revenueTarget: 500,
      averageWonValue: 500,
      stages: [{ key: 'sal' }, { key: 'won' }],
      basis: [basis('sal', 3, 3, 1)],
    });
    expect(plan.months.map((m) => m.key)).toEqual(['2025-03']);
    const sal = plan.stages[0]!;
    expect(sal.leadIn).toMatchObject({ start: new Date('2025-01-31T23:00:00.000Z'), end: from, requiredWhole: 1 });
    expect(sal.leadIn!.required).toBeCloseTo(24 / 743, 12);
    expect(sal.months[0]!.required).toBeCloseTo(719 / 743, 12);
  });

  it('given no won deal to average, then every requirement is null with a reason (never Infinity or NaN)', () => {
    const plan = deriveFunnelPlan({ ...JUNE_JULY, averageWonValue: null, stages: [{ key: 'sal' }, { key: 'won' }], basis: [basis('sal', 8, 2, 3)] });
    expect(plan.requiredWins).toBeNull();
    expect(plan.stages.map((s) => [s.stage, s.reason, s.requiredInPeriod, s.leadIn])).toEqual([
      ['sal', 'the requirement of won is unknown', null, null],
      ['won', 'no deal was won in the basis window: pass averageWonValue', null, null],
    ]);
    expect(plan.stages.flatMap((s) => s.months.map((m) => [m.required, m.requiredWhole]))).toEqual([[null, null], [null, null], [null, null], [null, null]]);
    // the measured basis is still reported
    expect(plan.stages[0]).toMatchObject({ conversion: 0.25, lagSeconds: 3 * DAY });
  });

  it('given a stage whose visits never advanced (conversion 0), then it and every earlier stage are null with a reason', () => {
    const plan = deriveFunnelPlan({
      ...JUNE_JULY,
      stages: [{ key: 'responder' }, { key: 'mql' }, { key: 'sal' }, { key: 'won' }],
      basis: [basis('responder', 10, 9, 1), basis('mql', 5, 0, null), basis('sal', 4, 4, 0)],
    });
    expect(plan.stages.map((s) => [s.stage, s.conversion, s.reason])).toEqual([
      ['responder', 0.9, 'the requirement of mql is unknown'],
      ['mql', 0, 'none of the 5 visits of mql entered in the basis window advanced: with a conversion of 0 no number of entries reaches sal'],
      ['sal', 1, null],
      ['won', null, null],
    ]);
    expect(figures(plan, 'sal')).toEqual([['2025-06', 3, 3], ['2025-07', 3, 3]]);
    expect(figures(plan, 'mql')).toEqual([['2025-06', null, null], ['2025-07', null, null]]);
  });

  it('given a stage with no visit in the basis window, then its conversion is unknown (null, not 0)', () => {
    const plan = deriveFunnelPlan({ ...JUNE_JULY, stages: [{ key: 'sal' }, { key: 'won' }], basis: [] });
    expect(plan.stages[0]).toMatchObject({
      conversion: null,
      entered: 0,
      advanced: 0,
      reason: 'no visit of sal entered in the basis window: its conversion is unknown',
      requiredInPeriod: null,
    });
  });

  it('given fractional requirements, then the exact figure is kept and the whole one rounds up, ignoring float noise', () => {
    // 10000 / 3000 = 3.333... wins in one month: 4 whole ones.
    const plan = deriveFunnelPlan({ ...JUNE_JULY, to: utc('2025-07-01'), revenueTarget: 10_000, averageWonValue: 3_000, stages: [{ key: 'won' }], basis: [] });
    expect(figures(plan, 'won')).toEqual([['2025-06', 10_000 / 3_000, 4]]);
    expect(wholeEntries(0.1 + 0.2)).toBe(1);
    expect(wholeEntries(7.000000000000001)).toBe(7);
    expect(wholeEntries(6.2)).toBe(7);
    expect(wholeEntries(0)).toBe(0);
  });

  it('given monthly targets in the definition, then they are reported beside the derived figures', () => {
    const plan = deriveFunnelPlan({
      ...JUNE_JULY,
      stages: [{ key: 'sal', monthlyTarget: 10 }, { key: 'won', monthlyTarget: 2 }],
      basis: [basis('sal', 8, 2, 0)],
    });
    expect(plan.stages.map((s) => [s.stage, s.target])).toEqual([['sal', 10], ['won', 2]]);
  });

  it('refuses a negative or non-finite revenue, a non-positive average, an empty or partial-month period, naming the field', () => {
    const base: FunnelPlanInput = { ...JUNE_JULY, stages: [{ key: 'won' }], basis: [] };
    const refusal = (input: FunnelPlanInput) => {
      try {
        deriveFunnelPlan(input);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return [(error as ValidationError).field, (error as ValidationError).message];
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ ...base, revenueTarget: -1 })).toEqual(['revenueTarget', 'revenueTarget must be a finite number >= 0, got -1']);
    expect(refusal({ ...base, revenueTarget: Number.POSITIVE_INFINITY })[0]).toBe('revenueTarget');
    expect(refusal({ ...base, averageWonValue: 0 })).toEqual(['averageWonValue', 'averageWonValue must be a finite number > 0, got 0']);
    expect(refusal({ ...base, to: base.from })[0]).toBe('to');
    expect(refusal({ ...base, from: new Date('2025-06-02T00:00:00.000Z') })).toEqual([
      'from',
      'from (2025-06-02T00:00:00.000Z) must be the start of a month in UTC, e.g. 2025-06-01T00:00:00.000Z: a plan covers whole months',
    ]);
    expect(() => planMonths(utc('2025-06-01'), utc('2035-07-01'), 'UTC')).toThrow('a plan covers at most 120 months');
    expect(planMonths(utc('2025-06-01'), utc('2035-06-01'), 'UTC')).toHaveLength(120);
  });
});

describe('comparePlanWithActuals', () => {
  it('given actual entries, then each row has the difference (actual - required) and the attainment (actual / required)', () => {
    const plan = deriveFunnelPlan({
      ...JUNE_JULY,
      stages: [{ key: 'sal', monthlyTarget: 10 }, { key: 'won' }],
      basis: [basis('sal', 10, 5, 15)],
    });
    // sal: lead-in (May) 3, June 183/31, July 96/31 (see above); won: 3 and 3.
    const actual: Record<string, number> = { 'sal 2025-05-01': 4, 'sal 2025-06-01': 6, 'sal 2025-07-01': 0, 'won 2025-06-01': 2, 'won 2025-07-01': 3 };
    const rows = comparePlanWithActuals(plan, (stage, start) => actual[`${stage} ${start.toISOString().slice(0, 10)}`] ?? 0);
    expect(rows.map((r) => [r.stage, r.key, r.leadIn, r.actual, r.target])).toEqual([
      ['sal', 'lead-in', true, 4, null],
      ['sal', '2025-06', false, 6, 10],
      ['sal', '2025-07', false, 0, 10],
      ['won', '2025-06', false, 2, null],
      ['won', '2025-07', false, 3, null],
    ]);
    expect(rows.map((r) => r.difference)).toEqual([
      expect.closeTo(1, 9),
      expect.closeTo(6 - 183 / 31, 9),
      expect.closeTo(-96 / 31, 9),
      -1,
      0,
    ]);
    expect(rows.map((r) => r.attainment)).toEqual([expect.closeTo(4 / 3, 9), expect.closeTo(186 / 183, 9), 0, 2 / 3, 1]);
  });

  it('given a requirement of 0 or unknown, then the attainment is null', () => {
    const zero = deriveFunnelPlan({ ...JUNE_JULY, revenueTarget: 0, stages: [{ key: 'won' }], basis: [] });
    expect(comparePlanWithActuals(zero, () => 2).map((r) => [r.required, r.difference, r.attainment])).toEqual([[0, 2, null], [0, 2, null]]);
    const unknown = deriveFunnelPlan({ ...JUNE_JULY, averageWonValue: null, stages: [{ key: 'won' }], basis: [] });
    expect(comparePlanWithActuals(unknown, () => 2).map((r) => [r.required, r.difference, r.attainment, r.reason])).toEqual([
      [null, null, null, 'no deal was won in the basis window: pass averageWonValue'],
      [null, null, null, 'no deal was won in the basis window: pass averageWonValue'],
    ]);
  });
});

describe('plan helpers', () => {
  it('planStagesOf: the stages up to the one entered by Won; a definition without one is refused', () => {
    expect(planStagesOf(DEFAULT_FUNNEL_DEFINITION).map((s) => s.key)).toEqual(['responder', 'mql', 'handed_off', 'sal', 'won']);
    const noWon = { ...DEFAULT_FUNNEL_DEFINITION, stages: DEFAULT_FUNNEL_DEFINITION.stages.slice(0, 4) };
    expect(() => planStagesOf(noWon)).toThrow('definition default@1 has no stage entered by Won: a revenue plan needs one');
  });

  it('addLocalMonths: calendar months in the zone, the day clamped to the month', () => {
    expect(addLocalMonths(utc('2025-06-01'), -12, 'UTC')).toEqual(utc('2024-06-01'));
    expect(addLocalMonths(new Date('2025-03-31T10:00:00.000Z'), -1, 'UTC')).toEqual(new Date('2025-02-28T10:00:00.000Z'));
    // Berlin: 2025-07-01 00:00 (+02:00) minus 6 months = 2025-01-01 00:00 (+01:00)
    expect(addLocalMonths(new Date('2025-06-30T22:00:00.000Z'), -6, 'Europe/Berlin')).toEqual(new Date('2024-12-31T23:00:00.000Z'));
  });
});
