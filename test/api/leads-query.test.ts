import { recordHistories, type HistoryStep as Step, type LeadHistories } from './graphql-client.js';
import { startTestApp } from './test-app.js';

/*
 * Default definition (no stuck limits: every limit is the p90 benchmark). now = 2026-03-01T00:00:00Z.
 *
 * | lead   | capture (UTC)   | channel/campaign/origin   | then                                             | stage now  |
 * |--------|-----------------|---------------------------|--------------------------------------------------|------------|
 * | ll-A   | 01-10 08:00     | web/spring/MARKETING      | hand-off alice/east 01-11 08:00                  | handed_off |
 * | ll-B   | 01-09 08:00     | web/-/MARKETING           |                                                  | responder  |
 * | ll-C   | 01-09 08:00     | trade show/-/MARKETING    |                                                  | responder  |
 * | ll-D   | 01-05 08:00     | web/spring/MARKETING      | hand-off bob/west 01-06 08:00                    | handed_off |
 * | ll-E   | 01-03 08:00     | partner/-/PARTNER         |                                                  | responder  |
 * | ll-F   | 01-01 08:00     | web/spring/MARKETING      | hand-off alice/east 01-02 08:00, accept 01-04 08:00 | sal     |
 * | st-1..4| 02-01 00:00     | web                       | hand-off carol 02-02 00:00, accept after 1, 2, 3, 5 days | sal |
 * | st-5   | 02-24 00:00     | web                       | hand-off carol 02-25 00:00                       | handed_off |
 * | st-6   | 02-23 00:00     | web                       | hand-off carol 02-24 00:00                       | handed_off |
 * | st-old | 2025-05-31      | web                       | hand-off 2025-06-01, accept 2025-07-01 (30 days) | sal        |
 *
 * leads order (captured_at DESC, lead id): A, B, C (tie at 01-09 08:00: by id), D, E, F, then st-*.
 *
 * Benchmarks at now (advanced visits exited in [now - 180 days = 2025-09-02, now]; st-old's are too old):
 *   handed_off: F 172800, st-1 86400, st-2 172800, st-3 259200, st-4 432000
 *     sorted 86400, 172800, 172800, 259200, 432000: p90 at rank 3.6 = 259200 + 0.6 * 172800 = 362880
 *     (with st-old's 2592000 it would be 259200 + 0.5 * 172800 = 345600, and st-5 would be stuck).
 *   responder: every capture -> hand-off took 1 day (A, D, F, st-1..6): p90 86400.
 *   sal, won: no advanced visits -> no limit -> nobody stuck.
 * Open visits and ages at now (days from 01-dd 08:00 to 03-01 00:00 = (60 - dd) days - 8 h):
 *   E responder 01-03 08:00: 4896000 > 86400 stuck       D handed_off 01-06 08:00: 4636800 > 362880 stuck
 *   B, C responder 01-09 08:00: 4377600 stuck            A handed_off 01-11 08:00: 4204800 stuck
 *   st-6 handed_off 02-24: 432000 > 362880 stuck         st-5 handed_off 02-25: 345600 <= 362880 not stuck
 * stuckLeads order (stuckFor desc, id): E, D, B, C, A, st-6.
 */

const NOW = '2026-03-01T00:00:00.000Z';


const capture = (at: string, channel = 'web', campaign: string | null = null, origin = 'MARKETING'): Step => ['capture', { channel, campaign, origin, occurredAt: at }];
const handOff = (ownerId: string, team: string | null, at: string): Step => ['handOff', { ownerId, team, occurredAt: at }];
const accept = (at: string): Step => ['accept', { by: 'sales', occurredAt: at }];
const st = (acceptAt: string): Step[] => [capture('2026-02-01T00:00:00Z'), handOff('carol', null, '2026-02-02T00:00:00Z'), accept(acceptAt)];

const LEADS: LeadHistories = {
  'll-A': [capture('2026-01-10T08:00:00Z', 'web', 'spring'), handOff('alice', 'east', '2026-01-11T08:00:00Z')],
  'll-B': [capture('2026-01-09T08:00:00Z')],
  'll-C': [capture('2026-01-09T08:00:00Z', 'trade show')],
  'll-D': [capture('2026-01-05T08:00:00Z', 'web', 'spring'), handOff('bob', 'west', '2026-01-06T08:00:00Z')],
  'll-E': [capture('2026-01-03T08:00:00Z', 'partner', null, 'PARTNER')],
  'll-F': [capture('2026-01-01T08:00:00Z', 'web', 'spring'), handOff('alice', 'east', '2026-01-02T08:00:00Z'), accept('2026-01-04T08:00:00Z')],
  'st-1': st('2026-02-03T00:00:00Z'),
  'st-2': st('2026-02-04T00:00:00Z'),
  'st-3': st('2026-02-05T00:00:00Z'),
  'st-4': st('2026-02-07T00:00:00Z'),
  'st-5': [capture('2026-02-24T00:00:00Z'), handOff('carol', null, '2026-02-25T00:00:00Z')],
  'st-6': [capture('2026-02-23T00:00:00Z'), handOff('carol', null, '2026-02-24T00:00:00Z')],
  'st-old': [capture('2025-05-31T00:00:00Z'), handOff('carol', null, '2025-06-01T00:00:00Z'), accept('2025-07-01T00:00:00Z')],
};

const LEADS_QUERY = `
  query($filter: LeadFilter, $first: Int, $after: String, $p: String) {
    leads(filter: $filter, first: $first, after: $after, minPosition: $p) {
      totalCount
      pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
      edges { cursor node { id status stage revision score ownerId team capturedAt value currency source { channel campaign origin } } }
    }
  }
`;

const STUCK_QUERY = `
  query($stage: String, $first: Int, $after: String, $now: DateTime, $p: String) {
    stuckLeads(stage: $stage, first: $first, after: $after, now: $now, minPosition: $p) {
      totalCount
      pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
      edges { cursor node { stage enteredAt stuckFor limitSeconds limitSource lead { id stage ownerId } } }
    }
  }
`;

describe('leads and stuckLeads', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let position = '0';

  beforeAll(async () => {
    app = await startTestApp();
    position = await recordHistories(app.gql, LEADS);
  });
  afterAll(async () => app?.close());

  async function leads(variables: Record<string, unknown>) {
    const result = await app.gql(LEADS_QUERY, { p: position, ...variables });
    expect(result.errors).toBeUndefined();
    return result.data!.leads;
  }
  const ids = (connection: any) => connection.edges.map((e: any) => e.node.id ?? e.node.lead.id);

  it('builds Lead nodes from the summary, and their timeline still reads the stream', async () => {
    const page = await leads({ filter: { search: 'll-A' } });
    expect(page.totalCount).toBe(1);
    expect(page.edges[0].node).toEqual({
      id: 'll-A',
      status: 'HANDED_OFF',
      stage: 'handed_off',
      revision: 2,
      score: null,
      ownerId: 'alice',
      team: 'east',
      capturedAt: '2026-01-10T08:00:00.000Z',
      value: null,
      currency: null,
      source: { channel: 'web', campaign: 'spring', origin: 'MARKETING' },
    });
    const withTimeline = await app.gql(`query($p: String) { leads(filter: { search: "ll-A" }, minPosition: $p) { edges { node { id timeline { type revision } } } } }`, { p: position });
    expect(withTimeline.errors).toBeUndefined();
    expect(withTimeline.data!.leads.edges[0].node.timeline).toEqual([
      { type: 'ResponderCaptured', revision: 1 },
      { type: 'HandedOff', revision: 2 },
    ]);
  });

  it('pages through 3 pages with stable cursors, totalCount and pageInfo', async () => {
    const filter = { search: 'll-' };
    const p1 = await leads({ filter, first: 2 });
    expect(ids(p1)).toEqual(['ll-A', 'll-B']);
    expect(p1.totalCount).toBe(6);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: p1.edges[0].cursor, endCursor: p1.edges[1].cursor });

    const p2 = await leads({ filter, first: 2, after: p1.pageInfo.endCursor });
    expect(ids(p2)).toEqual(['ll-C', 'll-D']);
    expect(p2.totalCount).toBe(6);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const p3 = await leads({ filter, first: 2, after: p2.pageInfo.endCursor });
    expect(ids(p3)).toEqual(['ll-E', 'll-F']);
    expect(p3.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, endCursor: p3.edges[1].cursor });

    // Stable: the same cursor gives the same page and cursors; one page of 6 gives the same cursors too.
    expect(await leads({ filter, first: 2, after: p1.pageInfo.endCursor })).toEqual(p2);
    const all = await leads({ filter, first: 6 });
    expect(all.edges.map((e: any) => e.cursor)).toEqual([...p1.edges, ...p2.edges, ...p3.edges].map((e: any) => e.cursor));
    expect(all.pageInfo.hasNextPage).toBe(false);

    // Past the end: an empty page, the total still counted.
    const p4 = await leads({ filter, first: 2, after: p3.pageInfo.endCursor });
    expect(p4).toEqual({ totalCount: 6, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
  });

  it('defaults to 20 per page over every lead', async () => {
    const page = await leads({});
    expect(page.totalCount).toBe(13);
    expect(ids(page)).toEqual(['st-5', 'st-6', 'st-1', 'st-2', 'st-3', 'st-4', 'll-A', 'll-B', 'll-C', 'll-D', 'll-E', 'll-F', 'st-old']);
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it.each([
    ['stage', { search: 'll-', stage: 'handed_off' }, ['ll-A', 'll-D']],
    ['owner', { ownerId: 'alice' }, ['ll-A', 'll-F']],
    ['owner + team', { ownerId: 'bob', team: 'west' }, ['ll-D']],
    ['channel', { channel: 'trade show' }, ['ll-C']],
    ['campaign', { campaign: 'spring' }, ['ll-A', 'll-D', 'll-F']],
    ['origin', { origin: 'PARTNER' }, ['ll-E']],
    ['status', { search: 'll-', status: 'ACCEPTED' }, ['ll-F']],
    ['captured range, half-open', { capturedFrom: '2026-01-05T08:00:00Z', capturedTo: '2026-01-09T08:00:00Z' }, ['ll-D']],
    ['captured range incl. a tie', { capturedFrom: '2026-01-09T08:00:00Z', capturedTo: '2026-01-10T08:00:00.001Z' }, ['ll-A', 'll-B', 'll-C']],
    ['nothing matches', { channel: 'fax' }, []],
  ])('filters by %s', async (_name, filter, expected) => {
    const page = await leads({ filter });
    expect(ids(page)).toEqual(expected);
    expect(page.totalCount).toBe(expected.length);
  });

  it.each([
    ['not base64', 'not a cursor!'],
    ['base64 of garbage', Buffer.from('hello').toString('base64url')],
    ['a stuckLeads cursor', Buffer.from(JSON.stringify(['stuck', '1', 'x'])).toString('base64url')],
  ])('refuses a malformed cursor (%s) with BAD_USER_INPUT', async (_name, after) => {
    const result = await app.gql(LEADS_QUERY, { after });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('refuses first beyond 200 or negative', async () => {
    for (const first of [201, -1]) {
      const result = await app.gql(LEADS_QUERY, { first });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
    expect((await leads({ first: 200 })).totalCount).toBe(13);
  });

  async function stuck(variables: Record<string, unknown>) {
    const result = await app.gql(STUCK_QUERY, { now: NOW, p: position, ...variables });
    expect(result.errors).toBeUndefined();
    return result.data!.stuckLeads;
  }

  it('stuckLeads of one stage: the p90 limit of its advanced visits in the last 180 days', async () => {
    const page = await stuck({ stage: 'handed_off' });
    expect(page.totalCount).toBe(3);
    expect(page.edges.map((e: any) => e.node)).toEqual([
      { stage: 'handed_off', enteredAt: '2026-01-06T08:00:00.000Z', stuckFor: 4636800, limitSeconds: 362880, limitSource: 'p90', lead: { id: 'll-D', stage: 'handed_off', ownerId: 'bob' } },
      { stage: 'handed_off', enteredAt: '2026-01-11T08:00:00.000Z', stuckFor: 4204800, limitSeconds: 362880, limitSource: 'p90', lead: { id: 'll-A', stage: 'handed_off', ownerId: 'alice' } },
      { stage: 'handed_off', enteredAt: '2026-02-24T00:00:00.000Z', stuckFor: 432000, limitSeconds: 362880, limitSource: 'p90', lead: { id: 'st-6', stage: 'handed_off', ownerId: 'carol' } },
    ]);
    // st-5 (345600 s in stage) is below the limit.
    expect(ids(page)).not.toContain('st-5');
  });

  it('stuckLeads over every stage, longest stuck first, paginated', async () => {
    const p1 = await stuck({ first: 2 });
    expect(p1.totalCount).toBe(6);
    expect(p1.edges.map((e: any) => [e.node.lead.id, e.node.stage, e.node.stuckFor, e.node.limitSeconds])).toEqual([
      ['ll-E', 'responder', 4896000, 86400],
      ['ll-D', 'handed_off', 4636800, 362880],
    ]);
    expect(p1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const p2 = await stuck({ first: 2, after: p1.pageInfo.endCursor });
    expect(p2.edges.map((e: any) => [e.node.lead.id, e.node.stuckFor])).toEqual([
      ['ll-B', 4377600],
      ['ll-C', 4377600],
    ]);
    const p3 = await stuck({ first: 2, after: p2.pageInfo.endCursor });
    expect(ids(p3)).toEqual(['ll-A', 'st-6']);
    expect(p3.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('stuckLeads: a stage without advanced visits has no limit, so nobody is stuck there', async () => {
    expect(await stuck({ stage: 'sal' })).toEqual({
      totalCount: 0,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('stuckLeads: the benchmark window follows now (earlier now: fewer visits, different limit)', async () => {
    // now = 2026-02-06T00:00Z: handed_off advanced visits in the window: F 172800, st-1 86400, st-2 172800, st-3 259200
    // (st-4 exits 02-07): p90 at rank 2.7 = 172800 + 0.7 * 86400 = 233280. Open at that now (by today's read model):
    // A (age 25d16h = 2217600), D (30d16h = 2649600), st-4 (still open then, but closed now: not listed), st-5/st-6 not yet entered.
    const page = await stuck({ stage: 'handed_off', now: '2026-02-06T00:00:00Z' });
    expect(page.edges.map((e: any) => [e.node.lead.id, e.node.stuckFor, e.node.limitSeconds])).toEqual([
      ['ll-D', 2649600, 233280],
      ['ll-A', 2217600, 233280],
    ]);
  });

  it('stuckLeads refuses an unknown stage and a malformed cursor', async () => {
    const unknown = await app.gql(STUCK_QUERY, { stage: 'nope', now: NOW });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'stage' });
    const leadsCursor = (await leads({ first: 1 })).pageInfo.endCursor;
    const bad = await app.gql(STUCK_QUERY, { after: leadsCursor, now: NOW });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
