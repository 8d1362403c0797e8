import { MUTATIONS } from './graphql-client.js';
import { startTestApp } from './test-app.js';

/*
 * Ten leads captured in 2026 (plus two just outside [2026-01-01, 2026-04-01)), default definition:
 * stages 1 responder, 2 mql (score >= 75), 3 handed_off, 4 sal, 5 won.
 *
 * | lead | captured (UTC)   | channel | campaign | origin    | product | industry | reached          | outcome                     |
 * | L1   | Jan 05 10:00     | web     | spring   | MARKETING | alpha   | software | R M H S W        | won 10000 after 10 d (864000 s)  |
 * | L2   | Jan 10 10:00     | web     | spring   | MARKETING | beta    | retail   | R M H S W        | won 5000 after 20 d (1728000 s)  |
 * | L3   | Jan 12 10:00     | web     | summer   | MARKETING | alpha   |          | R M H            | lost                        |
 * | L4   | Jan 15 10:00     | web     | summer   | MARKETING |         | software | R                | scored 40 (no mql)          |
 * | L5   | Mar 02 10:00     | web     | (none)   | MARKETING |         |          | R M              |                             |
 * | L6   | Mar 03 09:00     | event   | spring   | SALES     | alpha   | software | R S W            | accepted directly; won 30000 after 10 d |
 * | L7   | Mar 05 10:00     | event   | summer   | SALES     |         |          | R S              | accepted directly           |
 * | L8   | Mar 10 10:00     | event   | spring   | MARKETING | beta    |          | R M              |                             |
 * | L9   | Mar 12 10:00     | event   | summer   | MARKETING |         |          | R H              | handed off without mql      |
 * | L10  | Mar 20 10:00     | web     | spring   | MARKETING |         |          | R                |                             |
 * | X1   | 2025-12-31 23:00 | web     | spring   | MARKETING |         |          | (outside range)  |                             |
 * | X2   | 2026-04-01 00:00 | web     | spring   | MARKETING |         |          | (outside: to is exclusive) |                   |
 *
 * CHANNEL web (L1 L2 L3 L4 L5 L10) = 6: reached R6 M4 H3 S2 W2; conversionToNext R 4/6 (L1 L2 L3 L5 got further),
 *   M 3/4, H 2/3, S 2/2, W null; steps 4/6, 3/4, 2/3, 2/2; overall 2/6; wonValue 15000, average 7500;
 *   timeToWin [864000, 1728000]: count 2, median = mean = 1296000, p90 = 864000 + 0.9 * 864000 = 1641600.
 * CHANNEL event (L6 L7 L8 L9) = 4: R4 M1 H1 S2 W1; steps R->M 4/4 (all got past responder), M->H 0/1 (L8 stops),
 *   H->S 0/1 (L9 stops), S->W 1/2; overall 1/4; wonValue 30000, average 30000; timeToWin 864000 (count 1).
 * CAMPAIGN spring (L1 L2 L6 L8 L10) = 5: R5 M3 H2 S3 W3; steps 4/5, 2/3, 2/2, 3/3; overall 3/5; wonValue 45000,
 *   average 15000; timeToWin [864000, 864000, 1728000]: median 864000, mean 1152000, p90 pos 1.8 -> 1555200.
 * CAMPAIGN summer (L3 L4 L7 L9) = 4: R4 M1 H2 S1 W0; steps 3/4, 1/1, 0/2, 0/1; overall 0/4; wonValue 0,
 *   average null, timeToWin count 0 and nulls.
 * CAMPAIGN (none) (L5) = 1: R1 M1 H0 S0 W0; steps 1/1, 0/1, 0/0 (null), 0/0 (null); overall 0/1.
 * ORIGIN MARKETING = 8: R8 M5 H4 S2 W2. ORIGIN SALES (L6 L7) = 2: R2 M0 H0 S2 W1; steps R->M 2/2 (skipped
 *   stages count as "or later"), M->H null, H->S null, S->W 1/2; overall 1/2.
 * ATTRIBUTE product: (none) (L4 L5 L7 L9 L10) = 5: R5 M1 H1 S1 W0; alpha (L1 L3 L6) = 3: R3 M2 H2 S2 W2, 40000;
 *   beta (L2 L8) = 2: R2 M2 H1 S1 W1, 5000.
 * ATTRIBUTE industry: (none) (L3 L5 L7 L8 L9 L10) = 6: R6 M3 H2 S1 W0; software (L1 L4 L6) = 3: R3 M1 H1 S2 W2,
 *   40000; retail (L2) = 1: all 1, 5000.
 * Cohorts MONTH Jan..Mar: Jan (L1-L4) 4: R4 M3 H3 S2 W2, toNext 3/4, 3/3, 2/3, 2/2; Feb 0 (all 0, null);
 *   Mar (L5-L10) 6: R6 M2 H1 S2 W1, toNext 5/6, 0/2, 0/1, 1/2.
 *
 * Wilson 95%, z = 1.959964, p = s/n, z2 = z*z: centre = (p + z2/(2n)) / (1 + z2/n),
 * half = z * sqrt(p(1-p)/n + z2/(4n^2)) / (1 + z2/n); computed to 6 decimals:
 *   4/6 -> [0.299993, 0.903229]   3/4 -> [0.300642, 0.954413]   2/3 -> [0.207660, 0.938508]
 *   2/2 -> [0.342380, 1]          2/6 -> [0.096771, 0.700007]   4/4 -> [0.510109, 1]
 *   0/1 -> [0, 0.793451]          1/2 -> [0.094531, 0.905469]   1/4 -> [0.045587, 0.699358]
 *   3/5 -> [0.230724, 0.882379]   0/4 -> [0, 0.489891]       4/5 -> [0.375535, 0.963776]
 *   3/3 -> [0.438503, 1]          1/1 -> [0.206549, 1]          0/2 -> [0, 0.657620]
 */
const WILSON: Record<string, [number, number]> = {
  '4/6': [0.299993, 0.903229],
  '3/4': [0.300642, 0.954413],
  '2/3': [0.20766, 0.938508],
  '2/2': [0.34238, 1],
  '2/6': [0.096771, 0.700007],
  '4/4': [0.510109, 1],
  '0/1': [0, 0.793451],
  '1/2': [0.094531, 0.905469],
  '1/4': [0.045587, 0.699358],
  '3/5': [0.230724, 0.882379],
  '0/4': [0, 0.489891],
  '4/5': [0.375535, 0.963776],
  '3/3': [0.438503, 1],
  '1/1': [0.206549, 1],
  '0/2': [0, 0.65762],
};
const STAGES = ['responder', 'mql', 'handed_off', 'sal', 'won'];
const DAY = 86_400;

const SOURCE_QUERY = `query($from: DateTime!, $to: DateTime!, $dimension: SourceDimension!, $attribute: String, $minPosition: String) {
  sourceComparison(from: $from, to: $to, dimension: $dimension, attribute: $attribute, minPosition: $minPosition) {
    key leads reached { stage count conversionToNext } steps { from to rate low high } overall { from to rate low high }
    wonValue averageDealValue timeToWin { count median mean p90 }
  }
}`;
const COHORT_QUERY = `query($from: DateTime!, $to: DateTime!, $granularity: Granularity!, $minPosition: String) {
  funnelCohorts(from: $from, to: $to, granularity: $granularity, minPosition: $minPosition) { start end leads reached { stage count conversionToNext } }
}`;

type Step = { from: string; to: string; rate: number | null; low: number | null; high: number | null };

function expectRate(actual: Step, from: string, to: string, fraction: string | null) {
  expect(actual.from).toBe(from);
  expect(actual.to).toBe(to);
  if (fraction === null) {
    expect(actual).toEqual({ from, to, rate: null, low: null, high: null });
    return;
  }
  const [s, n] = fraction.split('/').map(Number);
  expect(actual.rate).toBeCloseTo(s! / n!, 9);
  const [low, high] = WILSON[fraction]!;
  expect(actual.low).toBeCloseTo(low, 6);
  expect(actual.high).toBeCloseTo(high, 6);
}

function expectSteps(steps: Step[], fractions: (string | null)[]) {
  expect(steps).toHaveLength(4);
  fractions.forEach((f, i) => expectRate(steps[i]!, STAGES[i]!, STAGES[i + 1]!, f));
}

function expectReached(reached: any[], counts: number[], toNext: (number | null)[]) {
  expect(reached.map((r) => r.stage)).toEqual(STAGES);
  expect(reached.map((r) => r.count)).toEqual(counts);
  reached.forEach((r, i) => {
    if (toNext[i] === null) expect(r.conversionToNext).toBeNull();
    else expect(r.conversionToNext).toBeCloseTo(toNext[i]!, 9);
  });
}

describe('sourceComparison and funnelCohorts', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let position = '0';

  async function run(mutation: string, input: Record<string, unknown>) {
    const result = await app.gql(mutation, { input });
    expect(result.errors).toBeUndefined();
    position = Object.values(result.data!)[0].position;
  }

  const at = (iso: string) => `2026-${iso}Z`;

  async function lead(
    id: string,
    captured: string,
    source: { channel: string; campaign?: string; origin: 'MARKETING' | 'SALES'; product?: string; industry?: string },
    steps: [keyof typeof MUTATIONS, string, Record<string, unknown>][],
  ) {
    await run(MUTATIONS.capture, {
      leadId: id,
      channel: source.channel,
      origin: source.origin,
      campaign: source.campaign ?? null,
      attributes: source.product ? { product: source.product } : null,
      account: source.industry ? { industry: source.industry, name: `${id} Inc` } : null,
      occurredAt: captured,
    });
    for (const [mutation, occurredAt, input] of steps) await run(MUTATIONS[mutation], { leadId: id, occurredAt, ...input });
  }

  const hot = { budget: 20, authority: 20, need: 20, timeframe: 10, trust: 10 };

  beforeAll(async () => {
    app = await startTestApp();
    await lead('L1', at('01-05T10:00:00'), { channel: 'web', campaign: 'spring', origin: 'MARKETING', product: 'alpha', industry: 'software' }, [
      ['score', at('01-06T10:00:00'), hot],
      ['handOff', at('01-07T10:00:00'), { ownerId: 'sam' }],
      ['accept', at('01-08T10:00:00'), { by: 'sam' }],
      ['won', at('01-15T10:00:00'), { amount: 10000 }],
    ]);
    await lead('L2', at('01-10T10:00:00'), { channel: 'web', campaign: 'spring', origin: 'MARKETING', product: 'beta', industry: 'retail' }, [
      ['score', at('01-11T10:00:00'), hot],
      ['handOff', at('01-12T10:00:00'), { ownerId: 'sam' }],
      ['accept', at('01-13T10:00:00'), { by: 'sam' }],
      ['won', at('01-30T10:00:00'), { amount: 5000 }],
    ]);
    await lead('L3', at('01-12T10:00:00'), { channel: 'web', campaign: 'summer', origin: 'MARKETING', product: 'alpha' }, [
      ['score', at('01-13T10:00:00'), hot],
      ['handOff', at('01-14T10:00:00'), { ownerId: 'kim' }],
      ['lost', at('01-20T10:00:00'), { reason: 'no_budget' }],
    ]);
    await lead('L4', at('01-15T10:00:00'), { channel: 'web', campaign: 'summer', origin: 'MARKETING', industry: 'software' }, [
      ['score', at('01-16T10:00:00'), { budget: 10, authority: 10, need: 10, timeframe: 5, trust: 5 }],
    ]);
    await lead('L5', at('03-02T10:00:00'), { channel: 'web', origin: 'MARKETING' }, [['score', at('03-03T10:00:00'), hot]]);
    await lead('L6', at('03-03T09:00:00'), { channel: 'event', campaign: 'spring', origin: 'SALES', product: 'alpha', industry: 'software' }, [
      ['accept', at('03-04T09:00:00'), { by: 'ann' }],
      ['won', at('03-13T09:00:00'), { amount: 30000 }],
    ]);
    await lead('L7', at('03-05T10:00:00'), { channel: 'event', campaign: 'summer', origin: 'SALES' }, [['accept', at('03-06T10:00:00'), { by: 'ann' }]]);
    await lead('L8', at('03-10T10:00:00'), { channel: 'event', campaign: 'spring', origin: 'MARKETING', product: 'beta' }, [
      ['score', at('03-11T10:00:00'), hot],
    ]);
    await lead('L9', at('03-12T10:00:00'), { channel: 'event', campaign: 'summer', origin: 'MARKETING' }, [
      ['handOff', at('03-13T10:00:00'), { ownerId: 'kim' }],
    ]);
    await lead('L10', at('03-20T10:00:00'), { channel: 'web', campaign: 'spring', origin: 'MARKETING' }, []);
    await lead('X1', '2025-12-31T23:00:00Z', { channel: 'web', campaign: 'spring', origin: 'MARKETING' }, []);
    await lead('X2', at('04-01T00:00:00'), { channel: 'web', campaign: 'spring', origin: 'MARKETING' }, []);
  }, 120_000);
  afterAll(async () => app?.close());

  const range = { from: '2026-01-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
  async function compare(dimension: string, attribute?: string) {
    const { data, errors } = await app.gql(SOURCE_QUERY, { ...range, dimension, attribute, minPosition: position });
    expect(errors).toBeUndefined();
    return data!.sourceComparison as any[];
  }

  it('compares channels: reach, steps with Wilson intervals, overall, won value and time to win', async () => {
    const [web, event, ...rest] = await compare('CHANNEL');
    expect(rest).toEqual([]);
    expect(web.key).toBe('web');
    expect(web.leads).toBe(6);
    expectReached(web.reached, [6, 4, 3, 2, 2], [4 / 6, 3 / 4, 2 / 3, 1, null]);
    expectSteps(web.steps, ['4/6', '3/4', '2/3', '2/2']);
    expectRate(web.overall, 'responder', 'won', '2/6');
    expect(web.wonValue).toBe(15000);
    expect(web.averageDealValue).toBe(7500);
    expect(web.timeToWin.count).toBe(2);
    expect(web.timeToWin.median).toBeCloseTo(15 * DAY, 6);
    expect(web.timeToWin.mean).toBeCloseTo(15 * DAY, 6);
    expect(web.timeToWin.p90).toBeCloseTo(1641600, 6);

    expect(event.key).toBe('event');
    expect(event.leads).toBe(4);
    expectReached(event.reached, [4, 1, 1, 2, 1], [1, 0, 0, 1 / 2, null]);
    expectSteps(event.steps, ['4/4', '0/1', '0/1', '1/2']);
    expectRate(event.overall, 'responder', 'won', '1/4');
    expect(event.wonValue).toBe(30000);
    expect(event.averageDealValue).toBe(30000);
    expect(event.timeToWin).toEqual({ count: 1, median: 10 * DAY, mean: 10 * DAY, p90: 10 * DAY });
  });

  it('compares campaigns, with leads without a campaign in (none)', async () => {
    const rows = await compare('CAMPAIGN');
    expect(rows.map((r) => [r.key, r.leads])).toEqual([['spring', 5], ['summer', 4], ['(none)', 1]]);
    const [spring, summer, none] = rows;
    expectReached(spring.reached, [5, 3, 2, 3, 3], [4 / 5, 2 / 3, 1, 1, null]);
    expectSteps(spring.steps, ['4/5', '2/3', '2/2', '3/3']);
    expectRate(spring.overall, 'responder', 'won', '3/5');
    expect(spring.wonValue).toBe(45000);
    expect(spring.averageDealValue).toBe(15000);
    expect(spring.timeToWin.count).toBe(3);
    expect(spring.timeToWin.median).toBeCloseTo(864000, 6);
    expect(spring.timeToWin.mean).toBeCloseTo(1152000, 6);
    expect(spring.timeToWin.p90).toBeCloseTo(1555200, 6);

    expectReached(summer.reached, [4, 1, 2, 1, 0], [3 / 4, 1, 0, 0, null]);
    expectSteps(summer.steps, ['3/4', '1/1', '0/2', '0/1']);
    expectRate(summer.overall, 'responder', 'won', '0/4');
    expect(summer.wonValue).toBe(0);
    expect(summer.averageDealValue).toBeNull();
    expect(summer.timeToWin).toEqual({ count: 0, median: null, mean: null, p90: null });

    expectReached(none.reached, [1, 1, 0, 0, 0], [1, 0, null, null, null]);
    expectSteps(none.steps, ['1/1', '0/1', null, null]);
    expectRate(none.overall, 'responder', 'won', '0/1');
  });

  it('compares origins: a sales lead accepted directly counts as having gone past the skipped stages', async () => {
    const [marketing, sales] = await compare('ORIGIN');
    expect(marketing.key).toBe('MARKETING');
    expect(marketing.leads).toBe(8);
    expect(marketing.reached.map((r: any) => r.count)).toEqual([8, 5, 4, 2, 2]);
    expect(sales.key).toBe('SALES');
    expect(sales.leads).toBe(2);
    expectReached(sales.reached, [2, 0, 0, 2, 1], [1, null, null, 1 / 2, null]);
    expectSteps(sales.steps, ['2/2', null, null, '1/2']);
    expectRate(sales.overall, 'responder', 'won', '1/2');
    expect(sales.wonValue).toBe(30000);
  });

  it('compares by a capture attribute and by an account field, with (none)', async () => {
    const products = await compare('ATTRIBUTE', 'product');
    expect(products.map((r) => [r.key, r.leads, r.reached.map((s: any) => s.count), r.wonValue])).toEqual([
      ['(none)', 5, [5, 1, 1, 1, 0], 0],
      ['alpha', 3, [3, 2, 2, 2, 2], 40000],
      ['beta', 2, [2, 2, 1, 1, 1], 5000],
    ]);
    expectRate(products[1].overall, 'responder', 'won', '2/3');
    expect(products[1].averageDealValue).toBe(20000);

    const industries = await compare('ATTRIBUTE', 'industry');
    expect(industries.map((r) => [r.key, r.leads, r.reached.map((s: any) => s.count), r.wonValue])).toEqual([
      ['(none)', 6, [6, 3, 2, 1, 0], 0],
      ['software', 3, [3, 1, 1, 2, 2], 40000],
      ['retail', 1, [1, 1, 1, 1, 1], 5000],
    ]);
  });

  it('cuts monthly cohorts over Jan..Mar, the empty February included', async () => {
    const { data, errors } = await app.gql(COHORT_QUERY, { ...range, granularity: 'MONTH', minPosition: position });
    expect(errors).toBeUndefined();
    const [jan, feb, mar, ...rest] = data!.funnelCohorts;
    expect(rest).toEqual([]);
    expect([jan.start, jan.end, feb.start, feb.end, mar.start, mar.end]).toEqual([
      '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z',
    ]);
    expect(jan.leads).toBe(4);
    expectReached(jan.reached, [4, 3, 3, 2, 2], [3 / 4, 1, 2 / 3, 1, null]);
    expect(feb.leads).toBe(0);
    expectReached(feb.reached, [0, 0, 0, 0, 0], [null, null, null, null, null]);
    expect(mar.leads).toBe(6);
    expectReached(mar.reached, [6, 2, 1, 2, 1], [5 / 6, 0, 0, 1 / 2, null]);
  });

  it('refuses from >= to and ATTRIBUTE without attribute with BAD_USER_INPUT', async () => {
    const same = { from: range.from, to: range.from };
    for (const [query, variables] of [
      [SOURCE_QUERY, { ...same, dimension: 'CHANNEL' }],
      [SOURCE_QUERY, { from: range.to, to: range.from, dimension: 'CHANNEL' }],
      [SOURCE_QUERY, { ...range, dimension: 'ATTRIBUTE' }],
      [SOURCE_QUERY, { ...range, dimension: 'ATTRIBUTE', attribute: ' ' }],
      [COHORT_QUERY, { ...same, granularity: 'MONTH' }],
    ] as const) {
      const { errors } = await app.gql(query, variables);
      expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
