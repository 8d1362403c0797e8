import { recordHistories, type HistoryStep as Step, type LeadHistories } from './graphql-client.js';
import { startTestApp } from './test-app.js';

/*
 * Default definition: UTC, 5 working days (Mon-Fri, 24 h each, no holidays). now = 2026-02-25T00:00:00Z.
 *
 * | case  | owner/team  | channel/campaign     | hand-off (UTC)     | due                | resolution             | status   | working s | calendar s |
 * |-------|-------------|----------------------|--------------------|--------------------|------------------------|----------|-----------|------------|
 * | L1#1  | alice/east  | web/spring           | Mon 01-05 09:00    | Mon 01-12 09:00    | Accepted 01-07 09:00   | MET      | 172800    | 172800     |
 * | L2#1  | bob/west    | web/(none)           | Fri 01-09 15:00    | Fri 01-16 15:00    | Accepted 01-19 15:00   | BREACHED | 518400    | 864000     |
 * | L3#1  | alice/east  | trade show/spring    | Tue 01-13 10:00    | Tue 01-20 10:00    | Rejected 01-15 16:00   | MET      | 194400    | 194400     |
 * | L4#1  | bob/(none)  | trade show/(none)    | Thu 01-15 12:00    | Thu 01-22 12:00    | Lost 01-20 12:00       | MET      | 259200    | 432000     |
 * | L7#1  | bob/west    | web/spring           | Sat 01-24 10:00    | Sat 01-31 00:00    | Accepted 01-31 00:00   | MET      | 432000    | 568800     |
 * | L8#1  | alice/east  | web/spring           | Tue 01-27 09:00    | Tue 02-03 09:00    | -                      | BREACHED | overdue by 1868400 (21d15h)  |
 * | L3#2  | bob/west    | trade show/spring    | Mon 02-02 08:00    | Mon 02-09 08:00    | Accepted 02-03 08:00   | MET      | 86400     | 86400      |
 * | L6#1  | bob/west    | trade show/(none)    | Mon 02-02 12:00    | Mon 02-09 12:00    | -                      | BREACHED | overdue by 1339200 (15d12h)  |
 * | L5#1  | alice/east  | web/summer           | Fri 02-20 10:00    | Fri 02-27 10:00    | -                      | OPEN     | -         | -          |
 * | L9#1  | alice/east  | web/spring           | Wed 2025-12-31 23:00 (before from: in no period, not overdue)                                   |
 * L3 is rejected, recycled (01-16 09:00) and handed off again: its second hand-off opens case 2.
 * L7: the clock starts Mon 01-26 00:00, 5 full working days end Sat 01-31 00:00; resolved exactly then = MET.
 *
 * January, NONE: met 4 (L1, L3#1, L4, L7), breached 2 (L2, L8), open 0, compliance 4/6.
 *   working sorted 172800, 194400, 259200, 432000, 518400: median 259200, mean 315360, p90 = 432000 + 0.6 * 86400 = 483840
 *   calendar sorted 172800, 194400, 432000, 568800, 864000: median 432000, mean 446400, p90 = 568800 + 0.6 * 295200 = 745920
 * February, NONE: met 1 (L3#2), breached 1 (L6), open 1 (L5), compliance 0.5; working = calendar = [86400].
 * March: no cases.
 * OWNER January: alice (L1, L3#1, L8): 2/1/0, working = calendar = [172800, 194400] -> median 183600, mean 183600, p90 192240
 *                bob (L2, L4, L7): 2/1/0, working [259200, 432000, 518400] -> 432000, 403200, p90 432000 + 0.8 * 86400 = 501120
 *                                  calendar [432000, 568800, 864000] -> 568800, 621600, p90 568800 + 0.8 * 295200 = 804960
 * OWNER February: alice (L5) 0/0/1, compliance null, no durations; bob (L3#2, L6) 1/1/0, [86400].
 * CHANNEL January: "trade show" (L3#1, L4) 2/0/0, compliance 1, working [194400, 259200] -> 226800, 226800, p90 252720;
 *                    calendar [194400, 432000] -> 313200, 313200, p90 408240
 *                  "web" (L1, L2, L7, L8) 2/2/0, working [172800, 432000, 518400] -> 432000, 374400, p90 501120;
 *                    calendar [172800, 568800, 864000] -> 568800, 535200, p90 804960
 * CHANNEL February: "trade show" (L3#2, L6) 1/1/0 [86400]; "web" (L5) 0/0/1.
 * CAMPAIGN January: "(none)" (L2, L4) 1/1/0, working [259200, 518400] -> 388800, 388800, p90 492480;
 *                     calendar [432000, 864000] -> 648000, 648000, p90 820800
 *                   "spring" (L1, L3#1, L7, L8) 3/1/0, compliance 0.75, working [172800, 194400, 432000] -> 194400, 266400,
 *                     p90 194400 + 0.8 * 237600 = 384480; calendar [172800, 194400, 568800] -> 194400, 312000, p90 493920
 * CAMPAIGN February: "(none)" (L6) 0/1/0; "spring" (L3#2) 1/0/0 [86400]; "summer" (L5) 0/0/1.
 * overdue (oldest due first): L8#1 (overdueBy 1868400), L6#1 (overdueBy 1339200).
 */

const NOW = '2026-02-25T00:00:00.000Z';
const FROM = '2026-01-01T00:00:00.000Z';
const TO = '2026-04-01T00:00:00.000Z';

const REPORT = `
  query($from: DateTime!, $to: DateTime!, $granularity: Granularity!, $groupBy: SlaGroupBy, $minPosition: String, $now: DateTime) {
    slaCompliance(from: $from, to: $to, granularity: $granularity, groupBy: $groupBy, minPosition: $minPosition, now: $now) {
      periods {
        start end
        groups {
          key met breached open compliance
          responseTime { count median mean p90 }
          calendarResponseTime { count median mean p90 }
        }
      }
      overdue { leadId caseNumber handedOffAt dueAt resolvedAt resolvedBy status ownerId team overdueBy }
    }
  }
`;



const capture = (channel: string, campaign: string | null, at: string): Step => [
  'capture',
  { channel, campaign, origin: 'MARKETING', occurredAt: at },
];
const handOff = (ownerId: string, team: string | null, at: string): Step => ['handOff', { ownerId, team, occurredAt: at }];
const accept = (at: string): Step => ['accept', { by: 'sales', occurredAt: at }];

const LEADS: LeadHistories = {
  'sla-L1': [capture('web', 'spring', '2026-01-02T08:00:00Z'), handOff('alice', 'east', '2026-01-05T09:00:00Z'), accept('2026-01-07T09:00:00Z')],
  'sla-L2': [capture('web', null, '2026-01-02T08:00:00Z'), handOff('bob', 'west', '2026-01-09T15:00:00Z'), accept('2026-01-19T15:00:00Z')],
  'sla-L3': [
    capture('trade show', 'spring', '2026-01-02T08:00:00Z'),
    handOff('alice', 'east', '2026-01-13T10:00:00Z'),
    ['reject', { by: 'sales', reason: 'no budget', occurredAt: '2026-01-15T16:00:00Z' }],
    ['recycle', { reason: 'timing', occurredAt: '2026-01-16T09:00:00Z' }],
    handOff('bob', 'west', '2026-02-02T08:00:00Z'),
    accept('2026-02-03T08:00:00Z'),
  ],
  'sla-L4': [
    capture('trade show', null, '2026-01-02T08:00:00Z'),
    handOff('bob', null, '2026-01-15T12:00:00Z'),
    ['lost', { reason: 'competitor', occurredAt: '2026-01-20T12:00:00Z' }],
  ],
  'sla-L5': [capture('web', 'summer', '2026-02-01T08:00:00Z'), handOff('alice', 'east', '2026-02-20T10:00:00Z')],
  'sla-L6': [capture('trade show', null, '2026-01-30T08:00:00Z'), handOff('bob', 'west', '2026-02-02T12:00:00Z')],
  'sla-L7': [capture('web', 'spring', '2026-01-20T08:00:00Z'), handOff('bob', 'west', '2026-01-24T10:00:00Z'), accept('2026-01-31T00:00:00Z')],
  'sla-L8': [capture('web', 'spring', '2026-01-20T08:00:00Z'), handOff('alice', 'east', '2026-01-27T09:00:00Z')],
  'sla-L9': [capture('web', 'spring', '2025-12-30T08:00:00Z'), handOff('alice', 'east', '2025-12-31T23:00:00Z')],
};

interface Stats {
  count: number;
  median: number | null;
  mean: number | null;
  p90: number | null;
}
const stats = (count: number, median: number | null = null, mean: number | null = null, p90: number | null = null): Stats => ({ count, median, mean, p90 });
const same = (s: Stats) => ({ responseTime: s, calendarResponseTime: s });
const group = (key: string, met: number, breached: number, open: number, compliance: number | null, durations: { responseTime: Stats; calendarResponseTime: Stats }) => ({
  key,
  met,
  breached,
  open,
  compliance,
  ...durations,
});
const NO_DURATIONS = same(stats(0));
const ONE_DAY = same(stats(1, 86400, 86400, 86400));

const PERIOD_BOUNDS = [
  { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' },
  { start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' },
  { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' },
];
const periods = (jan: unknown[], feb: unknown[]) => [
  { ...PERIOD_BOUNDS[0], groups: jan },
  { ...PERIOD_BOUNDS[1], groups: feb },
  { ...PERIOD_BOUNDS[2], groups: [] },
];

/** Floats from percentile_cont/avg and ratios: compare at 1e-6. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e6) / 1e6;
  if (Array.isArray(value)) return value.map(rounded);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

describe('slaCompliance', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let position = '0';

  beforeAll(async () => {
    app = await startTestApp();
    position = await recordHistories(app.gql, LEADS);
  });
  afterAll(async () => app?.close());

  async function report(groupBy: string, extra: Record<string, unknown> = {}) {
    const result = await app.gql(REPORT, { from: FROM, to: TO, granularity: 'MONTH', groupBy, minPosition: position, now: NOW, ...extra });
    expect(result.errors).toBeUndefined();
    return result.data!.slaCompliance;
  }

  const OVERDUE = [
    {
      leadId: 'sla-L8',
      caseNumber: 1,
      handedOffAt: '2026-01-27T09:00:00.000Z',
      dueAt: '2026-02-03T09:00:00.000Z',
      resolvedAt: null,
      resolvedBy: null,
      status: 'BREACHED',
      ownerId: 'alice',
      team: 'east',
      overdueBy: 1868400,
    },
    {
      leadId: 'sla-L6',
      caseNumber: 1,
      handedOffAt: '2026-02-02T12:00:00.000Z',
      dueAt: '2026-02-09T12:00:00.000Z',
      resolvedAt: null,
      resolvedBy: null,
      status: 'BREACHED',
      ownerId: 'bob',
      team: 'west',
      overdueBy: 1339200,
    },
  ];

  it('groupBy NONE: one group "all" per period, every period even empty, and the overdue cases', async () => {
    const r = await report('NONE');
    expect(rounded(r)).toEqual(
      rounded({
        periods: periods(
          [
            group('all', 4, 2, 0, 4 / 6, {
              responseTime: stats(5, 259200, 315360, 483840),
              calendarResponseTime: stats(5, 432000, 446400, 745920),
            }),
          ],
          [group('all', 1, 1, 1, 0.5, ONE_DAY)],
        ),
        overdue: OVERDUE,
      }),
    );
  });

  it('groupBy is NONE by default', async () => {
    const result = await app.gql(
      `query($now: DateTime, $p: String) { slaCompliance(from: "${FROM}", to: "${TO}", granularity: MONTH, now: $now, minPosition: $p) { periods { groups { key met breached open } } } }`,
      { now: NOW, p: position },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.slaCompliance.periods.map((p: any) => p.groups)).toEqual([
      [{ key: 'all', met: 4, breached: 2, open: 0 }],
      [{ key: 'all', met: 1, breached: 1, open: 1 }],
      [],
    ]);
  });

  it('groupBy OWNER', async () => {
    const r = await report('OWNER');
    expect(rounded(r.periods)).toEqual(
      rounded(
        periods(
          [
            group('alice', 2, 1, 0, 2 / 3, same(stats(2, 183600, 183600, 192240))),
            group('bob', 2, 1, 0, 2 / 3, {
              responseTime: stats(3, 432000, 403200, 501120),
              calendarResponseTime: stats(3, 568800, 621600, 804960),
            }),
          ],
          [group('alice', 0, 0, 1, null, NO_DURATIONS), group('bob', 1, 1, 0, 0.5, ONE_DAY)],
        ),
      ),
    );
    expect(r.overdue).toEqual(OVERDUE);
  });

  it('groupBy TEAM: a missing team is "(none)"', async () => {
    const r = await report('TEAM');
    expect(r.periods[0].groups.map((g: any) => [g.key, g.met, g.breached, g.open])).toEqual([
      ['(none)', 1, 0, 0],
      ['east', 2, 1, 0],
      ['west', 1, 1, 0],
    ]);
  });

  it('groupBy CHANNEL', async () => {
    const r = await report('CHANNEL');
    expect(rounded(r.periods)).toEqual(
      rounded(
        periods(
          [
            group('trade show', 2, 0, 0, 1, {
              responseTime: stats(2, 226800, 226800, 252720),
              calendarResponseTime: stats(2, 313200, 313200, 408240),
            }),
            group('web', 2, 2, 0, 0.5, {
              responseTime: stats(3, 432000, 374400, 501120),
              calendarResponseTime: stats(3, 568800, 535200, 804960),
            }),
          ],
          [group('trade show', 1, 1, 0, 0.5, ONE_DAY), group('web', 0, 0, 1, null, NO_DURATIONS)],
        ),
      ),
    );
  });

  it('groupBy CAMPAIGN: no campaign is "(none)"', async () => {
    const r = await report('CAMPAIGN');
    expect(rounded(r.periods)).toEqual(
      rounded(
        periods(
          [
            group('(none)', 1, 1, 0, 0.5, {
              responseTime: stats(2, 388800, 388800, 492480),
              calendarResponseTime: stats(2, 648000, 648000, 820800),
            }),
            group('spring', 3, 1, 0, 0.75, {
              responseTime: stats(3, 194400, 266400, 384480),
              calendarResponseTime: stats(3, 194400, 312000, 493920),
            }),
          ],
          [
            group('(none)', 0, 1, 0, 0, NO_DURATIONS),
            group('spring', 1, 0, 0, 1, ONE_DAY),
            group('summer', 0, 0, 1, null, NO_DURATIONS),
          ],
        ),
      ),
    );
  });

  it('evaluates open and breached as of `now`', async () => {
    // On 2026-02-05 L6 (due 02-09 12:00) is still open; L8 (due 02-03 09:00) is overdue by 1d15h = 140400 s;
    // L5 (unresolved, due 02-27) counts as open.
    const r = await report('NONE', { now: '2026-02-05T00:00:00.000Z' });
    expect(r.periods[1].groups.map((g: any) => [g.key, g.met, g.breached, g.open])).toEqual([['all', 1, 0, 2]]);
    expect(r.overdue.map((c: any) => [c.leadId, c.overdueBy])).toEqual([['sla-L8', 140400]]);
  });

  it('refuses from >= to with BAD_USER_INPUT', async () => {
    for (const to of [FROM, '2025-12-01T00:00:00.000Z']) {
      const result = await app.gql(REPORT, { from: FROM, to, granularity: 'MONTH', groupBy: 'NONE' });
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
