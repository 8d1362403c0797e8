import { startTestApp } from './test-app.js';
import { MUTATIONS } from './graphql-client.js';

/*
 * A history of 8 leads recorded through the mutations (all instants 2026, UTC; the default definition's time zone
 * is UTC). Stages: R = responder, M = mql, H = handed_off, S = sal, W = won. Value = the lead's latest known value
 * at the exit (now, for an open visit).
 *
 * lead A (MARKETING): capture 01-05T10 est 1000; score 80 01-06T10; hand-off 01-08T10 est 2000; accept 01-10T10; won 5000 02-02T10
 * lead B (MARKETING): capture 01-12 est 500; score 90 01-14; hand-off 01-15; reject 01-20; recycle (-> responder) 02-03;
 *                     score 85 02-04; hand-off 02-10 est 800; accept 02-12; lost value 300 03-03
 * lead C (MARKETING): capture 01-15T00; score 75 01-15T06; hand-off 01-17 est 200; reject 02-05 (no recycle)
 * lead D (MARKETING): capture 01-20 est 300; lost value 100 01-25
 * lead E (MARKETING): capture 02-14 est 700; score 80 02-15T12
 * lead F (SALES):     capture 02-20 est 4000; accept 02-21 (skips mql and handed_off); won 6000 03-10
 * lead G (PARTNER):   capture 03-01 est 1500; accept 03-02; recycle (-> responder) 03-05
 * lead H (MARKETING): capture 03-20; score 50 03-21 (below the threshold: no visit)
 *
 * Visits                enteredAt    exitedAt     exit       value  seconds in stage
 * A  R                 01-05T10     01-06T10     advanced    1000    86400
 * A  M                 01-06T10     01-08T10     advanced    2000   172800
 * A  H                 01-08T10     01-10T10     advanced    2000   172800
 * A  S                 01-10T10     02-02T10     advanced    5000  1987200
 * A  W                 02-02T10     -            open        5000
 * B  R (1)             01-12        01-14        advanced     500   172800
 * B  M (1)             01-14        01-15        advanced     500    86400
 * B  H (1)             01-15        01-20        recycled     500   (rejected 01-20, turned recycled by 02-03)
 * B  R (2)             02-03        02-04        advanced     500    86400
 * B  M (2)             02-04        02-10        advanced     800   518400
 * B  H (2)             02-10        02-12        advanced     800   172800
 * B  S                 02-12        03-03        lost         300
 * C  R                 01-15T00     01-15T06     advanced       0    21600
 * C  M                 01-15T06     01-17        advanced     200   151200
 * C  H                 01-17        02-05        rejected     200
 * D  R                 01-20        01-25        lost         100
 * E  R                 02-14        02-15T12     advanced     700   129600
 * E  M                 02-15T12     -            open         700
 * F  R                 02-20        02-21        advanced    4000    86400
 * F  S                 02-21        03-10        advanced    6000  1468800
 * F  W                 03-10        -            open        6000
 * G  R (1)             03-01        03-02        advanced    1500    86400
 * G  S                 03-02        03-05        recycled    1500
 * G  R (2)             03-05        -            open        1500
 * H  R                 03-20        -            open           0
 *
 * Sums by entry month (counts ent/adv/rec/rej/lost/open; values ent/adv/rec/rej/lost/open):
 * Jan R: A,B1,C,D        4/3/0/0/1/0   1600/1500/0/0/100/0   velocity [21600,86400,172800]: med 86400 mean 93600 p90 155520
 * Jan M: A,B1,C          3/3/0/0/0/0   2700/2700/0/0/0/0     velocity [86400,151200,172800]: med 151200 mean 136800 p90 168480
 * Jan H: A,B1,C          3/1/1/1/0/0   2700/2000/500/200/0/0 velocity [172800]
 * Jan S: A               1/1/0/0/0/0   5000/5000/0/0/0/0     velocity [1987200]
 * Jan W: -               zeros, ratios null
 * Feb R: B2,E,F          3/3/0/0/0/0   5200/5200/0/0/0/0     velocity [86400,86400,129600]: med 86400 mean 100800 p90 120960
 * Feb M: B2,E            2/1/0/0/0/1   1500/800/0/0/0/700    velocity [518400]
 * Feb H: B2              1/1/0/0/0/0   800/800/0/0/0/0       velocity [172800]
 * Feb S: B,F             2/1/0/0/1/0   6300/6000/0/0/300/0   velocity [1468800]
 * Feb W: A               1/0/0/0/0/1   5000/0/0/0/0/5000     velocity []
 * Mar R: G1,G2,H         3/1/0/0/0/2   3000/1500/0/0/0/1500  velocity [86400]
 * Mar M, Mar H: -        zeros, ratios null
 * Mar S: G               1/0/1/0/0/0   1500/0/1500/0/0/0     velocity []
 * Mar W: F               1/0/0/0/0/1   6000/0/0/0/0/6000     velocity []
 *
 * Flow by exit month (exitedAdvanced/Recycled/Rejected/Lost):
 * Jan R 3/0/0/1 (A,B1,C adv; D lost)  M 3/0/0/0  H 1/1/0/0 (A adv; B1 recycled, exited 01-20)  S 0  W 0
 * Feb R 3/0/0/0 (B2,E,F)  M 1/0/0/0 (B2)  H 1/0/1/0 (B2 adv; C rejected 02-05)  S 1/0/0/0 (A)  W 0
 * Mar R 1/0/0/0 (G1)  M 0  H 0  S 1/1/0/1 (F adv, G recycled, B lost)  W 0
 */

type Counts = [number, number, number, number, number, number];
type Flow = [number, number, number, number];

function stats(stage: string, c: Counts, v: Counts, velocity: number[], flow: Flow, velocityStats?: { median: number; mean: number; p90: number }) {
  const [entered, advanced, recycled, rejected, lost, open] = c;
  const [enteredValue, advancedValue, recycledValue, rejectedValue, lostValue, openValue] = v;
  const ratio = (n: number, d: number) => (d === 0 ? null : expect.closeTo(n / d, 10));
  const one = velocity.length === 1 ? velocity[0]! : null;
  const vs = velocityStats ?? (one === null ? null : { median: one, mean: one, p90: one });
  return {
    stage,
    entered, advanced, recycled, rejected, lost, open,
    enteredValue, advancedValue, recycledValue, rejectedValue, lostValue, openValue,
    leakedValue: rejectedValue + lostValue,
    conversion: ratio(advanced, entered),
    leakage: ratio(rejected + lost, entered),
    recycling: ratio(recycled, entered),
    conversionByValue: ratio(advancedValue, enteredValue),
    leakageByValue: ratio(rejectedValue + lostValue, enteredValue),
    recyclingByValue: ratio(recycledValue, enteredValue),
    velocity: {
      count: velocity.length,
      median: vs ? expect.closeTo(vs.median, 6) : null,
      mean: vs ? expect.closeTo(vs.mean, 6) : null,
      p90: vs ? expect.closeTo(vs.p90, 6) : null,
    },
    exitedAdvanced: flow[0], exitedRecycled: flow[1], exitedRejected: flow[2], exitedLost: flow[3],
  };
}
const Z: Counts = [0, 0, 0, 0, 0, 0];
const NOFLOW: Flow = [0, 0, 0, 0];
const empty = (stage: string) => stats(stage, Z, Z, [], NOFLOW);
const STAGES = ['responder', 'mql', 'handed_off', 'sal', 'won'];

const WATERFALL = `
  query($from: DateTime!, $to: DateTime!, $granularity: Granularity!, $definition: String, $minPosition: String) {
    waterfall(from: $from, to: $to, granularity: $granularity, definition: $definition, minPosition: $minPosition) {
      definition timeZone
      periods { start end stages {
        stage entered advanced recycled rejected lost open
        enteredValue advancedValue recycledValue rejectedValue lostValue openValue leakedValue
        conversion leakage recycling conversionByValue leakageByValue recyclingByValue
        velocity { count median mean p90 }
        exitedAdvanced exitedRecycled exitedRejected exitedLost
      } }
    }
  }
`;

const at = (s: string) => `2026-${s.length === 5 ? `${s}T00:00` : s}:00.000Z`;
const score = (total: 50 | 75 | 80 | 85 | 90) =>
  ({
    50: { budget: 10, authority: 10, need: 10, timeframe: 10, trust: 10 },
    75: { budget: 15, authority: 15, need: 15, timeframe: 15, trust: 15 },
    80: { budget: 20, authority: 20, need: 20, timeframe: 10, trust: 10 },
    85: { budget: 20, authority: 20, need: 20, timeframe: 15, trust: 10 },
    90: { budget: 20, authority: 20, need: 20, timeframe: 20, trust: 10 },
  })[total];

type Step = [keyof typeof MUTATIONS, string, Record<string, unknown>];
const HISTORY: Record<string, Step[]> = {
  'wf-a': [
    ['capture', '01-05T10:00', { channel: 'web', origin: 'MARKETING', estimatedValue: 1000 }],
    ['score', '01-06T10:00', score(80)],
    ['handOff', '01-08T10:00', { ownerId: 'sam', estimatedValue: 2000 }],
    ['accept', '01-10T10:00', { by: 'sam' }],
    ['won', '02-02T10:00', { amount: 5000 }],
  ],
  'wf-b': [
    ['capture', '01-12', { channel: 'web', origin: 'MARKETING', estimatedValue: 500 }],
    ['score', '01-14', score(90)],
    ['handOff', '01-15', { ownerId: 'sam' }],
    ['reject', '01-20', { by: 'sam', reason: 'no budget yet' }],
    ['recycle', '02-03', { reason: 'budget next quarter' }],
    ['score', '02-04', score(85)],
    ['handOff', '02-10', { ownerId: 'kim', estimatedValue: 800 }],
    ['accept', '02-12', { by: 'kim' }],
    ['lost', '03-03', { reason: 'competitor', value: 300 }],
  ],
  'wf-c': [
    ['capture', '01-15', { channel: 'event', origin: 'MARKETING' }],
    ['score', '01-15T06:00', score(75)],
    ['handOff', '01-17', { ownerId: 'sam', estimatedValue: 200 }],
    ['reject', '02-05', { by: 'sam', reason: 'not a fit' }],
  ],
  'wf-d': [
    ['capture', '01-20', { channel: 'web', origin: 'MARKETING', estimatedValue: 300 }],
    ['lost', '01-25', { reason: 'went dark', value: 100 }],
  ],
  'wf-e': [
    ['capture', '02-14', { channel: 'web', origin: 'MARKETING', estimatedValue: 700 }],
    ['score', '02-15T12:00', score(80)],
  ],
  'wf-f': [
    ['capture', '02-20', { channel: 'outbound', origin: 'SALES', estimatedValue: 4000 }],
    ['accept', '02-21', { by: 'kim' }],
    ['won', '03-10', { amount: 6000 }],
  ],
  'wf-g': [
    ['capture', '03-01', { channel: 'partner', origin: 'PARTNER', estimatedValue: 1500 }],
    ['accept', '03-02', { by: 'kim' }],
    ['recycle', '03-05', { reason: 'timing' }],
  ],
  'wf-h': [
    ['capture', '03-20', { channel: 'web', origin: 'MARKETING' }],
    ['score', '03-21', score(50)],
  ],
};

describe('waterfall', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let position = '0';

  beforeAll(async () => {
    app = await startTestApp();
    for (const [leadId, steps] of Object.entries(HISTORY)) {
      for (const [mutation, when, input] of steps) {
        const result = await app.gql(MUTATIONS[mutation], { input: { leadId, occurredAt: at(when), ...input } });
        expect(result.errors).toBeUndefined();
        const p = Object.values(result.data!)[0].position as string;
        if (BigInt(p) > BigInt(position)) position = p;
      }
    }
  });
  afterAll(async () => app?.close());

  const query = (variables: Record<string, unknown>) => app.gql(WATERFALL, { minPosition: position, ...variables });

  it('MONTH, January..March: every field of every stage in every period, as computed by hand', async () => {
    const { data, errors } = await query({ from: at('01-01'), to: at('04-01'), granularity: 'MONTH' });
    expect(errors).toBeUndefined();
    const w = data!.waterfall;
    expect(w.definition).toBe('default@1');
    expect(w.timeZone).toBe('UTC');
    expect(w.periods.map((p: any) => [p.start, p.end])).toEqual([
      [at('01-01'), at('02-01')],
      [at('02-01'), at('03-01')],
      [at('03-01'), at('04-01')],
    ]);
    for (const p of w.periods) expect(p.stages.map((s: any) => s.stage)).toEqual(STAGES);

    expect(w.periods[0].stages).toEqual([
      stats('responder', [4, 3, 0, 0, 1, 0], [1600, 1500, 0, 0, 100, 0], [21600, 86400, 172800], [3, 0, 0, 1], { median: 86400, mean: 93600, p90: 155520 }),
      stats('mql', [3, 3, 0, 0, 0, 0], [2700, 2700, 0, 0, 0, 0], [86400, 151200, 172800], [3, 0, 0, 0], { median: 151200, mean: 136800, p90: 168480 }),
      stats('handed_off', [3, 1, 1, 1, 0, 0], [2700, 2000, 500, 200, 0, 0], [172800], [1, 1, 0, 0]),
      stats('sal', [1, 1, 0, 0, 0, 0], [5000, 5000, 0, 0, 0, 0], [1987200], NOFLOW),
      empty('won'),
    ]);
    expect(w.periods[1].stages).toEqual([
      stats('responder', [3, 3, 0, 0, 0, 0], [5200, 5200, 0, 0, 0, 0], [86400, 86400, 129600], [3, 0, 0, 0], { median: 86400, mean: 100800, p90: 120960 }),
      stats('mql', [2, 1, 0, 0, 0, 1], [1500, 800, 0, 0, 0, 700], [518400], [1, 0, 0, 0]),
      stats('handed_off', [1, 1, 0, 0, 0, 0], [800, 800, 0, 0, 0, 0], [172800], [1, 0, 1, 0]),
      stats('sal', [2, 1, 0, 0, 1, 0], [6300, 6000, 0, 0, 300, 0], [1468800], [1, 0, 0, 0]),
      stats('won', [1, 0, 0, 0, 0, 1], [5000, 0, 0, 0, 0, 5000], [], NOFLOW),
    ]);
    expect(w.periods[2].stages).toEqual([
      stats('responder', [3, 1, 0, 0, 0, 2], [3000, 1500, 0, 0, 0, 1500], [86400], [1, 0, 0, 0]),
      empty('mql'),
      empty('handed_off'),
      stats('sal', [1, 0, 1, 0, 0, 0], [1500, 0, 1500, 0, 0, 0], [], [1, 1, 0, 1]),
      stats('won', [1, 0, 0, 0, 0, 1], [6000, 0, 0, 0, 0, 6000], [], NOFLOW),
    ]);
    // spot checks of the ratios against literal values
    expect(w.periods[0].stages[0]).toMatchObject({ conversion: 0.75, leakage: 0.25, recycling: 0, conversionByValue: 0.9375, leakageByValue: 0.0625 });
    expect(w.periods[2].stages[4]).toMatchObject({ conversion: 0, leakage: 0, recycling: 0, conversionByValue: 0 });
  });

  it('DAY, one day (2026-01-15): only the visits entered and exited that day', async () => {
    const { data, errors } = await query({ from: at('01-15'), to: at('01-16'), granularity: 'DAY' });
    expect(errors).toBeUndefined();
    expect(data!.waterfall.periods).toEqual([
      {
        start: at('01-15'),
        end: at('01-16'),
        stages: [
          // C's responder visit entered and advanced that day; the flow also counts it
          stats('responder', [1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [21600], [1, 0, 0, 0]),
          // C's mql entered at 06:00 (advanced 01-17, value 200); B's mql visit exited advanced at 00:00
          stats('mql', [1, 1, 0, 0, 0, 0], [200, 200, 0, 0, 0, 0], [151200], [1, 0, 0, 0]),
          // B's first hand-off visit, rejected 01-20 then recycled
          stats('handed_off', [1, 0, 1, 0, 0, 0], [500, 0, 500, 0, 0, 0], [], NOFLOW),
          empty('sal'),
          empty('won'),
        ],
      },
    ]);
    // conversionByValue of the responder: value sum 0 -> null, while conversion by count is 1
    expect(data!.waterfall.periods[0].stages[0]).toMatchObject({ conversion: 1, conversionByValue: null });
  });

  it('empty periods come back with zeros and null ratios', async () => {
    const { data, errors } = await query({ from: '2025-11-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z', granularity: 'MONTH' });
    expect(errors).toBeUndefined();
    expect(data!.waterfall.periods).toEqual([
      { start: '2025-11-01T00:00:00.000Z', end: '2025-12-01T00:00:00.000Z', stages: STAGES.map(empty) },
      { start: '2025-12-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z', stages: STAGES.map(empty) },
    ]);
    expect(data!.waterfall.periods[0].stages[0]).toMatchObject({ entered: 0, conversion: null, velocity: { count: 0, median: null, mean: null, p90: null } });
  });

  it('counts only what happened in [from, to) when from falls inside a period (the period is reported whole)', async () => {
    // responder visits entered from 01-15T00 (inclusive) to 02-01: C (01-15T00, advanced) and D (01-20, lost);
    // A (01-05) and B (01-12) entered before from and are not counted. Exits in range: C 01-15T06, D 01-25.
    const { data, errors } = await query({ from: at('01-15T00:00'), to: at('02-01'), granularity: 'MONTH' });
    expect(errors).toBeUndefined();
    const [january] = data!.waterfall.periods;
    expect(january).toMatchObject({ start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' });
    expect(january.stages[0]).toMatchObject({ stage: 'responder', entered: 2, advanced: 1, lost: 1, exitedAdvanced: 1, exitedLost: 1 });
  });

  it('refuses from >= to with BAD_USER_INPUT naming the field', async () => {
    for (const [from, to] of [[at('02-01'), at('01-01')], [at('01-01'), at('01-01')]]) {
      const { data, errors } = await query({ from, to, granularity: 'MONTH' });
      expect(data).toBeNull();
      expect(errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
      expect(errors![0]!.message).toMatch(/to .* must be later than from/);
    }
  });

  it('refuses more than 1,000 periods with BAD_USER_INPUT', async () => {
    const { errors } = await query({ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', granularity: 'DAY' });
    expect(errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'granularity' });
  });

  it('an unknown definition is NOT_FOUND', async () => {
    const { data, errors } = await query({ from: at('01-01'), to: at('02-01'), granularity: 'MONTH', definition: 'nope@9' });
    expect(data).toBeNull();
    expect(errors![0]!.extensions!.code).toBe('NOT_FOUND');
    expect(errors![0]!.message).toContain('nope@9');
  });

  it('the schema: the waterfall query with its arguments', async () => {
    const { data } = await app.gql(`{ __schema { queryType { fields { name args { name type { kind name ofType { name } } } } } } }`);
    const field = data!.__schema.queryType.fields.find((f: any) => f.name === 'waterfall');
    const typeOf = (t: any): string => (t.kind === 'NON_NULL' ? `${t.ofType.name}!` : t.name);
    expect(Object.fromEntries(field.args.map((a: any) => [a.name, typeOf(a.type)]))).toEqual({
      from: 'DateTime!', to: 'DateTime!', granularity: 'Granularity!', definition: 'String', minPosition: 'String',
      scenarioId: 'ID', asOf: 'DateTime',
    });
  });
});
