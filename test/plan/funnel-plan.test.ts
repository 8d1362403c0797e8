import { runLedger } from '../cli/run-ledger.js';
import type { FunnelDefinition } from '../../libs/domain/src/index.js';
import { FIXED_HISTORY, fixedHistoryDefinition, recordFixedHistory } from '../fixtures/fixed-history.js';
import { startTestApp } from '../api/test-app.js';

/*
 * funnelPlan over the fixed history (test/fixtures/fixed-history.ts), every figure against the hand computation
 * in test/plan/funnel-plan.md (section numbers below). Exact figures are integers or short fractions; the
 * derived requirements are compared to 6 decimals with the 9-decimal values of the hand table.
 */

/** default-holidays@1 with monthly targets on responder, sal and won (the stage rules are unchanged). */
function definitionWithTargets(): FunnelDefinition {
  const base = fixedHistoryDefinition();
  const targets: Record<string, number> = { responder: 20, sal: 6, won: 2 };
  return { ...base, stages: base.stages.map((s) => ({ ...s, monthlyTarget: targets[s.key] ?? null })) };
}

const PLAN_QUERY = `
  query Plan($revenueTarget: Float!, $from: DateTime!, $to: DateTime!, $basisFrom: DateTime, $basisTo: DateTime, $averageWonValue: Float,
             $definition: String, $scenarioId: ID, $p: String) {
    funnelPlan(revenueTarget: $revenueTarget, from: $from, to: $to, basisFrom: $basisFrom, basisTo: $basisTo,
               averageWonValue: $averageWonValue, definition: $definition, scenarioId: $scenarioId, minPosition: $p) {
      definition timeZone from to revenueTarget basisFrom basisTo wonDeals measuredAverageWonValue averageWonValue requiredWins
      stages { stage entered advanced conversion lagSeconds target requiredInPeriod requiredBeforePeriod reason }
      rows { stage month end leadIn required requiredWhole actual difference attainment target reason }
    }
  }
`;

const approx = (value: number | null) => (value === null ? null : expect.closeTo(value, 6));
const JUNE = '2025-06-01T00:00:00.000Z';
const JULY = '2025-07-01T00:00:00.000Z';
const AUGUST = '2025-08-01T00:00:00.000Z';

/** stage, lead-in start (or null), [required, requiredWhole, actual, difference, attainment, target] per row. */
type Row = [number | null, number | null, number, number | null, number | null, number | null];

function rowsOf(stage: string, leadInStart: string | null, rows: Row[]) {
  const ranges: [string, string, boolean][] = [
    ...(leadInStart ? [[leadInStart, JUNE, true] as [string, string, boolean]] : []),
    [JUNE, JULY, false],
    [JULY, AUGUST, false],
  ];
  return rows.map(([required, requiredWhole, actual, difference, attainment, target], i) => ({
    stage,
    month: ranges[i]![0],
    end: ranges[i]![1],
    leadIn: ranges[i]![2],
    required: approx(required),
    requiredWhole,
    actual,
    difference: approx(difference),
    attainment: approx(attainment),
    target,
    reason: null,
  }));
}

// ---- the hand table (test/plan/funnel-plan.md) ----------------------------------------------------------------

/** Section 1: the basis. */
const STAGES_EXPECTED = [
  { stage: 'responder', entered: 23, advanced: 19, conversion: approx(19 / 23), lagSeconds: 86400, target: 20, requiredInPeriod: approx(15.709503732), requiredBeforePeriod: approx(15.496679559), reason: null },
  { stage: 'mql', entered: 16, advanced: 13, conversion: 13 / 16, lagSeconds: 86400, target: null, requiredInPeriod: approx(13.33271092), requiredBeforePeriod: approx(12.446310059), reason: null },
  { stage: 'handed_off', entered: 16, advanced: 11, conversion: 11 / 16, lagSeconds: 453600, target: null, requiredInPeriod: approx(11.128961877), requiredBeforePeriod: approx(9.816492669), reason: null },
  { stage: 'sal', entered: 12, advanced: 5, conversion: approx(5 / 12), lagSeconds: 1987200, target: 6, requiredInPeriod: approx(8.88), requiredBeforePeriod: approx(5.52), reason: null },
  { stage: 'won', entered: null, advanced: null, conversion: null, lagSeconds: null, target: 2, requiredInPeriod: 6, requiredBeforePeriod: 0, reason: null },
];

/** Section 4: plan vs actual. */
const ROWS_EXPECTED = [
  ...rowsOf('responder', '2025-02-01T00:00:00.000Z', [
    [15.496679559, 16, 23, 7.503320441, 1.484188914, null],
    [12.577129708, 13, 8, -4.577129708, 0.636075177, 20],
    [3.132374024, 4, 0, -3.132374024, 0, 20],
  ]),
  ...rowsOf('mql', '2025-03-01T00:00:00.000Z', [
    [12.446310059, 13, 16, 3.553689941, 1.285521566, null],
    [10.658843819, 11, 5, -5.658843819, 0.46909403, null],
    [2.673867102, 3, 0, -2.673867102, 0, null],
  ]),
  ...rowsOf('handed_off', '2025-04-01T00:00:00.000Z', [
    [9.816492669, 10, 16, 6.183507331, 1.629910044, null],
    [8.884027623, 9, 5, -3.884027623, 0.562807795, null],
    [2.244934254, 3, 0, -2.244934254, 0, null],
  ]),
  ...rowsOf('sal', '2025-05-01T00:00:00.000Z', [
    [5.52, 6, 3, -2.52, 3 / 5.52, null],
    [5442 / 775, 8, 4, 4 - 5442 / 775, 4 / (5442 / 775), 6],
    [288 / 155, 2, 0, -288 / 155, 0, 6],
  ]),
  ...rowsOf('won', null, [
    [3, 3, 2, -1, 2 / 3, 2],
    [3, 3, 0, -3, 0, 2],
  ]),
];

/** Runs the CLI in this process against `databaseUrl`, its output captured. */
function cli(argv: string[], databaseUrl: string) {
  return runLedger(argv, { DATABASE_URL: databaseUrl });
}

describe('funnelPlan: plan vs actual over the fixed history', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let position: string;
  const plan = (variables: Record<string, unknown>) =>
    app.gql(PLAN_QUERY, { revenueTarget: 59250, from: JUNE, to: AUGUST, p: position, ...variables });

  beforeAll(async () => {
    app = await startTestApp({ activeDefinition: definitionWithTargets() });
    position = await recordFixedHistory(app.gql, FIXED_HISTORY);
  });
  afterAll(async () => app?.close());

  it('derives wins, then every earlier stage backwards with the measured conversions and lags, beside the actual entries (sections 1-4)', async () => {
    const result = await plan({});
    expect(result.errors).toBeUndefined();
    const p = result.data!.funnelPlan;
    expect({ ...p, stages: undefined, rows: undefined }).toEqual({
      definition: 'default-holidays@1',
      timeZone: 'UTC',
      from: JUNE,
      to: AUGUST,
      revenueTarget: 59250,
      basisFrom: '2024-06-01T00:00:00.000Z',
      basisTo: JUNE,
      wonDeals: 4,
      measuredAverageWonValue: 9875,
      averageWonValue: 9875,
      requiredWins: 6,
      stages: undefined,
      rows: undefined,
    });
    expect(p.stages).toEqual(STAGES_EXPECTED);
    expect(p.rows).toEqual(ROWS_EXPECTED);
  });

  it('measures the same basis from the visit rows when the window is not whole days (section 5)', async () => {
    const result = await plan({ basisFrom: '2025-03-28T08:00:00.000Z', basisTo: JUNE });
    expect(result.errors).toBeUndefined();
    const p = result.data!.funnelPlan;
    expect([p.basisFrom, p.basisTo, p.wonDeals, p.measuredAverageWonValue]).toEqual(['2025-03-28T08:00:00.000Z', JUNE, 4, 9875]);
    expect(p.stages).toEqual(STAGES_EXPECTED);
    expect(p.rows).toEqual(ROWS_EXPECTED);
  });

  it('without data in the basis window, a given average still plans the wins; earlier stages are null with a reason (section 5)', async () => {
    const result = await plan({ basisFrom: '2024-01-01T00:00:00.000Z', basisTo: '2024-06-01T00:00:00.000Z', averageWonValue: 5000 });
    expect(result.errors).toBeUndefined();
    const p = result.data!.funnelPlan;
    expect([p.wonDeals, p.measuredAverageWonValue, p.averageWonValue, p.requiredWins]).toEqual([0, null, 5000, expect.closeTo(11.85, 9)]);
    expect(p.stages.map((s: { stage: string; entered: number; conversion: number | null; lagSeconds: number | null; reason: string | null }) => [s.stage, s.entered, s.conversion, s.lagSeconds, s.reason])).toEqual([
      ['responder', 0, null, null, 'the requirement of mql is unknown'],
      ['mql', 0, null, null, 'the requirement of handed_off is unknown'],
      ['handed_off', 0, null, null, 'the requirement of sal is unknown'],
      ['sal', 0, null, null, 'no visit of sal entered in the basis window: its conversion is unknown'],
      ['won', null, null, null, null],
    ]);
    type R = { stage: string; month: string; leadIn: boolean; required: number | null; requiredWhole: number | null; actual: number; difference: number | null; attainment: number | null };
    expect(p.rows.map((r: R) => [r.stage, r.month, r.leadIn, r.required, r.requiredWhole, r.actual, r.difference, r.attainment])).toEqual([
      ['responder', JUNE, false, null, null, 8, null, null],
      ['responder', JULY, false, null, null, 0, null, null],
      ['mql', JUNE, false, null, null, 5, null, null],
      ['mql', JULY, false, null, null, 0, null, null],
      ['handed_off', JUNE, false, null, null, 5, null, null],
      ['handed_off', JULY, false, null, null, 0, null, null],
      ['sal', JUNE, false, null, null, 4, null, null],
      ['sal', JULY, false, null, null, 0, null, null],
      ['won', JUNE, false, approx(5.925), 6, 2, approx(-3.925), approx(0.337552743)],
      ['won', JULY, false, approx(5.925), 6, 0, approx(-5.925), 0],
    ]);
  });

  it('without data and without an average, nothing can be derived: every requirement is null, the reason says what to pass', async () => {
    const result = await plan({ basisFrom: '2024-01-01T00:00:00.000Z', basisTo: '2024-06-01T00:00:00.000Z' });
    expect(result.errors).toBeUndefined();
    const p = result.data!.funnelPlan;
    expect([p.averageWonValue, p.requiredWins]).toEqual([null, null]);
    const won = p.rows.filter((r: { stage: string }) => r.stage === 'won');
    expect(won.map((r: { required: number | null; reason: string }) => [r.required, r.reason])).toEqual([
      [null, 'no deal was won in the basis window: pass averageWonValue'],
      [null, 'no deal was won in the basis window: pass averageWonValue'],
    ]);
    expect(p.rows.every((r: { required: number | null }) => r.required === null)).toBe(true);
  });

  it('plans within a scenario from its tables: a replay under the live definition gives the live plan', async () => {
    const started = await app.gql(`mutation($definition: JSON!) { runScenario(input: { name: "plan check", definition: $definition }) { id } }`, {
      definition: definitionWithTargets(),
    });
    expect(started.errors).toBeUndefined();
    const id = started.data!.runScenario.id as string;
    for (let i = 0; ; i++) {
      const { data } = await app.gql(`query($id: ID!) { scenario(id: $id) { status } }`, { id });
      if (data!.scenario.status === 'COMPLETED') break;
      expect(data!.scenario.status).toBe('RUNNING');
      if (i > 300) throw new Error('the scenario did not complete within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const inScenario = await plan({ scenarioId: id, p: null });
    expect(inScenario.errors).toBeUndefined();
    expect(inScenario.data!.funnelPlan.stages).toEqual(STAGES_EXPECTED);
    expect(inScenario.data!.funnelPlan.rows).toEqual(ROWS_EXPECTED);

    // A lead captured after the replay counts live only: September's responder actual is 1 live, 0 in the scenario.
    const captured = await app.gql(`mutation($input: CaptureResponderInput!) { captureResponder(input: $input) { position } }`, {
      input: { leadId: 'plan-extra', channel: 'web', origin: 'MARKETING', occurredAt: '2025-09-10T09:00:00.000Z' },
    });
    expect(captured.errors).toBeUndefined();
    const september = { from: '2025-09-01T00:00:00.000Z', to: '2025-10-01T00:00:00.000Z' };
    const responderActual = async (variables: Record<string, unknown>) => {
      const result = await plan({ ...september, ...variables });
      expect(result.errors).toBeUndefined();
      return result.data!.funnelPlan.rows.find((r: { stage: string; leadIn: boolean }) => r.stage === 'responder' && !r.leadIn).actual;
    };
    expect(await responderActual({ p: captured.data!.captureResponder.position })).toBe(1);
    expect(await responderActual({ scenarioId: id, p: null })).toBe(0);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, and an unknown definition with NOT_FOUND', async () => {
    const refusal = async (variables: Record<string, unknown>) => {
      const result = await plan(variables);
      expect(result.data ?? null).toBeNull();
      return [result.errors?.[0]?.extensions?.code, result.errors?.[0]?.extensions?.field ?? null, result.errors?.[0]?.message];
    };
    expect(await refusal({ to: JUNE })).toEqual([
      'BAD_USER_INPUT',
      'to',
      'to (2025-06-01T00:00:00.000Z) must be later than from (2025-06-01T00:00:00.000Z): the plan period is [from, to)',
    ]);
    expect(await refusal({ revenueTarget: -1 })).toEqual(['BAD_USER_INPUT', 'revenueTarget', 'revenueTarget must be a finite number >= 0, got -1']);
    expect(await refusal({ averageWonValue: 0 })).toEqual(['BAD_USER_INPUT', 'averageWonValue', 'averageWonValue must be a finite number > 0, got 0']);
    expect(await refusal({ from: '2025-06-15T00:00:00.000Z' })).toEqual([
      'BAD_USER_INPUT',
      'from',
      'from (2025-06-15T00:00:00.000Z) must be the start of a month in UTC, e.g. 2025-06-01T00:00:00.000Z: a plan covers whole months',
    ]);
    expect((await refusal({ basisFrom: JUNE, basisTo: '2025-05-01T00:00:00.000Z' })).slice(0, 2)).toEqual(['BAD_USER_INPUT', 'basisTo']);
    expect(await refusal({ definition: 'nope@3' })).toEqual(['NOT_FOUND', null, 'Funnel definition nope@3 does not exist']);
    // The plan is framed by the definition the answering views were built under; another one is refused, not substituted.
    expect(await refusal({ definition: 'default@1' })).toEqual([
      'DEFINITION_NOT_BUILT',
      'definition',
      'These figures are built under default-holidays@1, not default@1: run a scenario with that definition (runScenario) and pass its scenarioId',
    ]);
    expect((await refusal({ scenarioId: 'no-such-scenario', p: null })).slice(0, 2)).toEqual(['NOT_FOUND', 'scenarioId']);
  });

  it('`ledger plan` prints the same plan as aligned tables (the CLI classifies with the default definition: no targets)', async () => {
    const result = await cli(['plan', '--revenue', '59250', '--from', '2025-06-01', '--to', '2025-08-01'], app.databaseUrl);
    expect([result.code, result.stderr]).toEqual([0, '']);
    // Section 4's figures rounded to 2 decimals; attainment in percent.
    expect(result.stdout.split('\n')).toEqual([
      'Plan default@1 (UTC): revenue 59,250.00 over 2025-06..2025-07; average won value 9,875.00 (measured); wins required 6.00.',
      'Basis [2024-06-01T00:00:00.000Z, 2025-06-01T00:00:00.000Z): 4 deals won.',
      '',
      'stage       entered  advanced  conversion      lag  target/month  before period  in period  note',
      '----------  -------  --------  ----------  -------  ------------  -------------  ---------  ----',
      'responder        23        19       82.6%   1.00 d             -          15.50      15.71',
      'mql              16        13       81.3%   1.00 d             -          12.45      13.33',
      'handed_off       16        11       68.8%   5.25 d             -           9.82      11.13',
      'sal              12         5       41.7%  23.00 d             -           5.52       8.88',
      'won               -         -           -        -             -           0.00       6.00',
      '',
      'stage       month                  required  whole  actual  difference  attainment  target',
      '----------  ---------------------  --------  -----  ------  ----------  ----------  ------',
      'responder   before (from 2025-02)     15.50     16      23       +7.50      148.4%       -',
      'responder   2025-06                   12.58     13       8       -4.58       63.6%       -',
      'responder   2025-07                    3.13      4       0       -3.13        0.0%       -',
      'mql         before (from 2025-03)     12.45     13      16       +3.55      128.6%       -',
      'mql         2025-06                   10.66     11       5       -5.66       46.9%       -',
      'mql         2025-07                    2.67      3       0       -2.67        0.0%       -',
      'handed_off  before (from 2025-04)      9.82     10      16       +6.18      163.0%       -',
      'handed_off  2025-06                    8.88      9       5       -3.88       56.3%       -',
      'handed_off  2025-07                    2.24      3       0       -2.24        0.0%       -',
      'sal         before (from 2025-05)      5.52      6       3       -2.52       54.3%       -',
      'sal         2025-06                    7.02      8       4       -3.02       57.0%       -',
      'sal         2025-07                    1.86      2       0       -1.86        0.0%       -',
      'won         2025-06                    3.00      3       2       -1.00       66.7%       -',
      'won         2025-07                    3.00      3       0       -3.00        0.0%       -',
      '',
    ]);

    const json = await cli(['plan', '--revenue', '59250', '--from', '2025-06-01', '--to', '2025-08-01', '--average-won-value', '5000', '--json'], app.databaseUrl);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect([parsed.definition, parsed.averageWonValue, parsed.measuredAverageWonValue, parsed.requiredWins]).toEqual(['default@1', 5000, 9875, 11.85]);
    expect(parsed.rows.filter((r: { stage: string }) => r.stage === 'won').map((r: { required: number; actual: number }) => [r.required, r.actual])).toEqual([
      [5.925, 2],
      [5.925, 0],
    ]);
  });

  it('`ledger plan` refuses bad options with exit 2 naming the option, and an unknown definition with exit 3', async () => {
    const run = (...argv: string[]) => cli(['plan', ...argv], app.databaseUrl);
    expect(await run('--from', '2025-06-01', '--to', '2025-08-01')).toEqual({ code: 2, stdout: '', stderr: 'ledger plan: --revenue is required\n' });
    expect(await run('--revenue', 'lots', '--from', '2025-06-01', '--to', '2025-08-01')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ledger plan: --revenue must be a number, got "lots"\n',
    });
    expect(await run('--revenue', '1000', '--from', '2025-06-15', '--to', '2025-08-01')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'ledger plan: --from: from (2025-06-15T00:00:00.000Z) must be the start of a month in UTC, e.g. 2025-06-01T00:00:00.000Z: a plan covers whole months\n',
    });
    expect(await run('--revenue', '1000', '--from', '2025-06-01', '--to', '2025-08-01', '--definition', 'nope@2')).toEqual({
      code: 3,
      stdout: '',
      stderr: 'ledger plan: Funnel definition nope@2 does not exist\n',
    });
  });
});
